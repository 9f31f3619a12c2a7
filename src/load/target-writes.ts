// How a migrate writes to its target, as one of two strategies chosen once: live (live-target.ts: each step a
// transaction of its own, committed behind the run lock's fence) or dry run (dry-run-target.ts: every step in
// one transaction, rolled back at the end). The migrate's steps read the same either way.
import type pg from 'pg';
import type { Logger } from '../runtime/log.js';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import { RunLock } from '../ledger/run-lock.js';
import { openLiveTarget } from './live-target.js';
import { openDryRunTarget } from './dry-run-target.js';

export interface TargetWrites {
  readonly dryRun: boolean;
  /** The run lock, held from start to end: `check()` before each step, `signal` to stop a COPY once it is lost. */
  readonly lock: RunLock;
  /** Tables loaded at a time (run/connections.ts). */
  readonly lanes: number;
  /** How often a table's load is tried again after a lost connection. */
  readonly retries: number;
  /** The run id written where later runs read it (the fence, views' owner); null when nothing is kept. */
  readonly runIdForLedger: string | null;
  /** Whether sequences are set (setval is not transactional: a dry run only reports them) and verified. */
  readonly setsSequences: boolean;
  /** Whether the closing verify's workers may read the target on connections of their own (no transaction to share). */
  readonly ownTargetReads: boolean;
  /** Runs `fn` in a transaction of the run. */
  transaction<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  /** Makes the tables about to be loaded ready for their rows (`client`: the schema step's transaction). */
  prepareTables(client: pg.ClientBase, plan: RunPlan, load: readonly TablePlan[]): Promise<void>;
  /** After a source failed: drops the tables this run created that are still empty; their names. */
  dropUnloaded(plan: RunPlan, created: { kind: string; name: string }[]): Promise<string[]>;
  /** After the run's last step: `warn` hears what the run did that the application noticed. */
  finish(warn: (message: string) => void): Promise<void>;
  /** After a failure: undoes what the strategy undoes (nothing once committed). */
  abort(): Promise<void>;
  /** Gives back the connections and the lock. */
  release(): Promise<void>;
}

export interface TargetWritesOptions {
  dryRun: boolean;
  /** Tables loaded at a time: run/connections.ts migrateLanes. */
  lanes: number;
  retries: number;
  runId: string;
}

/** Takes the run lock (exit 2 when another run holds it), then sets up the strategy the run asked for. */
export async function openTargetWrites(pool: pg.Pool, log: Logger, o: TargetWritesOptions): Promise<TargetWrites> {
  const lock = await RunLock.acquire(pool, log, 'this migrate', o.retries);
  try {
    return o.dryRun ? await openDryRunTarget(pool, lock, o) : openLiveTarget(pool, lock, o);
  } catch (err) {
    await lock.release();
    throw err;
  }
}
