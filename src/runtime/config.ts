// Resolves the command line and environment into one frozen Config (flags, then environment, then
// defaults). Nothing else in sqlite2pg reads process.env.
import path from 'node:path';
import { UsageError } from '../model/errors.js';

export type Command = 'migrate' | 'verify' | 'sync' | 'rollback' | 'plan' | 'check' | 'init' | 'history' | 'embedded';
export type Mode = 'fresh' | 'truncate' | 'resume';
export type Format = 'text' | 'json' | 'markdown' | 'html';

export type TargetChoice = { kind: 'url'; url: string } | { kind: 'embedded'; dir: string };

export interface Config {
  command: Command;
  sourceDir: string;
  mappingFile: string | undefined;
  target: TargetChoice;
  mode: Mode;
  jobs: number;
  dryRun: boolean;
  maxRejects: number | null;
  backupDir: string | undefined;
  reportFile: string | undefined;
  json: boolean;
  format: Format;
  out: string | undefined;
  graceSeconds: number | null;
  /** sync --full: compare both sides in full, whatever the ledger's baselines say. */
  full: boolean;
  tables: string[] | null;
  sampleRows: number;
  runId: string | undefined;
  sql: boolean;
  /** SQLite files named as arguments (init; migrate, verify, plan: their folder is the source folder). */
  files: string[];
  /** --save-mapping: where to write the mapping drafted from `files`. */
  saveMapping: string | undefined;
  logLevel: string;
  /** SQLITE2PG_DEBUG set: stack traces of unexpected errors on stderr. */
  debug: boolean;
  /**
   * Logs as JSON lines (machines) or short sentences (a person): --log-format, SQLITE2PG_LOG_FORMAT, else text on a
   * terminal.
   */
  logFormat: 'json' | 'text';
  /**
   * Progress: a live line redrawn in place (stderr a terminal, no --json), else a log line every `progressIntervalMs`.
   */
  progress: 'line' | 'log';
  /** How often progress is logged when it cannot be drawn (SQLITE2PG_PROGRESS_INTERVAL_MS, default 10 s). */
  progressIntervalMs: number;
  quickCheck: boolean;
  retries: number;
  statementTimeoutMs: number;
  /**
   * SQLITE2PG_STALL_SECONDS: seconds without a byte moving on a query or COPY before the stall watch acts (0: off;
   * null: the default, connection-guards.ts).
   */
  stallSeconds: number | null;
  identifiers: 'keep' | 'lower' | 'snake';
  /** `embedded start|stop|status|url`: what to do with the embedded server. */
  embeddedAction: 'start' | 'stop' | 'status' | 'url';
  /** init --fts: the text search configuration of the full-text column added to migrated FTS tables (null: none). */
  fts?: string | null;
  /** Test hook (SQLITE2PG_TEST_PAUSE_AT): the pause point a fault test stops the run at; see pause-points.ts. */
  pauseAt: string | null;
  /** How long a pause lasts before the run carries on by itself (SQLITE2PG_TEST_PAUSE_MS, default 120 s). */
  pauseMs: number;
  /**
   * SQLITE2PG_COPY_FORMAT: `auto` (default) loads a table in COPY's binary format when all its column types
   * have one (copy-binary.ts), `text` loads every table in text format (for servers or proxies without
   * binary COPY, and to compare the two).
   */
  copyFormat: 'auto' | 'text';
}

/** The parsed flags, as yargs gives them (only what config reads). */
export interface Flags {
  [k: string]: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A whole number ≥ 0 from a flag yargs leaves as written (a string), so a bad value is quoted as given. */
function nonNegativeInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const text = String(v).trim();
  if (!/^\d+$/.test(text))
    throw new UsageError(
      `${flag} must be a whole number ≥ 0 (got ${text === '' ? 'no value' : JSON.stringify(String(v))})`,
    );
  return Number(text);
}

function copyFormat(v: string | undefined): Config['copyFormat'] {
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'text') return 'text';
  throw new UsageError(`SQLITE2PG_COPY_FORMAT must be auto or text (got ${JSON.stringify(v)})`);
}

function logFormat(v: string | undefined, stderrIsTty: boolean): Config['logFormat'] {
  if (v === undefined) return stderrIsTty ? 'text' : 'json';
  if (v === 'json' || v === 'text') return v;
  throw new UsageError(`--log-format must be json or text (got ${JSON.stringify(v)})`);
}

export function resolveTarget(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): TargetChoice {
  const embedded = { kind: 'embedded' as const, dir: path.resolve(cwd, env.SQLITE2PG_HOME ?? '.sqlite2pg') };
  if (flag === 'embedded') return embedded;
  const url = flag ?? str(env.DATABASE_URL);
  if (!url) return embedded;
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new UsageError('--target must be a postgres:// or postgresql:// URL, or "embedded"');
  return { kind: 'url', url };
}

/**
 * The folder the mapping's files are found in: --source-dir, or the folder of the files named as arguments
 * (a mapping names files by their name in one folder), or ./data.
 */
