// The target side of the one streaming pass: COPY output read on the main thread (on whatever connection
// verify was given, its snapshot or the dry run's transaction) and tallied in a worker thread when the
// compiled worker is there, else on the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { ConnectionSettings } from '../../pg/target.js';
import { copyOut } from '../../pg/copy-out.js';
import type { TablePlan } from '../../model/table-plan.js';
import { copyOutSql, targetCopyLines, targetLineTallier } from './target-side.js';
import { SideTally, type TallyState } from './side-tally.js';
import type { FirstLevelSpec } from './segments.js';
import { recentRowTest } from './grace.js';
import type { TallyRequest } from './target-worker.js';
import { WORKER_HEAP } from '../../runtime/heap.js';
import { transferListOf } from '../../runtime/transfer.js';

/** COPY chunks (about 64 KB each) a worker may have queued: bounds memory when the worker falls behind. */
const MAX_IN_FLIGHT = 32;

type Reply = { type: 'ack' } | { type: 'done'; state: TallyState } | { type: 'error'; message: string };

/** Tallies a table's target side from its COPY output chunks, in another thread. */
export interface TargetTallier {
  run(plan: TablePlan, cutoffMicros: number | null, spec: FirstLevelSpec, chunks: AsyncIterable<Buffer>): Promise<TallyState>;
  /**
   * Reads the table's COPY output itself, on a connection of its own with these settings, and tallies it
   * (a source worker: the main thread then allocates nothing for the table's target side).
   */
  copy?(plan: TablePlan, cutoffMicros: number | null, spec: FirstLevelSpec, connection: ConnectionSettings, snapshot: string | null): Promise<TallyState>;
}

/** Worker threads that tally target rows, reused from table to table; at most `size` at once. */
export class TallyWorkers implements TargetTallier {
  readonly #idle: Worker[] = [];
  readonly #waiting: ((w: Worker) => void)[] = [];
  #count = 0;

  private constructor(
    readonly url: URL,
    readonly size: number,
  ) {}

  /** Null when there is no compiled worker (running from the TypeScript sources, as the unit tests do). */
  static open(size: number): TallyWorkers | null {
    const url = new URL('./target-worker.js', import.meta.url);
    return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(url)) ? new TallyWorkers(url, Math.max(1, size)) : null;
  }

  async #acquire(): Promise<Worker> {
    const w = this.#idle.pop();
    if (w) return w;
    if (this.#count < this.size) {
      this.#count++;
      return new Worker(this.url, { resourceLimits: WORKER_HEAP });
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(w: Worker, healthy: boolean): void {
    if (!healthy) {
      this.#count--;
      void w.terminate();
      const next = this.#waiting.shift();
      if (next) this.#acquire().then(next, () => {});
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(w);
    else this.#idle.push(w);
  }

  /** Feeds the chunks to a worker and returns its tally. */
  async run(plan: TablePlan, cutoffMicros: number | null, spec: FirstLevelSpec, chunks: AsyncIterable<Buffer>): Promise<TallyState> {
    const w = await this.#acquire();
    let inFlight = 0;
    let drained: (() => void) | null = null;
    let settle!: { resolve: (s: TallyState) => void; reject: (e: Error) => void };
    const done = new Promise<TallyState>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => {}); // observed below; a failure while chunks are still being fed must not go unhandled
    const onMessage = (m: Reply) => {
      if (m.type === 'ack') {
        inFlight--;
        drained?.();
        drained = null;
      } else if (m.type === 'done') settle.resolve(m.state);
      else settle.reject(new Error(`verify worker: ${m.message}`));
    };
    const onError = (err: Error) => settle.reject(err);
    w.on('message', onMessage);
    w.on('error', onError);
    const post = (m: TallyRequest) => w.postMessage(m, m.type === 'chunk' ? transferListOf(m.data) : []);
    let healthy = false;
    try {
      post({ type: 'start', plan, cutoffMicros, spec });
      for await (const chunk of chunks) {
        post({ type: 'chunk', data: chunk });
        if (++inFlight >= MAX_IN_FLIGHT) await Promise.race([new Promise<void>((r) => (drained = r)), done]);
      }
      post({ type: 'end' });
      const state = await done;
      healthy = true;
      return state;
    } finally {
      w.off('message', onMessage);
      w.off('error', onError);
      this.#release(w, healthy);
    }
  }

  async close(): Promise<void> {
    const all = this.#idle.splice(0);
    await Promise.all(all.map((w) => w.terminate()));
  }
}

/** The name a worker gives the error when it could not open its own target connection. */
export const OWN_CONNECTION_REFUSED = 'OwnTargetConnectionRefused';

/** Where a worker may read a table's COPY on a connection of its own, and who hears when it cannot. */
export interface OwnTargetReads {
  settings: ConnectionSettings;
  /**
   * A snapshot exported by the transaction `client` holds (verify's REPEATABLE READ per table): the
   * worker's read imports it, and so sees exactly what `client` sees. Absent: the read is a COPY outside
   * any transaction (migrate's closing verify, whose `client` holds none).
   */
  snapshot?: string;
  /** The worker's connection could not be opened (the read then goes through the run's connection). */
  refused(table: string, reason: string): void;
  /** The worker read the table on its own connection (for a debug log line). */
  read?(table: string): void;
}

/**
 * The target side's tally for the streaming pass: every row of the table, in a worker when one is given.
 * With `own`, a worker that can read the COPY itself does so on a connection of its own (a COPY outside
 * any transaction, or one in `client`'s exported snapshot, sees what `client` would); when that connection
 * cannot be opened or cannot take the snapshot (a server or role at its connection limit, say) `client`
 * reads the COPY after all, as it does without `own`, and the chunks go to the worker.
 */
export async function targetTally(client: pg.ClientBase, plan: TablePlan, cutoffMicros: number | null, spec: FirstLevelSpec, workers: TargetTallier | null, own: OwnTargetReads | null = null): Promise<SideTally> {
  if (own && workers?.copy) {
    try {
      const state = await workers.copy(plan, cutoffMicros, spec, own.settings, own.snapshot ?? null);
      own.read?.(plan.targetName);
      return SideTally.fromState(state, spec);
    } catch (err) {
      if ((err as Error).name !== OWN_CONNECTION_REFUSED) throw err;
      own.refused(plan.targetName, (err as Error).message);
    }
  }
  const stream = client.query(copyOut(copyOutSql(plan))) as AsyncIterable<Buffer>;
  if (workers) return SideTally.fromState(await workers.run(plan, cutoffMicros, spec, stream), spec);
  return tallyCopyOutput(stream, plan, cutoffMicros, spec);
}

/** Tallies a table's COPY output as it arrives, on this thread (the main thread, or a source worker). */
export async function tallyCopyOutput(chunks: AsyncIterable<Buffer>, plan: TablePlan, cutoffMicros: number | null, spec: FirstLevelSpec): Promise<SideTally> {
  const tally = new SideTally(spec, recentRowTest(plan, cutoffMicros));
  const tallyLines = targetLineTallier(plan);
  const lines = targetCopyLines(plan);
  for await (const chunk of chunks) tallyLines(lines.push(chunk), tally);
  tallyLines(lines.end(), tally);
  return tally;
}
