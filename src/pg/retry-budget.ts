// How long sqlite2pg keeps trying when the target goes away, in one place: which failures are worth
// retrying (the server may come back), the backoff between attempts, and the longer wait for a server in
// crash recovery or starting up, which answers but cannot take connections yet.

/**
 * What node-postgres says, without a code, when the socket closes under a client (server killed or
 * restarted, backend terminated), a client already broken is used again, a connection attempt times out,
 * or the stall watch (connection-guards.ts) ends a connection on which nothing moved.
 */
const CONNECTION_LOST =
  /Connection terminated|connection error and is not queryable|Client was closed and is not queryable|timeout expired|Connection terminated due to connection timeout|no bytes moved on the connection/i;

/** SQLSTATE classes and socket errors worth retrying: the server may come back. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (typeof e.code !== 'string') return typeof e.message === 'string' && CONNECTION_LOST.test(e.message);
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(e.code))
    return true;
  return e.code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(e.code);
}

/**
 * The server answers but takes no connections yet: crash recovery after a backend died (PostgreSQL
 * restarts every backend and replays its WAL), a start-up, a standby not yet consistent. SQLSTATE 57P03.
 */
export function isRecovering(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (e.code === '57P03') return !/shutting down/i.test(e.message ?? '');
  return (
    typeof e.message === 'string' &&
    /the database system is (in recovery mode|starting up|not yet accepting connections)/i.test(e.message)
  );
}

/** A connection attempt that timed out: the server (or the path to it) accepts but does not answer. */
export function isConnectTimeout(err: unknown): boolean {
  const m = (err as { message?: string })?.message ?? '';
  return /timeout expired|Connection terminated due to connection timeout/i.test(m);
}

/** Backoff before retry `n` (0-based): 250 ms, 500 ms, 1 s, 2 s, then 4 s. */
export function backoffMs(n: number): number {
  return Math.min(4000, 250 * 2 ** n);
}

/** How long a server in crash recovery or starting up is waited for, polled every second, apart from --retries. */
export const RECOVERY_WAIT_MS = 120_000;
const RECOVERY_POLL_MS = 1000;

/**
 * One task's retries (a table's load, the first connection, taking the run lock back): up to `retries`
 * attempts after connection-class failures, with {@link backoffMs}; a server that answers "in recovery
 * mode" or "starting up" is waited for up to {@link RECOVERY_WAIT_MS} on top, without spending an attempt.
 * A connection attempt that timed out is not retried: the server accepted the connection and did not
 * answer within connect_timeout, and waiting that long again and again would only delay the exit.
 */
export class RetryBudget {
  private attempts = 0;
  private recoveringSince: number | null = null;

  constructor(private readonly retries: number) {}

  /** Attempts spent so far. */
  get spent(): number {
    return this.attempts;
  }

  /** The wait in ms before trying again after `err`, or null: not worth retrying, or the budget is spent. */
  next(err: unknown): number | null {
    if (!isConnectionError(err) || isConnectTimeout(err)) return null;
    if (isRecovering(err)) {
      this.recoveringSince ??= Date.now();
      if (Date.now() - this.recoveringSince < RECOVERY_WAIT_MS) return RECOVERY_POLL_MS;
    }
    if (this.attempts >= this.retries) return null;
    return backoffMs(this.attempts++);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
