// The connection to the target PostgreSQL: pool with fixed session settings, bounded retries for
// connection-class failures only, and URLs with the password taken out before anything prints them.
import pg from 'pg';
import { TargetError } from '../model/errors.js';
import type { Logger } from '../runtime/log.js';
import { plaintextFallback } from './tls-fallback.js';
import { connectionGuards, connectTimeoutMs, DEFAULT_STALL_S, StallWatch } from './connection-guards.js';
import { isConnectTimeout, isRecovering, RetryBudget, sleep } from './retry-budget.js';

/**
 * Session settings every connection gets: the verifier reads values in these formats, and
 * standard_conforming_strings=on keeps '…' free of backslash escapes whatever the database or role sets
 * (quote.ts writes literals that mean the same either way; this is the second guard).
 */
const SESSION_OPTIONS =
  '-c DateStyle=ISO,YMD -c TimeZone=UTC -c extra_float_digits=1 -c client_encoding=UTF8 -c bytea_output=hex -c IntervalStyle=postgres -c standard_conforming_strings=on';

/** Refuses a session where the pinned standard_conforming_strings did not take (a pooler dropping startup options). */
async function checkPinnedSettings(pool: pg.Pool): Promise<void> {
  const r = await pool.query<{ scs: string }>("SELECT current_setting('standard_conforming_strings') AS scs");
  if (r.rows[0].scs !== 'on') {
    throw new Error(
      `the session runs with standard_conforming_strings=${r.rows[0].scs} although sqlite2pg asks for on in its startup options (does a connection pooler drop them?)`,
    );
  }
}

/** The URL with its password replaced by `***` (query parameters such as `password=` too). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key$/i.test(key) && key !== 'sslkey') u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

/** The secrets a URL carries: its password, and any `password=`-like query parameter. */
function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    const out = [decodeURIComponent(u.password), u.password];
    for (const [key, value] of u.searchParams)
      if (/pass|secret|token|key$/i.test(key) && key !== 'sslkey') out.push(value, encodeURIComponent(value));
    return out.filter((s) => s.length > 0);
  } catch {
    return []; // not a URL: nothing to take out
  }
}

/** Removes a URL's password from any text (error messages may quote the connection string). */
export function redactText(text: string, url: string): string {
  let out = text;
  // Longest first, so a secret that contains another is taken out whole.
  for (const secret of secretsOf(url).sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}

/** What another thread needs to open a connection with the pool's settings (worker/source-worker.ts). */
export interface ConnectionSettings {
  url: string;
  /** The session's `-c` settings (date and number formats, time zone, statement timeout). */
  options: string;
  /** The stall watch's limit in ms (connection-guards.ts); 0: off. */
  stallMs?: number;
}

export interface Target {
  url: string;
  displayUrl: string;
  pool: pg.Pool;
  /** The pool's connection settings, for a worker thread's own connection. */
  settings: ConnectionSettings;
  serverVersion: string;
  /** Ends connections on which nothing moved for too long (connection-guards.ts); every pool connection is watched. */
  stallWatch: StallWatch;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize: number;
  retries: number;
  log: Logger;
  /** Milliseconds; 0 for none. */
  statementTimeoutMs?: number;
  /** Seconds without a byte moving before the stall watch acts (SQLITE2PG_STALL_SECONDS); 0 turns it off. */
  stallSeconds?: number;
}

/**
 * The server answered but refused the login (wrong password, no pg_hba.conf entry, no such role): retrying will not
 * help.
 */
export function isAuthFailure(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '28P01' || code === '28000';
}

/** The user a refused login was for: as the server names it, else as the URL does. */
function loginUser(err: unknown, url: string): string | null {
  const named = /user "([^"]*)"/.exec((err as { message?: string }).message ?? '');
  if (named) return named[1];
  try {
    return decodeURIComponent(new URL(url).username) || null;
  } catch {
    return null;
  }
}

