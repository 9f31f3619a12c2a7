// The raw pipe people would write instead of sqlite2pg: per table `sqlite3 -csv FILE "SELECT …" | psql -c
// "\copy … FROM STDIN CSV"`, two tables at a time, into the tables `sqlite2pg plan --sql` creates; then
// the same keys, indexes and foreign keys (tables two at a time, as sqlite2pg builds them) and sequences.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { atMost } from './at-most.js';
import { GNU_TIME, readTimeFile, TIME_FORMAT } from './measure.js';
import type { PostLoadStatement, TargetPlan } from './target-plan.js';

export interface PipeTableRun {
  table: string;
  rows: number;
  ms: number;
  sqlite3RssKb: number;
  psqlRssKb: number;
  sqlite3CpuMs: number;
  psqlCpuMs: number;
}

export interface PipeRun {
  /** Schema DDL + load + post-load + sequences. */
  wallMs: number;
  schemaMs: number;
  /** All tables copied (two at a time): "pipe, load only". */
  loadMs: number;
  keysAndIndexesMs: number;
  foreignKeysMs: number;
  sequencesMs: number;
  tables: PipeTableRun[];
  /** The largest single process (sqlite3 or psql). */
  peakRssMaxKb: number;
  /** Upper bound of what runs at once: the two largest tables' sqlite3 + psql peaks added up. */
  peakRssConcurrentKb: number;
  /** CPU time of every sqlite3 and psql process (the server's work is not in it). */
  cpuMs: number;
}

interface Proc {
  ms: number;
  time: { peakRssKb: number; cpuMs: number }[];
}

/** Runs a bash script with positional args; rejects with its stderr on a non-zero exit. */
function bash(script: string, args: string[], timeFiles: string[]): Promise<Proc> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail\n${script}`, 'bench-pipe', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4096);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ ms: performance.now() - t0, time: timeFiles.map(readTimeFile) });
      else reject(new Error(`pipe step failed (exit ${code}): ${err.trim()}`));
    });
  });
}

const TIME = `${GNU_TIME} -f '${TIME_FORMAT}'`;
const COPY_SCRIPT = `${TIME} -o "$1" sqlite3 -readonly -bail -csv "$3" "$4" | ${TIME} -o "$2" psql -X -q -v ON_ERROR_STOP=1 -d "$5" -c "\\\\copy $6 FROM STDIN CSV"`;
const PSQL_SCRIPT = `${TIME} -o "$1" psql -X -q -v ON_ERROR_STOP=1 -d "$2" -c "$3"`;

/** Runs statements grouped by table, `jobs` tables at a time, each group in one psql session. */
async function perTable(
  statements: PostLoadStatement[],
  jobs: number,
  url: string,
  tmp: string,
): Promise<Proc['time']> {
  const groups = [...new Set(statements.map((s) => s.table))].map((t) => statements.filter((s) => s.table === t));
  const runs = await atMost(jobs, groups, (g) => {
    const rss = path.join(tmp, `psql-${Math.random().toString(36).slice(2)}`);
    return bash(PSQL_SCRIPT, [rss, url, g.map((s) => s.sql).join('\n')], [rss]);
  });
  return runs.flatMap((r) => r.time);
}

/**
 * Loads `plan` into the empty database at `url` through the pipe; `naive` leaves REAL values as sqlite3 prints them.
 */
export async function runPipe(plan: TargetPlan, url: string, jobs: number, naive = false): Promise<PipeRun> {
  const tmp = mkdtempSync(path.join(tmpdir(), 's2p-bench-pipe-'));
  try {
    const t0 = performance.now();
    const other: Proc['time'] = [];
    const schema = await bash(
      PSQL_SCRIPT,
      [path.join(tmp, 'schema'), url, plan.preLoadSql],
      [path.join(tmp, 'schema')],
    );
    other.push(...schema.time);

    const tLoad = performance.now();
    const tables = await atMost(jobs, plan.tables, async (t): Promise<PipeTableRun> => {
      const [a, b] = ['sqlite3', 'psql'].map((p) => path.join(tmp, `${p}-${t.targetName}`));
      const r = await bash(
        COPY_SCRIPT,
        [a, b, t.sourcePath, naive ? t.naiveSelect : t.select, url, t.copyTarget],
        [a, b],
      );
      const [a2, b2] = r.time;
      return {
        table: t.targetName,
        rows: t.rows,
        ms: r.ms,
        sqlite3RssKb: a2.peakRssKb,
        psqlRssKb: b2.peakRssKb,
        sqlite3CpuMs: a2.cpuMs,
        psqlCpuMs: b2.cpuMs,
      };
    });
    const loadMs = performance.now() - tLoad;

    const tKeys = performance.now();
    other.push(
      ...(await perTable(
        plan.postLoad.filter((s) => s.kind === 'key-or-index'),
        jobs,
        url,
        tmp,
      )),
    );
    const keysAndIndexesMs = performance.now() - tKeys;
    const tFk = performance.now();
    other.push(
      ...(await perTable(
        plan.postLoad.filter((s) => s.kind === 'foreign-key'),
        jobs,
        url,
        tmp,
      )),
    );
    const foreignKeysMs = performance.now() - tFk;
    const tSeq = performance.now();
    const seq = await bash(
      PSQL_SCRIPT,
      [path.join(tmp, 'seq'), url, plan.sequenceSql.join('\n')],
      [path.join(tmp, 'seq')],
    );
    other.push(...seq.time);
    const sequencesMs = performance.now() - tSeq;

    const pairs = tables.map((t) => t.sqlite3RssKb + t.psqlRssKb).sort((x, y) => y - x);
    return {
      wallMs: performance.now() - t0,
      schemaMs: schema.ms,
      loadMs,
      keysAndIndexesMs,
      foreignKeysMs,
      sequencesMs,
      tables,
      peakRssMaxKb: Math.max(...tables.flatMap((t) => [t.sqlite3RssKb, t.psqlRssKb]), ...other.map((o) => o.peakRssKb)),
      peakRssConcurrentKb: pairs.slice(0, jobs).reduce((n, x) => n + x, 0),
      cpuMs: tables.reduce((n, t) => n + t.sqlite3CpuMs + t.psqlCpuMs, 0) + other.reduce((n, o) => n + o.cpuMs, 0),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
