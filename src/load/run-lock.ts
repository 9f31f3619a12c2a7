// The session advisory lock that keeps two sqlite2pg runs (migrate, rollback) from working on one target
// at once. It lives on a connection of its own; should that connection be lost, the lock is gone with
// it, so the run takes it again before its next step, or stops if another run took it meanwhile.
import type pg from 'pg';
import { TargetError, TargetRefusedError } from '../errors.js';
import type { Logger } from '../log.js';
import { MIGRATE_LOCK_KEY } from './ledger.js';

/** The run lock of one migrate or rollback: {@link RunLock.acquire}, {@link RunLock.check} before each step, {@link RunLock.release}. */
export class RunLock {
  private lostWith: Error | null = null;

  private constructor(
    private readonly pool: pg.Pool,
    private client: pg.PoolClient,
    private readonly log: Logger,
  ) {
    this.watch(client);
  }

  /**
   * Takes the lock or refuses (exit 2) when another run holds it: runs never interleave.
   * `what` names the refused command in the message.
   */
  static async acquire(pool: pg.Pool, log: Logger, what: string): Promise<RunLock> {
    const client = await pool.connect();
    try {
      if (!(await RunLock.tryTake(client))) {
        throw new TargetRefusedError(`another sqlite2pg migrate or rollback is running against this target; ${what} refused: wait for it to finish (sqlite2pg history shows it)`);
      }
    } catch (err) {
      client.release();
      throw err;
    }
    return new RunLock(pool, client, log);
  }

  private static async tryTake(client: pg.ClientBase): Promise<boolean> {
    const r = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [MIGRATE_LOCK_KEY]);
    return r.rows[0].ok as boolean;
  }

  /** An idle pooled client whose socket closes emits 'error'; unheard, it would crash the process. */
  private watch(client: pg.PoolClient): void {
    client.on('error', (err) => {
      this.lostWith = err;
      this.log.warn({ error: err.message }, 'the connection holding the run lock was lost');
    });
  }

  /**
   * Before each step: when the lock's connection was lost, takes the lock again on a new connection;
   * when another run took it meanwhile, stops this one (exit 3, a later --mode resume carries on).
   */
  async check(): Promise<void> {
    if (!this.lostWith) return;
    const lost = this.lostWith;
    this.client.release(true);
    const client = await this.pool.connect();
    if (!(await RunLock.tryTake(client).catch(() => false))) {
      client.release(true);
      throw new TargetError(`lost the connection holding the run lock (${lost.message}) and another run took the lock: stopped so the two never interleave; run again with --mode resume`);
    }
    this.client = client;
    this.lostWith = null;
    this.watch(client);
    this.log.warn('run lock taken again on a new connection');
  }

  async release(): Promise<void> {
    if (this.lostWith) {
      this.client.release(true);
      return;
    }
    await this.client.query('SELECT pg_advisory_unlock_all()').catch(() => {});
    this.client.release();
  }
}
