// Turns what PostgreSQL or the driver threw mid-run into one sentence a person can act on: which fault
// it was (connection lost, statement timeout, disk full, …), with the server's own message kept.
import { isConnectionError } from './retry-budget.js';

/** The server's fields node-postgres copies onto its errors. */
interface PgErrorFields {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  table?: string;
  schema?: string;
}

/**
 * SQLSTATEs and what they mean for a migration.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const BY_CODE: Record<string, string> = {
  '57014': 'a statement was canceled (it ran longer than --statement-timeout, or someone canceled it)',
  '57P01': 'the server ended the connection (it is shutting down or restarting, or an administrator terminated it)',
  '57P02': 'the server ended the connection (it crashed or was stopped in immediate mode)',
  '57P03': 'the server is not accepting connections yet (starting up or recovering)',
  '53100': 'the target is out of disk space',
  '53200': 'the target ran out of memory',
  '53300': 'the target has too many connections',
  '55P03': 'a lock could not be taken in time (another session holds the table)',
  '40P01': 'a deadlock with another session',
  '25006': 'the target is read-only (a standby, or default_transaction_read_only)',
  '42501': 'the target user lacks a privilege',
};

/** `why: server message (detail; hint)`, the password never included (callers redact the URL). */
export function explainTargetError(err: unknown): string {
  const e = (err ?? {}) as PgErrorFields;
  const message = e.message ?? String(err);
  const extra = [e.detail, e.hint].filter(Boolean).join('; ');
  const server = extra ? `${message} (${extra})` : message;
  const why = e.code ? BY_CODE[e.code] : undefined;
  if (why) return `${why}: ${server}`;
  if (isConnectionError(err)) return `lost the connection to the target: ${server}`;
  return server;
}
