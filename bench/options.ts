// The bench's command line, resolved once into a frozen BenchOptions (flags, then DATABASE_URL, then defaults;
// NODE_OPTIONS as it is).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export type Contender = 'migrate' | 'verify' | 'floor' | 'sync' | 'pipe' | 'pgloader';
export const CONTENDERS: readonly Contender[] = ['migrate', 'verify', 'floor', 'sync', 'pipe', 'pgloader'];

export interface BenchOptions {
  /** Rows in the largest table (the fixture generator's `rows`). */
  rows: number;
  seed: number;
  /** Timed runs of each contender, alternating. */
  repeat: number;
  /** Server URL: bench databases are created next to the database it names, never inside it. */
  target: string;
  /** --jobs given to sqlite2pg, and the number of tables the pipe and pgloader load at a time. */
  jobs: number;
  only: readonly Contender[];
  /** Where fixtures are cached and results written. */
  outDir: string;
  /** Also run one migrate under `node --cpu-prof` and summarise the profile. */
  profile: boolean;
  /** Check the pipe's load with `sqlite2pg verify` once (not timed against anything). */
  checkPipe: boolean;
  /** Also load once through the pipe without the REAL fix, and verify what it got wrong. */
  checkNaivePipe: boolean;
  keepDatabases: boolean;
  /** Before each timed run, wait up to this many seconds for the machine to be idle (0: do not wait). */
  waitIdleS: number;
  /** The sqlite2pg CLI to measure (default: the build beside the bench), e.g. another checkout's dist/src/cli.js. */
  cli: string;
  /** $NODE_OPTIONS: every sqlite2pg run inherits it (e.g. --max-semi-space-size=4), so results record it. */
  nodeOptions: string | null;
}

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');
export const DEFAULT_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.js');

export const USAGE = `usage: npm run bench -- [--rows N] [--repeat K] [--seed S] [--target URL] [--jobs N]
                       [--only migrate,verify,floor,sync,pipe,pgloader] [--out DIR] [--profile] [--no-check-pipe] [--check-naive-pipe]
                       [--keep-databases] [--cli PATH] [--wait-idle S]
  --rows N      rows in the largest table (default 1000000: ~4.9M rows, ~1.2 GB of SQLite in all)
  --repeat K    timed runs of each contender, alternating (default 2)
  --target URL  PostgreSQL server (default $DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres);
                the bench creates and drops its own s2p_bench_* databases there
  --jobs N      sqlite2pg --jobs, and tables (pipe) or files (pgloader) loaded at a time (default 2)
  --only LIST   run only these contenders (verify and floor run on the database migrate just loaded;
                floor: the read floor, both sides streamed by sqlite3 -csv and psql \\copy TO to /dev/null;
                sync: a first sync of a copy of the sources, then the final sync after 0.1 % of each
                table's rows changed in the copy — timed)
  --out DIR     fixture cache, results-*.json and profiles (default bench/out)
  --profile     also run one migrate under node --cpu-prof and print where its time goes
  --no-check-pipe     skip checking the pipe's load with sqlite2pg verify (done once, untimed)
  --check-naive-pipe  also load once through the pipe without the REAL fix and show what verify finds
  --keep-databases    leave the s2p_bench_* databases for inspection
  --cli PATH          the sqlite2pg build to measure (default dist/src/cli.js), e.g. a baseline checkout's
  --wait-idle S       before each timed run wait up to S seconds for the machine to be idle (< 0.3 busy
                      cores over 3 s), for shared machines; each run records how busy it found it`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name} must be a whole number ≥ 1, got ${value}\n${USAGE}`);
  return n;
}

export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv): Readonly<BenchOptions> | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rows: { type: 'string' },
      seed: { type: 'string' },
      repeat: { type: 'string' },
      target: { type: 'string' },
      jobs: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'boolean' },
      'no-check-pipe': { type: 'boolean' },
      'check-naive-pipe': { type: 'boolean' },
      'keep-databases': { type: 'boolean' },
      cli: { type: 'string' },
      'wait-idle': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : [...CONTENDERS];
  const unknown = only.filter((c) => !CONTENDERS.includes(c as Contender));
  if (unknown.length)
    throw new Error(`--only: unknown contender ${unknown.join(', ')} (choose from ${CONTENDERS.join(', ')})`);
  const target = values.target ?? env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (!/^postgres(ql)?:\/\//.test(target)) throw new Error('--target must be a postgres:// or postgresql:// URL');
  return Object.freeze({
    rows: positiveInt('rows', values.rows, 1_000_000),
    seed: positiveInt('seed', values.seed, 1),
    repeat: positiveInt('repeat', values.repeat, 2),
    target,
    jobs: positiveInt('jobs', values.jobs, 2),
    only: only as Contender[],
    outDir: path.resolve(values.out ?? path.join(BENCH_DIR, 'out')),
    profile: values.profile ?? false,
    checkPipe: !values['no-check-pipe'],
    checkNaivePipe: values['check-naive-pipe'] ?? false,
    keepDatabases: values['keep-databases'] ?? false,
    cli: path.resolve(values.cli ?? DEFAULT_CLI),
    waitIdleS: values['wait-idle'] === undefined ? 0 : positiveInt('wait-idle', values['wait-idle'], 0),
    nodeOptions: env.NODE_OPTIONS || null,
  });
}
