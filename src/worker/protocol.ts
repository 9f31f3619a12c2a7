// The messages between the main thread and a source worker (source-worker.ts): synchronous SQL on a
// file's snapshot (remote-database.ts), and the bulk jobs: a table's load feed (which may also tally verify's
// source side from the rows it reads), verify's source tally, and verify's target side.
import type { MessagePort } from 'node:worker_threads';
import type { TablePlan } from '../model/table-plan.js';
import type { OpenOptions } from '../extract/open-source.js';
import type { FeedBatch, FeedSetup } from '../feed/table-feed.js';
import type { FirstLevelSpec } from '../verify/pass/segments.js';
import type { SourceSideOptions, SourceCounts } from '../verify/pass/source-side.js';
import type { TallyState } from '../verify/pass/side-tally.js';
import type { ProvedTally } from '../verify/pass/source-tally.js';
import type { ConnectionSettings } from '../pg/target.js';
import type { TargetCopyFormat } from '../verify/pass/target-tally.js';

/** What a worker is started with: the files it opens, and its end of the synchronous channel. */
export interface WorkerSetup {
  files: { file: string; path: string }[];
  options: OpenOptions;
  syncPort: MessagePort;
  /** Two Int32s: the flag the worker sets (and notifies) when a synchronous reply is posted; its thread id. */
  signal: SharedArrayBuffer;
}

/** A synchronous request: answered on the sync port before anything else the worker has queued. */
export type SyncRequest =
  | { op: 'open'; file: string }
  | { op: 'prepare'; file: string; sql: string }
  | {
      op: 'run';
      file: string;
      sql: string;
      method: 'all' | 'get';
      raw: boolean;
      pluck: boolean;
      safe: boolean | null;
      args: unknown[];
    }
  | { op: 'close' };

/** Why something failed in the worker, enough to raise the same error on the main thread. */
export interface WorkerError {
  message: string;
  name: string;
  code?: string;
  /** SourceReadError's context (the file). */
  file?: string;
}

export type SyncReply = { ok: true; value: unknown } | { ok: false; error: WorkerError };

/** Bulk jobs and flow control, on the worker's ordinary channel. */
export type JobRequest =
  /** `prove`: verify's source tally is made from the pages the feed reads (source-tally.ts LoadTally). */
  | { type: 'feed'; id: number; file: string; plan: TablePlan; setup: FeedSetup; window: number; prove: boolean }
  /** The source side proved from the table's load, settled with the ledger's rejects and changes. */
  | { type: 'proved'; id: number; file: string; plan: TablePlan; opts: SourceSideOptions }
  | { type: 'credit'; id: number }
  | { type: 'cancel'; id: number }
  /** A batch's buffer back from the main thread, its bytes written (load/batch-memory.ts). */
  | { type: 'spare'; id: 0; buffer: ArrayBuffer }
  | {
      type: 'tally';
      id: number;
      file: string;
      plan: TablePlan;
      opts: SourceSideOptions;
      spec: FirstLevelSpec;
      cutoffMicros: number | null;
    }
  /** sync's baseline: the source rows' sums as SQLite holds them (verify/pass/raw-tally.ts). */
  | {
      type: 'raw-tally';
      id: number;
      file: string;
      plan: TablePlan;
      spec: FirstLevelSpec;
      cutoffMicros: number | null;
    }
  | {
      type: 'target-start';
      id: number;
      plan: TablePlan;
      spec: FirstLevelSpec;
      cutoffMicros: number | null;
      format: TargetCopyFormat;
    }
  /** The target side read by the worker itself (the table's COPY TO) on a connection of its own. */
  | {
      type: 'target-copy';
      id: number;
      plan: TablePlan;
      spec: FirstLevelSpec;
      cutoffMicros: number | null;
      connection: ConnectionSettings;
      snapshot: string | null;
      format: TargetCopyFormat;
    }
  | { type: 'target-chunk'; id: number; data: Uint8Array }
  | { type: 'target-end'; id: number };

export type JobReply =
  | { type: 'batch'; id: number; batch: FeedBatch }
  | { type: 'end'; id: number }
  | { type: 'tallied'; id: number; state: TallyState; counts: SourceCounts }
  /** Null: a table without a key (no raw sums). */
  | { type: 'raw-tallied'; id: number; tally: { state: TallyState; counts: SourceCounts } | null }
  /** Null: no complete tally of this run's load of the table (or too many rows to settle by key). */
  | { type: 'proved'; id: number; tally: ProvedTally | null }
  /** Rows of the table the tally has read so far (verify's progress), at most a few times a second. */
  | { type: 'tally-rows'; id: number; rows: number }
  | { type: 'target-ack'; id: number }
  | { type: 'target-done'; id: number; state: TallyState }
  | { type: 'error'; id: number; error: WorkerError };
