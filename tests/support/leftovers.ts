// The guard behind "every test removes what it creates": a run gets a temporary folder and a database-name
// prefix of its own, and its end fails the run naming whatever its tests left behind there or in the checkout.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent } from '../../src/pg/quote.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's id: test databases are named s2p_test_<id>_… (see pg.ts). */
    testRun: string;
  }
}

/** The prefix of every test database of run `run`. */
export const databasePrefix = (run: string): string => `s2p_test_${run}_`;

/** Processes whose command line names `dir` (an embedded server left running there), on Linux; else none. */
function processesIn(dir: string): string[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const pid of pids) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(dir)) found.push(`process ${pid}: ${cmd.slice(0, 200)}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** The databases of run `run` still on the server, dropped once named (the name is this run's alone). */
/** Files and folders in the checkout that git does not track (ignored ones too), or none outside a checkout. */
function untrackedIn(root: string): string[] {
  const r = spawnSync('git', ['ls-files', '--others', '--directory', '--no-empty-directory'], {
    cwd: root,
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

async function dropDatabasesOf(pgUrl: string, run: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [
      databasePrefix(run),
    ]);
    const names = r.rows.map((x) => x.datname as string);
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return names.map((n) => `database ${n}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts watching: a new `<tmpdir>/s2p-run-<id>` becomes TMPDIR for the test files and every CLI they
 * start (the workers inherit it), and `id` is provided as `testRun`. Per run, so that several suites
 * running at once on one machine each see only their own. Returns the check for the end of the run, which
 * names what was left in the folder, in databases of this run, in the checkout `root` (new files git does
 * not track) or still running, removes the folder and those databases, and throws if there was any.
 */
export function watchLeftovers(root: string, provide: (run: string) => void): (pgUrl: string) => Promise<void> {
  const untracked = new Set(untrackedIn(root));
  const run = randomBytes(4).toString('hex');
  const dir = path.join(tmpdir(), `s2p-run-${run}`);
  // 0755: as root, the embedded servers' postgres user must reach the folders the tests make inside.
  mkdirSync(dir, { mode: 0o755 });
  process.env.TMPDIR = dir;
  provide(run);
  return async (pgUrl) => {
    const left = [
      ...readdirSync(dir).map((f) => `temporary ${path.join(dir, f)}`),
      ...untrackedIn(root)
        .filter((f) => !untracked.has(f))
        .map((f) => `in the checkout ${f}`),
      ...processesIn(dir),
      ...(await dropDatabasesOf(pgUrl, run)),
    ];
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    // Vitest reports an error thrown at teardown but still exits 0: the exit code says it too.
    process.exitCode = 1;
    throw new Error(
      `the tests of this run left ${left.length} thing(s) behind (every test removes what it creates):\n  ${left.join('\n  ')}`,
    );
  };
}
