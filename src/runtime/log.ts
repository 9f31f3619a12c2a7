// Logs on stderr (stdout stays for the report: `--json` prints nothing else there): pino JSON lines for
// machines (stderr not a terminal, or --log-format json), one short sentence a line for a person otherwise.
// Either way they go through the status line, so a live progress line is cleared first and drawn again after.
import { pino } from 'pino';
import { stderrLine, type StatusLine } from './status-line.js';

export type Logger = pino.Logger;
export type LogFormat = 'json' | 'text';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** pino's bookkeeping, and what the report already shows: not repeated on a person's line. */
const UNSHOWN = new Set(['level', 'time', 'msg', 'app', 'pid', 'hostname', 'runId']);
const MAX_VALUE = 60;

const cut = (s: string, max = MAX_VALUE) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A field's value, short: plain words as they are, flat objects as `k:v,…`, anything longer cut. */
function shortValue(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    const s = String(v);
    return cut(/^[^\s"=]*$/.test(s) ? s : JSON.stringify(s));
  }
  if (Array.isArray(v))
    return cut(v.map((x) => (x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(','));
  return cut(
    Object.entries(v)
      .map(([k, x]) => `${k}:${x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
      .join(','),
  );
}

/** `12:03:04 warn  rows rejected  table=knowledge.items rejected=10`, from one pino JSON line. */
export function textLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json);
  } catch {
    return json.trimEnd();
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toTimeString().slice(0, 8);
  const level = (LEVELS[o.level as number] ?? String(o.level)).padEnd(5);
  const fields = Object.entries(o)
    .filter(([k, v]) => !UNSHOWN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${shortValue(v)}`);
  return [`${time} ${level} ${String(o.msg ?? '')}`, ...fields].join('  ');
}

/** Where pino writes: each line through the status line, as it is (json) or as a sentence (text). Synchronous. */
function destination(format: LogFormat, line: StatusLine): { write(s: string): void } {
  return { write: (s: string) => line.print(format === 'json' ? s : textLine(s)) };
}

export function createLogger(
  level: string = 'info',
  format: LogFormat = 'json',
  line: StatusLine = stderrLine,
): Logger {
  return pino({ level, base: { app: 'sqlite2pg' } }, destination(format, line));
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });
