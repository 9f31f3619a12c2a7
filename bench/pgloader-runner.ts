// pgloader, file by file (two at a time): once into the very tables sqlite2pg loads (`create no tables`),
// which pgloader cannot do when the mapping renames columns, and timed in its own way (it creates the
// source's tables, indexes, foreign keys and sequences itself) so it still has a figure to compare.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { atMost } from './at-most.js';
import { runMeasured } from './measure.js';

export const PGLOADER = '/usr/bin/pgloader';

export interface PgloaderSource {
  file: string;
  path: string;
  /** Target schema of the file's tables. */
  schema: string;
  /** Source table → target table, where the mapping renames a table. */
  renames: { from: string; to: string }[];
  rows: number;
}

export interface PgloaderFileRun {
  file: string;
  ok: boolean;
  ms: number;
  peakRssKb: number;
  cpuMs: number;
  rows: number;
  /** pgloader's summary, or the reason it failed (its KABOOM line). */
  detail: string;
}

export interface PgloaderRun {
  mode: 'same-tables' | 'own-tables';
  wallMs: number;
  ok: boolean;
  rows: number;
  files: PgloaderFileRun[];
  peakRssMaxKb: number;
  peakRssConcurrentKb: number;
  cpuMs: number;
}

export const pgloaderInstalled = (): boolean => existsSync(PGLOADER);

/**
 * pgloader's default (100,000 rows read ahead per table) grows its SBCL heap with the rows held per file,
 * and with two at once on large files one of them can die of "Heap exhausted during garbage collection"
 * (exit 1, dimitri/pgloader#962); a quarter of that read-ahead keeps both loads whole.
 */
const PREFETCH = 'prefetch rows = 25000';

const quoteLoad = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * The load command for one file. `same-tables`: into the existing tables of the file's schema, tables
 * renamed as the mapping renames them (columns cannot be renamed: pgloader matches them by name).
 * `own-tables`: pgloader's defaults — it creates the source's tables (in public: the eleven names are
 * distinct), indexes, foreign keys and sequences.
 * Both cast REAL to double precision with float-to-string: pgloader's default (real, 4 bytes) rounds the
 * values, and without float-to-string it writes Lisp doubles ("0.39d0"), which PostgreSQL refuses.
 */
function loadCommand(src: PgloaderSource, sourcePath: string, url: string, mode: PgloaderRun['mode']): string {
  const cast = 'CAST type real to "double precision" drop typemod using float-to-string';
  const clauses =
    mode === 'same-tables'
      ? [
          `WITH create no tables, include no drop, no truncate, create no indexes, reset no sequences, no foreign keys, ${PREFETCH}`,
          `SET search_path TO ${quoteLoad(src.schema)}`,
          cast,
          ...src.renames.map((r) => `ALTER TABLE NAMES MATCHING ${quoteLoad(r.from)} RENAME TO ${quoteLoad(r.to)}`),
          `ALTER SCHEMA 'main' RENAME TO ${quoteLoad(src.schema)}`,
        ]
      : [`WITH include drop, create tables, create indexes, reset sequences, foreign keys, ${PREFETCH}`, cast];
  return `LOAD DATABASE\n  FROM sqlite://${sourcePath}\n  INTO ${url}\n  ${clauses.join('\n  ')};\n`;
}

/**
 * pgloader opens the SQLite file read-write, and closing the last connection to a WAL database
 * checkpoints it and deletes the -wal: so it reads a copy of any file with a -wal, and links the others.
 */
function stage(src: PgloaderSource, dir: string): string {
  const at = path.join(dir, src.file);
  if (existsSync(`${src.path}-wal`)) {
    copyFileSync(src.path, at);
    copyFileSync(`${src.path}-wal`, `${at}-wal`);
  } else {
    symlinkSync(src.path, at);
  }
  return at;
}

/** pgloader's summary "Total import time" line: errors (✓ when none) and rows. */
function totals(summary: string): { errors: number; rows: number } | null {
  const m = /Total import time\s+(\S+)\s+(\d+)/.exec(summary);
  if (!m) return null;
  return { errors: m[1] === '✓' ? 0 : Number(m[1]) || 1, rows: Number(m[2]) };
}

export async function runPgloader(
  sources: PgloaderSource[],
  url: string,
  jobs: number,
  mode: PgloaderRun['mode'],
): Promise<PgloaderRun> {
  const tmp = mkdtempSync(path.join(tmpdir(), 's2p-bench-pgloader-'));
  try {
    const staged = sources.map((s) => {
      const dir = path.join(tmp, s.file.replace(/\W/g, '_'));
      mkdirSync(dir);
      const command = path.join(dir, 'load.cmd');
      writeFileSync(command, loadCommand(s, stage(s, dir), url, mode));
      return { src: s, dir, command };
    });
    const t0 = performance.now();
    const files = await atMost(
      jobs,
      [...staged].sort((a, b) => b.src.rows - a.src.rows),
      async ({ src, dir, command }): Promise<PgloaderFileRun> => {
        const summaryFile = path.join(dir, 'summary.txt');
        const m = await runMeasured(PGLOADER, [
          '--root-dir',
          path.join(dir, 'root'),
          '--summary',
          summaryFile,
          command,
        ]);
        const summary = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '';
        const t = totals(summary || m.stdout);
        const ok = m.exitCode === 0 && t !== null && t.errors === 0 && t.rows === src.rows;
        const failure =
          /KABOOM!\s*\n(.*)/.exec(m.stdout + m.stderrTail)?.[1] ??
          (m.stdout + m.stderrTail)
            .trim()
            .split('\n')
            .filter((l) => /ERROR|FATAL/.test(l))
            .slice(0, 3)
            .join(' | ');
        const detail = ok
          ? `${t!.rows} rows`
          : `exit ${m.exitCode}, ${t ? `${t.rows}/${src.rows} rows, ${t.errors} errors` : 'no summary'}: ${failure || 'see pgloader output'}`;
        return { file: src.file, ok, ms: m.wallMs, peakRssKb: m.peakRssKb, cpuMs: m.cpuMs, rows: t?.rows ?? 0, detail };
      },
    );
    const wallMs = performance.now() - t0;
    const rss = files.map((f) => f.peakRssKb).sort((a, b) => b - a);
    return {
      mode,
      wallMs,
      files,
      ok: files.every((f) => f.ok),
      rows: files.reduce((n, f) => n + f.rows, 0),
      peakRssMaxKb: rss[0] ?? 0,
      peakRssConcurrentKb: rss.slice(0, jobs).reduce((n, x) => n + x, 0),
      cpuMs: files.reduce((n, f) => n + f.cpuMs, 0),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
