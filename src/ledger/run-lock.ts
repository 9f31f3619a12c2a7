// The lock that keeps two sqlite2pg runs (migrate, rollback) from working on one target at once: a session
// advisory lock held on a connection of its own, and a fence in the ledger (sqlite2pg.run_lock) that each
// run claims before it decides or writes anything and that every commit checks inside its own transaction.
// A run whose lock connection drops commits nothing until it has the lock back; it takes it back only when
// no other run has claimed the fence since (then no one ran in between), and otherwise stops at once.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { TargetError, TargetRefusedError } from '../model/errors.js';
import type { Logger } from '../runtime/log.js';
import { MIGRATE_LOCK_KEY } from './ledger.js';
import { isRecovering, RetryBudget, sleep } from '../pg/retry-budget.js';
import { explainTargetError } from '../pg/explain-error.js';
import { pausePoint } from '../runtime/pause-points.js';

/** The lock lost for good: exit 3, in the words docs/faults.md documents. */
class RunLockLostError extends TargetError {}

/** Our advisory lock in pg_locks: a bigint key below 2^32 is classid 0, objid key, objsubid 1. */
const HOLDS_LOCK = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = ${MIGRATE_LOCK_KEY} AND objsubid = 1
  AND granted AND pid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/** How often the lock connection says something, so idle_session_timeout (or a proxy's idle cut) never ends it. */
const HEARTBEAT_MS = 15_000;

type State = 'held' | 'retaking' | 'lost';

/**
 * The run lock of one migrate or rollback: {@link RunLock.acquire}; {@link RunLock.claim} in the run's first
 * writing transaction; {@link RunLock.fence} before every COMMIT; {@link RunLock.check} between steps;
 * {@link RunLock.release}.
 */
export class RunLock {
  /** This run's identity in sqlite2pg.run_lock: any other run that claims the fence replaces it. */
  readonly token = randomUUID();
  private state: State = 'held';
  private retaking: Promise<void> | null = null;
  private lostWith: Error | null = null;
  private claimed = false;
  private released = false;
  private pid: number;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly aborter = new AbortController();
  /** Connections this run's transactions hold now: ended at once when the lock is lost for good. */
  private readonly inUse = new Set<pg.PoolClient>();
  private readonly onLost = (err: Error) => this.lose(err);

  private constructor(
    private readonly pool: pg.Pool,
    private client: pg.PoolClient,
    pid: number,
    private readonly log: Logger,
    private readonly what: string,
    private readonly retries: number,
  ) {
    this.pid = pid;
    this.watch(client);
  }

  /**
   * Takes the lock or refuses (exit 2) when another run holds it: runs never interleave.
   * `what` names the refused command in the message ("this migrate").
   */
  static async acquire(pool: pg.Pool, log: Logger, what: string, retries: number): Promise<RunLock> {
    const client = await pool.connect();
    client.on('error', ignore);
    try {
      const pid = await RunLock.tryTake(client);
      if (pid === null) {
        throw new TargetRefusedError(
          `another sqlite2pg migrate or rollback is running against this target; ${what} refused: wait for it to finish (sqlite2pg history shows it)`,
        );
      }
      const lock = new RunLock(pool, client, pid, log, what, retries);
      await lock.startHeartbeat();
      return lock;
    } catch (err) {
      client.removeListener('error', ignore);
      client.release(true);
      throw err;
    } finally {
      client.removeListener('error', ignore);
    }
  }

  /** The lock connection's backend pid when it took the lock, else null. */
  private static async tryTake(client: pg.ClientBase): Promise<number | null> {
    const r = await client.query('SELECT pg_try_advisory_lock($1) AS ok, pg_backend_pid() AS pid', [MIGRATE_LOCK_KEY]);
    return r.rows[0].ok ? (r.rows[0].pid as number) : null;
  }

  /** Aborted when the lock is lost for good: a COPY in flight stops at once. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /**
   * Set once the lock is lost for good: a {@link RunLockLostError} when another run came, else (the server
   * could not be reached to take it back) the connection error itself, which the command reports as it
   * reports any lost connection, with where a --mode resume starts.
   */
  get lost(): Error | null {
    return this.lostWith;
  }

  private watch(client: pg.PoolClient): void {
    client.on('error', this.onLost);
    client.once('end', () => this.lose(new Error('the connection ended')));
  }

