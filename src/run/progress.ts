// Progress of a run's load and verification: tables done of total, rows, rows/s, ETA and the tables in
// flight — a live line on a terminal, else (cron, CI logs) a log line every ~10 s so the run is seen moving.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../runtime/log.js';
import type { StatusLine } from '../runtime/status-line.js';

export interface ProgressReporter {
  /** A new phase ("loading", "verifying") over `tables` tables holding `rows` rows. */
  phase(name: string, tables: number, rows: number): void;
  start(table: string, totalRows: number): void;
  /** Rows of `table` done so far. */
  update(table: string, rows: number): void;
  finish(table: string): void;
  /** Ends the phase: the live line is removed, no more log lines. */
  stop(): void;
}

export const noProgress: ProgressReporter = { phase() {}, start() {}, update() {}, finish() {}, stop() {} };

interface Entry {
  total: number;
  rows: number;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** What a phase has done: the numbers both renderings show. */
class Tally {
  name = '';
  tables = 0;
  rows = 0;
  tablesDone = 0;
  rowsFinished = 0;
  t0 = performance.now();
  live = new Map<string, Entry>();

  begin(name: string, tables: number, rows: number): void {
    Object.assign(this, { name, tables, rows, tablesDone: 0, rowsFinished: 0, t0: performance.now() });
    this.live.clear();
  }

  snapshot() {
    let done = this.rowsFinished;
    for (const e of this.live.values()) done += Math.min(e.rows, e.total);
    const secs = (performance.now() - this.t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const left = rate > 0 ? Math.max(0, this.rows - done) / rate : Infinity;
    const inFlight = [...this.live].map(([t, e]) => `${t} ${n(e.rows)}/${n(e.total)}`);
    return { done, rate, left, inFlight };
  }
}

function track(tally: Tally, changed: (force: boolean) => void, ended: () => void): ProgressReporter {
  return {
    phase(name, tables, rows) {
      tally.begin(name, tables, rows);
      changed(true);
    },
    start(table, total) {
      tally.live.set(table, { total, rows: 0 });
      changed(true);
    },
    update(table, rows) {
      const e = tally.live.get(table);
      if (e) e.rows = rows;
      changed(false);
    },
    finish(table) {
      const e = tally.live.get(table);
      if (!e) return;
      tally.live.delete(table);
      tally.tablesDone++;
      tally.rowsFinished += e.total;
      changed(true);
    },
    stop() {
      tally.name = '';
      tally.live.clear();
      ended();
    },
  };
}

/**
 * One live line, redrawn at most every 200 ms: `loading 3/11 tables  12,345/45,000 rows  5,000 rows/s  ETA 7s │ a
 * 1,200/5,000`.
 */
export function terminalProgress(line: StatusLine): ProgressReporter {
  const tally = new Tally();
  let last = 0;
  return track(
    tally,
    (force) => {
      const now = performance.now();
      if (!tally.name || (!force && now - last < 200)) return;
      last = now;
      const s = tally.snapshot();
      const head = `${tally.name} ${tally.tablesDone}/${tally.tables} tables  ${n(s.done)}/${n(tally.rows)} rows  ${n(s.rate)} rows/s  ETA ${eta(s.left)}`;
      line.show(s.inFlight.length ? `${head} │ ${s.inFlight.join(' · ')}` : head);
    },
    () => line.clear(),
  );
}

/** Where nothing can be redrawn: an info log line every `intervalMs` while a phase runs. */
export function loggedProgress(log: Logger, intervalMs: number): ProgressReporter {
  const tally = new Tally();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (!tally.name) return;
    const s = tally.snapshot();
    const pct = tally.rows > 0 ? ` (${Math.floor((100 * s.done) / tally.rows)} %)` : '';
    log.info(
      {
        phase: tally.name,
        tablesDone: tally.tablesDone,
        tables: tally.tables,
        rowsDone: Math.round(s.done),
        rows: tally.rows,
        rowsPerS: Math.round(s.rate),
        etaS: Number.isFinite(s.left) ? Math.ceil(s.left) : null,
        inFlight: s.inFlight,
      },
      `${tally.name}: ${tally.tablesDone} of ${tally.tables} tables, ${n(s.done)} of ${n(tally.rows)} rows${pct}, ${n(s.rate)} rows/s, ETA ${eta(s.left)}`,
    );
  };
  return track(
    tally,
    () => {
      if (timer === null && tally.name) {
        timer = setInterval(tick, Math.max(50, intervalMs));
        timer.unref();
      }
    },
    () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
  );
}
