// A live progress line on stderr while tables load (rows, rows/s, ETA), only when stderr is a terminal.
import { performance } from 'node:perf_hooks';

export interface ProgressReporter {
  start(table: string, totalRows: number): void;
  update(table: string, rows: number): void;
  finish(table: string): void;
  stop(): void;
}

export const noProgress: ProgressReporter = { start() {}, update() {}, finish() {}, stop() {} };

interface Entry { total: number; rows: number; t0: number }

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** Redraws one line (all tables in flight) at most every 200 ms. */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressReporter {
  const live = new Map<string, Entry>();
  let last = 0;
  const draw = (force = false) => {
    const now = performance.now();
    if (!force && now - last < 200) return;
    last = now;
    const parts = [...live].map(([name, e]) => {
      const secs = (now - e.t0) / 1000;
      const rate = secs > 0 ? e.rows / secs : 0;
      const left = rate > 0 ? (e.total - e.rows) / rate : Infinity;
      return `${name} ${e.rows.toLocaleString('en-US')}/${e.total.toLocaleString('en-US')} ${Math.round(rate).toLocaleString('en-US')} rows/s ETA ${eta(left)}`;
    });
    const width = stream.columns || 120;
    stream.write(`\r\x1b[K${parts.join(' | ').slice(0, width - 1)}`);
  };
  return {
    start(table, total) {
      live.set(table, { total, rows: 0, t0: performance.now() });
      draw(true);
    },
    update(table, rows) {
      const e = live.get(table);
      if (e) e.rows = rows;
      draw();
    },
    finish(table) {
      live.delete(table);
      if (live.size === 0) stream.write('\r\x1b[K');
      else draw(true);
    },
    stop() {
      live.clear();
      stream.write('\r\x1b[K');
    },
  };
}
