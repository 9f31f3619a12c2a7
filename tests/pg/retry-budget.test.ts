// The retry budget: which failures are retried, the backoff, and a server in crash recovery waited for
// without spending --retries; and the connect timeout read from the URL.
import { describe, expect, it } from 'vitest';
import { backoffMs, isRecovering, RetryBudget } from '../../src/pg/retry-budget.js';
import { connectTimeoutMs } from '../../src/pg/connection-guards.js';

/** Errors shaped as node-postgres hands them over (a server ErrorResponse carries `code`). */
const serverError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('RetryBudget', () => {
  it('a lost connection: --retries attempts with backoff 250 ms, 500 ms, 1 s…, then no more', () => {
    const b = new RetryBudget(3);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect([b.next(refused), b.next(refused), b.next(refused), b.next(refused)]).toEqual([250, 500, 1000, null]);
    expect(b.spent).toBe(3);
    expect(backoffMs(10)).toBe(4000);
  });

  it('crash recovery or start-up (57P03): waited for every second without spending an attempt', () => {
    const b = new RetryBudget(1);
    const recovering = serverError('57P03', 'the database system is in recovery mode');
    for (let i = 0; i < 20; i++) expect(b.next(recovering)).toBe(1000);
    expect(b.spent).toBe(0);
    expect(isRecovering(serverError('57P03', 'the database system is starting up'))).toBe(true);
    // A server shutting down is going away, not coming back soon: the ordinary attempts apply.
    expect(isRecovering(serverError('57P03', 'the database system is shutting down'))).toBe(false);
    expect(b.next(serverError('57P03', 'the database system is shutting down'))).toBe(250);
    expect(b.next(serverError('57P03', 'the database system is shutting down'))).toBeNull();
  });

  it('never retried: a connect timeout (the server accepts and does not answer), data and server errors', () => {
    const b = new RetryBudget(5);
    expect(b.next(new Error('Connection terminated due to connection timeout'))).toBeNull();
    expect(b.next(new Error('timeout expired'))).toBeNull();
    expect(b.next(serverError('23505', 'duplicate key value violates unique constraint'))).toBeNull();
    expect(b.next(serverError('57014', 'canceling statement due to statement timeout'))).toBeNull();
    expect(b.spent).toBe(0);
    // The stall watch's words are a lost connection: retried.
    expect(b.next(new Error('no bytes moved on the connection for 20 s (SQLITE2PG_STALL_SECONDS=20): …'))).toBe(250);
  });
});

describe('connectTimeoutMs', () => {
  it("the URL's connect_timeout in seconds (at least 2, as libpq), else 10 s; 0 is not 'forever'", () => {
    expect(connectTimeoutMs('postgresql://u@h/db?connect_timeout=3')).toBe(3000);
    expect(connectTimeoutMs('postgresql://u@h/db?connect_timeout=1')).toBe(2000);
    expect(connectTimeoutMs('postgresql://u@h/db?connect_timeout=0')).toBe(10_000);
    expect(connectTimeoutMs('postgresql://u@h/db')).toBe(10_000);
  });
});