function describe(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string };
  const user = isAuthFailure(err) ? loginUser(err, url) : null;
  const why = isAuthFailure(err)
    ? `authentication failed${user ? ` for user "${user}"` : ''} (check the user and password): ${e.message}`
    : e.code === '3D000'
      ? 'the database does not exist'
      : e.code === 'ECONNREFUSED'
        ? 'connection refused (is the server running and listening there?)'
        : isConnectTimeout(err)
          ? `the server accepted the connection but did not answer within ${connectTimeoutMs(url) / 1000} s (connect_timeout; a server that is overloaded or hung, or a proxy or firewall that holds connections open)`
          : isRecovering(err)
            ? `the server is not accepting connections yet (crash recovery or starting up), waited for it: ${e.message}`
            : (e.message ?? String(err));
  return redactText(`cannot connect to ${redactUrl(url)}: ${why}`, url);
}

/**
 * Ends the pool, waiting at most the connect timeout: a connection whose path to the server went silent
 * never hears the server close it. Those that are still open then have their server sessions terminated
 * from a fresh connection (nothing of the run is left holding locks there) and their sockets destroyed.
 */
async function closeBounded(pool: pg.Pool, open: Set<pg.Client>, url: string): Promise<void> {
  // An unref'd timer: once the pool has ended, nothing of this wait may keep the process alive.
  const within = <T>(work: Promise<T>): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), connectTimeoutMs(url));
      timer.unref();
    });
    return Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]).finally(() => clearTimeout(timer));
  };
  if (await within(pool.end())) return;
  const left = [...open];
  const pids = left
    .map((c) => (c as unknown as { processID: number | null }).processID)
    .filter((p): p is number => typeof p === 'number');
  const admin = new pg.Client({ connectionString: url, ...connectionGuards(url) });
  admin.on('error', () => {});
  await within(
    (async () => {
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(p) FROM unnest($1::int[]) AS p', [pids]);
    })(),
  );
  (admin as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  for (const c of left)
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Opens a pool on `url` and checks it with one query, retrying connection-class errors (retry-budget.ts). */
export async function connectTarget(url: string, opts: ConnectOptions): Promise<Target> {
  const timeout = opts.statementTimeoutMs ? ` -c statement_timeout=${opts.statementTimeoutMs}` : '';
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    options: SESSION_OPTIONS + timeout,
    ...connectionGuards(url),
  });
  const stallMs = (opts.stallSeconds ?? DEFAULT_STALL_S) * 1000;
  const stallWatch = new StallWatch(url, stallMs, opts.log, (t) => redactText(t, url));
  const open = new Set<pg.Client>();
  pool.on('connect', (client) => {
    stallWatch.add(client as pg.Client);
    open.add(client as pg.Client);
    client.once('end', () => open.delete(client as pg.Client));
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) => opts.log.warn({ err: redactText(err.message, url) }, 'idle target connection failed'));
  const budget = new RetryBudget(opts.retries);
  let lastErr: unknown;
  for (;;) {
    try {
      const res = await pool.query<{ server_version: string }>('SHOW server_version');
      await checkPinnedSettings(pool);
      return {
        url,
        displayUrl: redactUrl(url),
        pool,
        settings: { url, options: SESSION_OPTIONS + timeout, stallMs },
        serverVersion: res.rows[0].server_version,
        stallWatch,
        close: async () => {
          stallWatch.stop();
          await closeBounded(pool, open, url);
        },
      };
    } catch (err) {
      lastErr = err;
      const plain = plaintextFallback(url, err);
      if (plain) {
        stallWatch.stop();
        await pool.end().catch(() => {});
        opts.log.info(
          { target: redactUrl(url) },
          'the server offers no TLS: connecting in plain text, as sslmode=prefer/allow allows',
        );
        return connectTarget(plain, opts);
      }
      const delay = budget.next(err);
      if (delay === null) break;
      opts.log.warn(
        { attempt: budget.spent, delayMs: delay, error: describe(err, url) },
        isRecovering(err)
          ? 'target in crash recovery or starting up, waiting for it'
          : 'target not reachable, retrying',
      );
      await sleep(delay);
    }
  }
  stallWatch.stop();
  await pool.end().catch(() => {});
  throw new TargetError(describe(lastErr, url), {}, { cause: lastErr });
}
