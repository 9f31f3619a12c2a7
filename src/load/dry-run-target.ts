// A migrate's dry run: every step in one transaction on one connection, rolled back at the end; what a
// rollback cannot undo is kept from happening (dry-run-locks.ts: no lock that stops readers where avoidable)
// or put back (dry-run-sequences.ts: the ledger's sequences).
import type pg from 'pg';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import type { RunLock } from '../ledger/run-lock.js';
import { captureSequences, restoreSequences, type SequenceState } from './dry-run-sequences.js';
import { emptyForDryRun, existingRelations, lockedOut } from './dry-run-locks.js';
import type { TargetWrites } from './target-writes.js';

function ignoreClientError(): void {}

export async function openDryRunTarget(pool: pg.Pool, lock: RunLock, o: { lanes: number }): Promise<TargetWrites> {
  const client = await pool.connect();
  client.on('error', ignoreClientError);
  const release = () => {
    client.removeListener('error', ignoreClientError);
    client.release();
  };
  let sequences: SequenceState[];
  let existing: string[];
  try {
    sequences = await captureSequences(client);
    await client.query('BEGIN');
    existing = await existingRelations(client);
  } catch (err) {
    release();
    throw err;
  }
  const captured = sequences;
  return {
    dryRun: true,
    lock,
    lanes: o.lanes,
    // Its single transaction does not survive a lost connection: nothing to retry.
    retries: 0,
    runIdForLedger: null,
    setsSequences: false,
    // The closing verify reads inside the dry run's transaction, where alone its rows are.
    ownTargetReads: false,
    transaction: (fn) => fn(client),
    async prepareTables(c: pg.ClientBase, _plan: RunPlan, load: readonly TablePlan[]) {
      // DELETE, foreign keys kept: no lock that stops the application's readers (dry-run-locks.ts).
      await emptyForDryRun(c, load);
    },
    dropUnloaded: async () => [],
    async finish(warn) {
      for (const rel of await lockedOut(client, existing)) {
        warn(
          `dry run: held an ACCESS EXCLUSIVE lock on ${rel} until its end (it added a key, index or foreign key the existing table lacked): readers of it waited`,
        );
      }
      await client.query('ROLLBACK');
      // setval is not transactional: put back only while no other run may be using the sequences.
      await lock.check();
      await restoreSequences(client, captured);
    },
    async abort() {
      await client
        .query('ROLLBACK')
        .then(() => (lock.lost ? undefined : restoreSequences(client, captured)))
        .catch(() => {});
    },
    async release() {
      await lock.release();
      release();
    },
  };
}
