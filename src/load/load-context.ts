// What loading a table needs from the run around it, handed to load-table.ts.
import type pg from 'pg';
import type { Logger } from '../runtime/log.js';
import type { TablePlan } from '../model/table-plan.js';
import { TooManyRejectsError } from '../model/errors.js';
import type { ProgressReporter } from '../run/progress.js';
import type { FeedBatch, FeedSetup } from '../feed/table-feed.js';

/** Counts rejects across all tables of a run against --max-rejects. */
export class RejectBudget {
  total = 0;
  constructor(readonly max: number | null) {}

  add(n: number, where: string): void {
    this.total += n;
    if (this.max !== null && this.total > this.max) {
      throw new TooManyRejectsError(
        `more than --max-rejects ${this.max} rows rejected (the last in ${where}); see sqlite2pg.rejects for the rows of tables already loaded, fix the data or the mapping (or raise --max-rejects), then run again with --mode resume`,
      );
    }
  }
}

export interface LoadContext {
  runId: string;
  mappingHash: string;
  log: Logger;
  /** Runs `fn` inside a transaction: a pool connection of its own, or the run's single connection in a dry run. */
  transaction<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  /** The table's row count, counted once before the load (for progress): asking the file's worker again
   *  mid-load would block this thread while that worker feeds another table. */
  expectedRows(plan: TablePlan): number;
  /** The table's rows as COPY batches, from its file's source worker. */
  feed(plan: TablePlan, setup: FeedSetup): AsyncIterable<FeedBatch>;
  rejectBudget: RejectBudget;
  progress: ProgressReporter;
  /** Column defaults evaluated once per run, for the `default` policy. */
  defaults(plan: TablePlan): ReadonlyMap<string, string | null>;
  /** Aborted when the run lock is lost for good (run-lock.ts): the COPY in flight stops at once. */
  signal?: AbortSignal;
  /** `auto`: binary COPY for tables whose types all have a binary form; `text`: text COPY for every table. */
  copyFormat: 'auto' | 'text';
  /** A dry run: its tables were emptied by DELETE up front (dry-run-locks.ts), so no TRUNCATE, and COPY
   *  without FREEZE (which needs the table truncated or created in the same transaction). */
  dryRun: boolean;
}

export interface StageTimes {
  extractMs: number;
  transformMs: number;
  copyMs: number;
  rejectsMs: number;
  /** migrate: the table's own key and index builds, and its foreign keys' validation (post-load.ts finishTable). */
  keysMs?: number;
  foreignKeysMs?: number;
}

export interface TableLoadResult {
  plan: TablePlan;
  sourceRows: number;
  loadedRows: number;
  rejectedRows: number;
  changedValues: number;
  rejectsByCode: Record<string, number>;
  durationMs: number;
  stages: StageTimes;
  /** Set when --mode resume kept the table as a previous run loaded it. */
  keptFromRun: string | null;
  /** The COPY format this run loaded the table in; null when it did not load it (kept, or found committed). */
  copyFormat: 'binary' | 'text' | null;
}
