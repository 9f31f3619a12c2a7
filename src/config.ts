// Resolves the command line and environment into one frozen Config (flags, then environment, then
// defaults). Nothing else in sqlite2pg reads process.env.
import path from 'node:path';
import { UsageError } from './errors.js';

export type Command = 'migrate' | 'verify' | 'rollback' | 'plan' | 'check' | 'init' | 'history';
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
  tables: string[] | null;
  sampleRows: number;
  runId: string | undefined;
  sql: boolean;
  files: string[];
  logLevel: string;
  /** SQLITE2PG_DEBUG set: stack traces of unexpected errors on stderr. */
  debug: boolean;
  /** Live progress line: only when stderr is a terminal and no --json. */
  progress: boolean;
  quickCheck: boolean;
  retries: number;
  statementTimeoutMs: number;
  /** SQLITE2PG_STALL_SECONDS: seconds without a byte moving on a query or COPY before the stall watch acts (0: off; null: the default, connection-guards.ts). */
  stallSeconds: number | null;
  identifiers: 'keep' | 'lower' | 'snake';
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

function nonNegativeInt(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number ≥ 0 (got ${JSON.stringify(v)})`);
  return n;
}

function copyFormat(v: string | undefined): Config['copyFormat'] {
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'text') return 'text';
  throw new UsageError(`SQLITE2PG_COPY_FORMAT must be auto or text (got ${JSON.stringify(v)})`);
}

export function resolveTarget(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): TargetChoice {
  const embedded = { kind: 'embedded' as const, dir: path.resolve(cwd, env.SQLITE2PG_HOME ?? '.sqlite2pg') };
  if (flag === 'embedded') return embedded;
  const url = flag ?? str(env.DATABASE_URL);
  if (!url) return embedded;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('--target must be a postgres:// or postgresql:// URL, or "embedded"');
  return { kind: 'url', url };
}

export function resolveConfig(command: Command, flags: Flags, env: NodeJS.ProcessEnv, cwd: string, stderrIsTty: boolean): Readonly<Config> {
  const mode = (str(flags.mode) ?? 'fresh') as Mode;
  const jobs = nonNegativeInt(flags.jobs, '--jobs') ?? 2;
  if (jobs < 1) throw new UsageError('--jobs must be at least 1');
  const json = flags.json === true;
  const format = (str(flags.format) ?? (json ? 'json' : 'text')) as Format;
  const grace = flags.grace === undefined ? null : Number(flags.grace);
  if (grace !== null && !(grace >= 0)) throw new UsageError('--grace must be a number of seconds ≥ 0');
  const tables = str(flags.tables)?.split(',').map((t) => t.trim()).filter(Boolean) ?? null;
  return Object.freeze({
    command,
    sourceDir: path.resolve(cwd, str(flags['source-dir']) ?? 'data'),
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
    tables,
    sampleRows: nonNegativeInt(flags['sample-rows'], '--sample-rows') ?? 20,
    runId: str(flags.run),
    sql: flags.sql === true,
    files: ((flags.files as string[] | undefined) ?? []).map((f) => path.resolve(cwd, String(f))),
    logLevel: str(env.SQLITE2PG_LOG_LEVEL) ?? (flags.quiet === true ? 'warn' : 'info'),
    debug: env.SQLITE2PG_DEBUG !== undefined && env.SQLITE2PG_DEBUG !== '',
    progress: stderrIsTty && !json,
    quickCheck: flags['quick-check'] !== false,
    retries: nonNegativeInt(flags.retries, '--retries') ?? 3,
    statementTimeoutMs: nonNegativeInt(flags['statement-timeout'], '--statement-timeout') ?? 0,
    stallSeconds: nonNegativeInt(str(env.SQLITE2PG_STALL_SECONDS), 'SQLITE2PG_STALL_SECONDS') ?? null,
    identifiers: (str(flags.identifiers) ?? 'keep') as Config['identifiers'],
    pauseAt: str(env.SQLITE2PG_TEST_PAUSE_AT) ?? null,
    pauseMs: nonNegativeInt(str(env.SQLITE2PG_TEST_PAUSE_MS), 'SQLITE2PG_TEST_PAUSE_MS') ?? 120_000,
    copyFormat: copyFormat(env.SQLITE2PG_COPY_FORMAT),
  });
}
