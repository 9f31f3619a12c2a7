// A migrate's live writes: every step a transaction on a pool connection of its own, its COMMIT behind the run
// lock's fence (run-lock.ts), so a run that lost the lock commits nothing after the loss.
import type pg from 'pg';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import type { RunLock } from '../ledger/run-lock.js';
import { dropForeignKeys } from './post-load.js';
import { dropUnloadedTables } from './drop-unloaded.js';
import type { TargetWrites } from './target-writes.js';

function ignoreClientError(): void {}

/** A transaction on its own pool connection, committed only while the run holds its lock. */
function fencedTransactions(pool: pg.Pool, lock: RunLock) {
  return async function transaction<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    await lock.check();
    const client = await pool.connect();
    // A checked-out client whose socket closes between two queries emits 'error'; unheard, that would
    // crash the process. Heard, the next query fails instead, and that failure is handled below.
    client.on('error', ignoreClientError);
    const untrack = lock.track(client);
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await lock.fence(client);
      await client.query('COMMIT');
      client.removeListener('error', ignoreClientError);
      client.release();
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      client.removeListener('error', ignoreClientError);
      client.release(true);
      // Once the lock is lost for good, whatever failed in its wake (a COPY stopped, a session ended) is that loss.
      throw lock.lost ?? err;
    } finally {
      untrack();
    }
  };
}

export function openLiveTarget(
  pool: pg.Pool,
  lock: RunLock,
  o: { lanes: number; retries: number; runId: string },
): TargetWrites {
  const transaction = fencedTransactions(pool, lock);
  return {
    dryRun: false,
    lock,
    lanes: o.lanes,
    retries: o.retries,
    runIdForLedger: o.runId,
    setsSequences: true,
    ownTargetReads: true,
    transaction,
    async prepareTables(client: pg.ClientBase, plan: RunPlan, load: readonly TablePlan[]) {
      // Foreign keys touching reloaded tables come off first (TRUNCATE refuses referenced tables); they return after
      // the load.
      const reloaded = new Set(load.map((t) => t.targetName));
      await dropForeignKeys(
        plan.tables.filter(
          (t) => reloaded.has(t.targetName) || t.foreignKeys.some((fk) => reloaded.has(fk.references)),
        ),
        client,
      );
    },
    // Through the fenced transaction, as every write of the run: even a cleanup after a failure.
    dropUnloaded: (plan, created) =>
      created.length > 0
        ? transaction((c) => dropUnloadedTables(c, plan, created)).catch(() => [])
        : Promise.resolve([]),
    finish: async () => {},
    abort: async () => {},
    release: () => lock.release(),
  };
}