function sourceDirOf(command: Command, files: string[], flag: string | undefined, cwd: string): string {
  if (command === 'init' || files.length === 0) return path.resolve(cwd, flag ?? 'data');
  if (flag !== undefined) throw new UsageError('name SQLite files as arguments or give --source-dir, not both');
  const dirs = [...new Set(files.map((f) => path.dirname(f)))];
  if (dirs.length > 1)
    throw new UsageError(
      `the SQLite files must be in one folder (a mapping names each file by its name in that folder); they are in ${dirs.join(', ')}`,
    );
  return dirs[0];
}

export function resolveConfig(
  command: Command,
  flags: Flags,
  env: NodeJS.ProcessEnv,
  cwd: string,
  stderrIsTty: boolean,
): Readonly<Config> {
  const mode = (str(flags.mode) ?? 'fresh') as Mode;
  const jobs = nonNegativeInt(flags.jobs, '--jobs') ?? 2;
  if (jobs < 1) throw new UsageError('--jobs must be at least 1');
  const json = flags.json === true;
  const format = (str(flags.format) ?? (json ? 'json' : 'text')) as Format;
  const grace = flags.grace === undefined ? null : Number(String(flags.grace).trim() || NaN);
  if (grace !== null && !(grace >= 0))
    throw new UsageError(`--grace must be a number of seconds ≥ 0 (got ${JSON.stringify(String(flags.grace))})`);
  const files = ((flags.files as string[] | undefined) ?? []).map((f) => path.resolve(cwd, String(f)));
  if (flags['save-mapping'] !== undefined && (files.length === 0 || str(flags.mapping)))
    throw new UsageError(
      '--save-mapping writes the mapping made from SQLite files named as arguments: name the files, without --mapping',
    );
  const tables =
    str(flags.tables)
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean) ?? null;
  return Object.freeze({
    command,
    sourceDir: sourceDirOf(command, files, str(flags['source-dir']), cwd),
    mappingFile: str(flags.mapping) ? path.resolve(cwd, str(flags.mapping)!) : undefined,
    target: resolveTarget(str(flags.target), env, cwd),
    mode,
    jobs,
    dryRun: flags['dry-run'] === true,
    maxRejects: nonNegativeInt(flags['max-rejects'], '--max-rejects') ?? null,
    backupDir: str(flags['backup-dir']) ? path.resolve(cwd, str(flags['backup-dir'])!) : undefined,
    reportFile: str(flags.report) ? path.resolve(cwd, str(flags.report)!) : undefined,
    json,
    format,
    out: str(flags.out) ? path.resolve(cwd, str(flags.out)!) : undefined,
    graceSeconds: grace,
    full: flags.full === true,
    tables,
    sampleRows: nonNegativeInt(flags['sample-rows'], '--sample-rows') ?? 20,
    runId: str(flags.run),
    sql: flags.sql === true,
    files,
    saveMapping: str(flags['save-mapping']) ? path.resolve(cwd, str(flags['save-mapping'])!) : undefined,
    logLevel: str(env.SQLITE2PG_LOG_LEVEL) ?? (flags.quiet === true ? 'warn' : 'info'),
    debug: env.SQLITE2PG_DEBUG !== undefined && env.SQLITE2PG_DEBUG !== '',
    logFormat: logFormat(str(flags['log-format']) ?? str(env.SQLITE2PG_LOG_FORMAT), stderrIsTty),
    progress: stderrIsTty && !json ? 'line' : 'log',
    progressIntervalMs:
      nonNegativeInt(str(env.SQLITE2PG_PROGRESS_INTERVAL_MS), 'SQLITE2PG_PROGRESS_INTERVAL_MS') ?? 10_000,
    quickCheck: flags['quick-check'] !== false,
    retries: nonNegativeInt(flags.retries, '--retries') ?? 3,
    statementTimeoutMs: nonNegativeInt(flags['statement-timeout'], '--statement-timeout') ?? 0,
    stallSeconds: nonNegativeInt(str(env.SQLITE2PG_STALL_SECONDS), 'SQLITE2PG_STALL_SECONDS') ?? null,
    // snake_case by default, as PostgreSQL users expect (unquoted names fold to lower case) and pgloader does.
    identifiers: (str(flags.identifiers) ?? 'snake') as Config['identifiers'],
    embeddedAction: (str(flags.action) ?? 'status') as Config['embeddedAction'],
    fts:
      flags.fts === undefined || flags.fts === false ? null : String(flags.fts === true ? '' : flags.fts) || 'simple',
    pauseAt: str(env.SQLITE2PG_TEST_PAUSE_AT) ?? null,
    pauseMs: nonNegativeInt(str(env.SQLITE2PG_TEST_PAUSE_MS), 'SQLITE2PG_TEST_PAUSE_MS') ?? 120_000,
    copyFormat: copyFormat(env.SQLITE2PG_COPY_FORMAT),
  });
}
