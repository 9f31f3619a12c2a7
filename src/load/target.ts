// The connection to the target PostgreSQL: pool with fixed session settings, bounded retries for
// connection-class failures only, and URLs with the password taken out before anything prints them.
import pg from 'pg';
import { TargetError } from '../errors.js';
import type { Logger } from '../log.js';
import { plaintextFallback } from './tls-fallback.js';

/**
 * Session settings every connection gets: the verifier reads values in these formats, and
 * standard_conforming_strings=on keeps '…' free of backslash escapes whatever the database or role sets
 * (quote.ts writes literals that mean the same either way; this is the second guard).
 */
const SESSION_OPTIONS = '-c DateStyle=ISO,YMD -c TimeZone=UTC -c extra_float_digits=1 -c client_encoding=UTF8 -c bytea_output=hex -c IntervalStyle=postgres -c standard_conforming_strings=on';

/** Refuses a session where the pinned standard_conforming_strings did not take (a pooler dropping startup options). */
async function checkPinnedSettings(pool: pg.Pool): Promise<void> {
  const r = await pool.query<{ scs: string }>("SELECT current_setting('standard_conforming_strings') AS scs");
  if (r.rows[0].scs !== 'on') {
    throw new Error(`the session runs with standard_conforming_strings=${r.rows[0].scs} although sqlite2pg asks for on in its startup options (does a connection pooler drop them?)`);
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
    for (const [key, value] of u.searchParams) if (/pass|secret|token|key$/i.test(key) && key !== 'sslkey') out.push(value, encodeURIComponent(value));
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

/**
 * What node-postgres says, without a code, when the socket closes under a client (server killed or
 * restarted, backend terminated) or a client already broken is used again.
 */
const CONNECTION_LOST = /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout expired|Connection terminated due to connection timeout/i;

/** SQLSTATE classes and socket errors worth retrying: the server may come back. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (typeof e.code !== 'string') return typeof e.message === 'string' && CONNECTION_LOST.test(e.message);
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(e.code)) return true;
  return e.code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(e.code);
}

/** What another thread needs to open a connection with the pool's settings (worker/source-worker.ts). */
export interface ConnectionSettings {
  url: string;
  /** The session's `-c` settings (date and number formats, time zone, statement timeout). */
  options: string;
}

export interface Target {
  url: string;
  displayUrl: string;
  pool: pg.Pool;
  /** The pool's connection settings, for a worker thread's own connection. */
  settings: ConnectionSettings;
  serverVersion: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  poolSize: number;
  retries: number;
  log: Logger;
  /** Milliseconds; 0 for none. */
  statementTimeoutMs?: number;
}

/** The server answered but refused the login (wrong password, no pg_hba.conf entry, no such role): retrying will not help. */
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
  const why =
    isAuthFailure(err) ? `authentication failed${user ? ` for user "${user}"` : ''} (check the user and password): ${e.message}` :
    e.code === '3D000' ? 'the database does not exist' :
    e.code === 'ECONNREFUSED' ? 'connection refused (is the server running and listening there?)' :
    e.message ?? String(err);
  return redactText(`cannot connect to ${redactUrl(url)}: ${why}`, url);
}

/** Opens a pool on `url` and checks it with one query, retrying connection-class errors with backoff. */
export async function connectTarget(url: string, opts: ConnectOptions): Promise<Target> {
  const timeout = opts.statementTimeoutMs ? ` -c statement_timeout=${opts.statementTimeoutMs}` : '';
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize, options: SESSION_OPTIONS + timeout, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) => opts.log.warn({ err: redactText(err.message, url) }, 'idle target connection failed'));
  let lastErr: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    try {
      const res = await pool.query<{ server_version: string }>('SHOW server_version');
      await checkPinnedSettings(pool);
      return {
        url,
        displayUrl: redactUrl(url),
        pool,
        settings: { url, options: SESSION_OPTIONS + timeout },
        serverVersion: res.rows[0].server_version,
        close: () => pool.end(),
      };
    } catch (err) {
      lastErr = err;
      const plain = plaintextFallback(url, err);
      if (plain) {
        await pool.end().catch(() => {});
        opts.log.info({ target: redactUrl(url) }, 'the server offers no TLS: connecting in plain text, as sslmode=prefer/allow allows');
        return connectTarget(plain, opts);
      }
      if (!isConnectionError(err) || attempt === opts.retries) break;
      const delay = Math.min(4000, 250 * 2 ** attempt);
      opts.log.warn({ attempt: attempt + 1, delayMs: delay, error: describe(err, url) }, 'target not reachable, retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  await pool.end().catch(() => {});
  throw new TargetError(describe(lastErr, url), {}, { cause: lastErr });
}