  /**
   * A query now and then on the lock connection: idle_session_timeout never fires, and a dead connection is noticed.
   */
  private async startHeartbeat(): Promise<void> {
    let every = HEARTBEAT_MS;
    const r = await this.client.query("SELECT current_setting('idle_session_timeout', true) AS t").catch(() => null);
    const t = r?.rows[0]?.t as string | undefined;
    const ms = t ? parseDuration(t) : 0;
    if (ms > 0) every = Math.max(500, Math.min(every, Math.floor(ms / 3)));
    this.heartbeat = setInterval(() => {
      if (this.state !== 'held') return;
      this.client.query('SELECT 1').catch(() => {}); // a failure arrives as the client's 'error'
    }, every);
    this.heartbeat.unref();
  }

  /** Counts `client` as in use by a transaction of this run until the returned function is called. */
  track(client: pg.PoolClient): () => void {
    this.inUse.add(client);
    return () => this.inUse.delete(client);
  }

  /** The lock connection is gone: commits wait while the lock is taken back (once). */
  private lose(cause: Error): void {
    if (this.state !== 'held' || this.released) return;
    this.state = 'retaking';
    const old = this.client;
    old.removeListener('error', this.onLost);
    old.on('error', ignore);
    old.release(true);
    this.log.warn(
      { error: cause.message },
      'the connection holding the run lock was lost: taking the lock back, committing nothing meanwhile',
    );
    this.retaking = this.retake(cause).finally(() => {
      this.retaking = null;
    });
  }

  /**
   * Takes the lock back on a new connection, waiting out a restart or crash recovery (retry-budget.ts).
   * Kept only when no other run claimed the fence meanwhile; else the run has lost it for good.
   */
  private async retake(cause: Error): Promise<void> {
    const budget = new RetryBudget(this.retries);
    let recoveringLogged = false;
    const oldPid = this.pid;
    await pausePoint('lock:retake');
    for (;;) {
      let client: pg.PoolClient | null = null;
      try {
        client = await this.pool.connect();
        client.on('error', ignore);
        // Our own old session may still hold the lock (its connection was ended on this side only): end it.
        const zombie = await client.query(`SELECT pg_terminate_backend($1) AS t WHERE ${HOLDS_LOCK}`, [oldPid]);
        let pid = await RunLock.tryTake(client);
        for (let i = 0; pid === null && zombie.rows.length > 0 && i < 50; i++) {
          await sleep(100);
          pid = await RunLock.tryTake(client);
        }
        if (pid === null) return this.giveUp(client, cause, 'another sqlite2pg run holds it now');
        if (this.claimed) {
          const r = await client.query('SELECT token FROM sqlite2pg.run_lock WHERE id = 1');
          if (r.rows[0]?.token !== this.token)
            return this.giveUp(client, cause, 'another sqlite2pg run took it meanwhile');
        }
        if (this.lostWith) {
          // A commit found the fence taken while this retake was under way: lost for good all the same.
          await client.query('SELECT pg_advisory_unlock_all()').catch(() => {});
          client.release(true);
          return;
        }
        client.removeListener('error', ignore);
        this.client = client;
        this.pid = pid;
        this.state = 'held';
        this.watch(client);
        this.log.warn('run lock taken back on a new connection: no other run took it meanwhile');
        return;
      } catch (err) {
        client?.release(true);
        const delay = budget.next(err);
        if (delay === null) return this.giveUp(null, cause, null, err);
        if (!isRecovering(err))
          this.log.warn(
            { attempt: budget.spent, delayMs: delay, error: explainTargetError(err) },
            'could not take the run lock back yet: retrying',
          );
        else if (!recoveringLogged)
          this.log.warn(
            { error: explainTargetError(err) },
            'the target is in crash recovery or starting up: waiting for it to take the run lock back',
          );
        recoveringLogged ||= isRecovering(err);
        await sleep(delay);
      }
    }
  }

  /**
   * Lost for good: every transaction of this run is ended at once (on the server too), and the run stops.
   * `why` says which other run came; null when the server could not be reached (`unreachable` says how).
   */
  private async giveUp(
    client: pg.PoolClient | null,
    cause: Error,
    why: string | null,
    unreachable: unknown = null,
  ): Promise<void> {
    this.state = 'lost';
    if (why === null) {
      this.lostWith = unreachable instanceof Error ? unreachable : new Error(String(unreachable));
      this.log.error(
        { error: explainTargetError(unreachable) },
        'run lock lost: the server could not be reached to take it back',
      );
    } else {
      this.lostWith = new RunLockLostError(
        `lost the run lock (its connection ended: ${cause.message}) and ${why}: this ${this.what.replace(/^this /, '')} stopped at once and committed nothing after the loss, so the two runs never interleave; see sqlite2pg history for what the other run did before running again`,
      );
      this.log.error({ error: this.lostWith.message }, 'run lock lost');
    }
    const pids = [...this.inUse]
      .map((c) => (c as unknown as { processID: number }).processID)
      .filter((p) => typeof p === 'number');
    this.aborter.abort(this.lostWith);
    const admin = client ?? (pids.length > 0 ? await this.pool.connect().catch(() => null) : null);
    if (admin) {
      admin.on('error', ignore);
      if (pids.length > 0)
        await admin.query('SELECT pg_terminate_backend(p) FROM unnest($1::int[]) AS p', [pids]).catch(() => {});
      // Taken (if at all) only to look at the fence: given back at once.
      if (client) await admin.query('SELECT pg_advisory_unlock_all()').catch(() => {});
      admin.release(true);
    }
  }

  /** Throws when the lock is lost for good; waits while it is being taken back. */
  async check(): Promise<void> {
    while (this.retaking) await this.retaking;
    if (this.lostWith) throw this.lostWith;
  }

  /**
   * In the run's first writing transaction, before it decides anything: waits for commits of a run that lost
   * the lock and is still checking the fence, then makes the fence this run's (held until that commit).
   */
  async claim(client: pg.ClientBase, runId: string | null, command: string): Promise<void> {
    await this.check();
    await client.query(
      `INSERT INTO sqlite2pg.run_lock (id, token, run_id, command, pid, claimed_at) VALUES (1, $1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token, run_id = EXCLUDED.run_id, command = EXCLUDED.command, pid = EXCLUDED.pid, claimed_at = EXCLUDED.claimed_at`,
      [this.token, runId, command, this.pid],
    );
    this.claimed = true;
    await this.fence(client);
  }

  /**
   * Right before COMMIT, inside the transaction: the fence is still this run's and this run's lock
   * connection holds the lock. The row stays share-locked until the commit, so a run that takes the lock
   * meanwhile claims the fence only after this commit, and any later commit of this run fails here.
   */
  async fence(client: pg.ClientBase): Promise<void> {
    for (let round = 0; ; round++) {
      await this.check();
      let row: { token: string; held: boolean } | undefined;
      try {
        const r = await client.query(
          `SELECT token, ${HOLDS_LOCK} AS held FROM sqlite2pg.run_lock WHERE id = 1 FOR SHARE NOWAIT`,
          [this.pid],
        );
        row = r.rows[0];
      } catch (err) {
        // 55P03: another run is claiming the fence (it holds the lock): this run has lost it.
        if ((err as { code?: string }).code === '55P03') throw this.stopNow('another sqlite2pg run is taking it');
        throw err;
      }
      if (row?.token !== this.token) throw this.stopNow('another sqlite2pg run took it meanwhile');
      if (row.held) return;
      // Our session no longer holds the lock, and the connection's end has not reached us yet.
      if (round > 0) throw this.stopNow('it could not be confirmed as held');
      this.lose(new Error('its session no longer holds the lock'));
    }
  }

  /** Lost for good, noticed inside a transaction: the same stop as {@link giveUp}. */
  private stopNow(why: string): Error {
    if (!this.lostWith) {
      if (this.state === 'held') {
        this.state = 'lost';
        this.client.removeListener('error', this.onLost);
        this.client.on('error', ignore);
        this.client.release(true);
      }
      this.state = 'lost';
      void this.giveUp(null, new Error('its session no longer holds the lock'), why);
    }
    return this.lostWith!;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    while (this.retaking) await this.retaking.catch(() => {});
    if (this.state !== 'held') return;
    this.client.removeListener('error', this.onLost);
    this.client.on('error', ignore);
    const ok = await this.client.query('SELECT pg_advisory_unlock_all()').then(
      () => true,
      () => false,
    );
    this.client.release(!ok);
  }
}

function ignore(): void {}

/** A PostgreSQL duration setting as SHOW prints it (`0`, `500ms`, `30s`, `5min`, `1h`) in ms. */
function parseDuration(text: string): number {
  const m = /^(\d+)\s*(ms|s|min|h|d)?$/.exec(text.trim());
  if (!m) return 0;
  const unit = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return Number(m[1]) * unit;
}
