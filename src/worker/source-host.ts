// Starts the source workers (source-worker.ts) and speaks to them from the main thread: the synchronous
// channel behind remoteDatabase(), a table's load feed as an async iterable of batches with a bounded
// number in flight, and verify's source tally.
import { returnable } from '../feed/batch-memory.js';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import type { OpenOptions } from '../extract/open-source.js';
import type { FeedBatch, FeedSetup } from '../feed/table-feed.js';
import { parentKeyBuffers } from '../load/parent-keys.js';
import type { TallyState } from '../verify/pass/side-tally.js';
import type { ProvedSource, SourceTallier } from '../verify/pass/table-context.js';
import type { TargetCopyFormat, TargetTallier } from '../verify/pass/target-tally.js';
import type { RawTallier } from '../verify/pass/raw-tally.js';
import { SourceReadError } from '../model/errors.js';
import { remoteDatabase } from './remote-database.js';
import { WORKER_HEAP } from '../runtime/heap.js';
import { SOURCE_WORKER_ENTRY } from '../runtime/paths.js';
import { ReplyWait } from './thread-watch.js';
import { transferListOf } from '../runtime/transfer.js';
import type { JobReply, JobRequest, SyncReply, SyncRequest, WorkerError, WorkerSetup } from './protocol.js';

/**
 * A synchronous request (a planning query, a row count, a look-up by key) may take as long as it needs
 * while its worker works; a worker that shows no progress for this long is given up on.
 */
const STALL_MS = 10 * 60_000;

/**
 * A worker whose code has not started running this long after it was created failed to load it (a broken
 * build): its 'error' event cannot reach a main thread blocked on it, so the wait is bounded instead.
 */
const START_MS = 30_000;

/** A request still running after this long is reported (then again as often): the main thread waits meanwhile. */
const SLOW_EVERY_MS = 60_000;

/** Told when a synchronous request has taken long (the run's progress stands still meanwhile). */
export type SlowRequest = (what: { file: string | null; request: string; waitedMs: number }) => void;

/** A request as a log line shows it. */
function requestText(req: SyncRequest): string {
  if (req.op === 'open') return 'opening the file (and its quick_check)';
  if (req.op === 'close') return 'closing';
  const sql = req.sql.length > 200 ? `${req.sql.slice(0, 200)}…` : req.sql;
  return `${req.op === 'prepare' ? 'preparing' : 'running'} ${sql}`;
}

/** Batches a feed may have produced ahead of the COPY stream: bounds memory when PostgreSQL is slower. */
const FEED_WINDOW = 4;

function raise(e: WorkerError): Error {
  if (e.name === 'SourceReadError') return new SourceReadError(e.message, { file: e.file });
  return Object.assign(new Error(e.message), { name: e.name, code: e.code });
}

/** One worker thread and its channels. */
class SourceThread {
  readonly worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #nextId = 1;
  readonly #jobs = new Map<number, (m: JobReply) => void>();
  #failure: Error | null = null;

  readonly #created = Date.now();

  constructor(
    entry: string,
    files: { file: string; path: string }[],
    options: OpenOptions,
    readonly onSlow: SlowRequest,
    readonly startMs = START_MS,
  ) {
    const { port1, port2 } = new MessageChannel();
    // [0] the reply flag, [1] the worker's thread id (thread-watch.ts), [2] 1 once its code runs.
    const signal = new SharedArrayBuffer(12);
    this.#port = port1;
    this.#signal = new Int32Array(signal);
    const setup: WorkerSetup = { files, options, syncPort: port2, signal };
    this.worker = new Worker(entry, { workerData: setup, transferList: [port2], resourceLimits: WORKER_HEAP });
    this.worker.on('message', (m: JobReply) => this.#jobs.get(m.id)?.(m));
    const fail = (err: Error) => {
      this.#failure = err;
      for (const [id, handle] of this.#jobs)
        handle({ type: 'error', id, error: { message: `source worker stopped: ${err.message}`, name: 'Error' } });
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  /** Sends a request on the synchronous channel and blocks until the worker answers it. */
  call(req: SyncRequest): unknown {
    if (this.#failure) throw this.#failure;
    Atomics.store(this.#signal, 0, 0);
    this.#port.postMessage(req);
    // The main thread blocks here, so a worker's 'exit' event cannot reach it: the worker flags its own
    // exit (the flag set to 2), and its thread is watched for the ends no handler sees (thread-watch.ts).
    // Woken only by the flag, not by the wake-up: the previous reply's notify can arrive late.
    const wait = new ReplyWait(STALL_MS, SLOW_EVERY_MS);
    while (Atomics.load(this.#signal, 0) === 0) {
      Atomics.wait(this.#signal, 0, 0, 1000);
      if (Atomics.load(this.#signal, 0) !== 0) break;
      if (Atomics.load(this.#signal, 2) === 0 && Date.now() - this.#created > this.startMs) {
        this.#failure = new Error(
          `source worker did not start within ${Math.round(this.startMs / 1000)} s: its code failed to load (build sqlite2pg again: npm run build)`,
        );
        throw this.#failure;
      }
      const verdict = wait.check(Atomics.load(this.#signal, 1));
      if (verdict.kind === 'slow')
        this.onSlow({ file: 'file' in req ? req.file : null, request: requestText(req), waitedMs: verdict.waitedMs });
      if (verdict.kind === 'failed') {
        this.#failure = new Error(`source worker stopped while ${requestText(req)}: ${verdict.reason}`);
        throw this.#failure;
      }
    }
    const reply = receiveMessageOnPort(this.#port)?.message as SyncReply | undefined;
    if (!reply) {
      this.#failure = new Error('source worker stopped');
      throw this.#failure;
    }
    if (!reply.ok) throw raise(reply.error);
    return reply.value;
  }

  post(m: JobRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** A batch's buffer back to the worker that encoded it, once its bytes are written (load/batch-memory.ts). */
  giveSpare(buffer: ArrayBuffer): void {
    if (!this.#failure) this.post({ type: 'spare', id: 0, buffer }, [buffer]);
  }

  /** Registers a job's reply handler; returns its id and a function that unregisters it. */
  job(handle: (m: JobReply) => void): { id: number; done: () => void } {
    const id = this.#nextId++;
    this.#jobs.set(id, handle);
    return { id, done: () => this.#jobs.delete(id) };
  }

  async close(): Promise<void> {
    try {
      if (!this.#failure) this.call({ op: 'close' });
    } finally {
      this.#port.close();
      await this.worker.terminate();
    }
  }
}

/** A file hosted by a source worker: its synchronous handle and its bulk jobs. */
export interface HostedFile {
  /** Null for a 0-byte file (no database). */
  db: Database.Database | null;
  /** The table's load feed, from the worker. */
  feed(plan: TablePlan, setup: FeedSetup): AsyncIterable<FeedBatch>;
  /** Verify's streaming pass in the worker: the source side's tally, and the target side's from its COPY output. */
  verify: { source: SourceTallier; target: TargetTallier; proved: ProvedSource; raw: RawTallier };
}

/** Target COPY chunks a worker may have queued: bounds memory when the worker falls behind. */
const TARGET_IN_FLIGHT = 32;

/** The target side's tally in the file's worker, fed the table's COPY output (as target-tally.ts does). */
function targetTallier(thread: SourceThread, format: TargetCopyFormat): TargetTallier {
  return {
    format,
    copy(plan, cutoffMicros, spec, connection, snapshot) {
      return new Promise((resolve, reject) => {
        const job = thread.job((m) => {
          job.done();
          if (m.type === 'target-done') resolve(m.state);
          else if (m.type === 'error') reject(raise(m.error));
        });
        thread.post({ type: 'target-copy', id: job.id, plan, spec, cutoffMicros, connection, snapshot, format });
      });
    },
    async run(plan, cutoffMicros, spec, chunks) {
      let inFlight = 0;
      let drained: (() => void) | null = null;
      let settle!: { resolve: (s: TallyState) => void; reject: (e: Error) => void };
      const done = new Promise<TallyState>((resolve, reject) => (settle = { resolve, reject }));
      done.catch(() => {}); // observed below; a failure while chunks are still being fed must not go unhandled
      const job = thread.job((m) => {
        if (m.type === 'target-ack') {
          inFlight--;
          drained?.();
          drained = null;
        } else if (m.type === 'target-done') settle.resolve(m.state);
        else if (m.type === 'error') settle.reject(raise(m.error));
      });
      try {
        thread.post({ type: 'target-start', id: job.id, plan, spec, cutoffMicros, format });
        for await (const chunk of chunks) {
          thread.post({ type: 'target-chunk', id: job.id, data: chunk }, transferListOf(chunk));
          if (++inFlight >= TARGET_IN_FLIGHT) await Promise.race([new Promise<void>((r) => (drained = r)), done]);
        }
        thread.post({ type: 'target-end', id: job.id });
        return await done;
      } finally {
        job.done();
      }
    },
  };
}

async function* feedFrom(
  thread: SourceThread,
  file: string,
  plan: TablePlan,
  setup: FeedSetup,
): AsyncGenerator<FeedBatch> {
  const queue: FeedBatch[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const job = thread.job((m) => {
    if (m.type === 'batch') {
      const d = m.batch.data;
      m.batch.data = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      returnable(m.batch.data, (buffer) => thread.giveSpare(buffer));
      queue.push(m.batch);
    } else if (m.type === 'end') ended = true;
    else if (m.type === 'error') failure = raise(m.error);
    wake?.();
    wake = null;
  });
  try {
    // The parents' keys move to the worker (the feed is their only reader): one copy in memory, not two.
    // Every feed also tallies verify's source side from the rows it reads: migrate's closing verify uses it.
    thread.post(
      { type: 'feed', id: job.id, file, plan, setup, window: FEED_WINDOW, prove: true },
      parentKeyBuffers(setup.parents),
    );
    for (;;) {
      const next = queue.shift();
      if (next) {
        thread.post({ type: 'credit', id: job.id });
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // Stopped early (the COPY failed, too many rejects): the worker drops the rest of the table.
    if (!ended && !failure) thread.post({ type: 'cancel', id: job.id });
    job.done();
  }
}

/** The source workers of a run, each holding the snapshots of the files given to it. */
export class SourceWorkers {
  readonly #threads: SourceThread[] = [];
  readonly #byFile = new Map<string, { thread: SourceThread; hosted: HostedFile | null }>();

  private constructor() {}

  /**
   * Starts the workers for these files and waits until each file is open and checked (the files are
   * opened, and quick_check'ed, by all workers at once). Throws the first file's SourceReadError in the
   * order given. `entry` is the compiled worker (paths.ts); a missing one is an error, not a reason to
   * read on the main thread instead.
   */
  static start(
    files: { file: string; path: string }[],
    options: OpenOptions & {
      /** The COPY format verify's streaming pass reads the target side in (default binary). */
      targetCopyFormat?: TargetCopyFormat;
    },
    onSlow: SlowRequest,
    entry: string = SOURCE_WORKER_ENTRY,
    startMs = START_MS,
  ): SourceWorkers {
    if (!existsSync(entry))
      throw new Error(
        `sqlite2pg: its source worker ${entry} is missing: build sqlite2pg (npm run build) and run it again`,
      );
    const hosts = new SourceWorkers();
    // One worker per file up to twice the cores (a worker's idle heap is ~10 MB; only --jobs tables read at
    // once); beyond that, files share workers, the largest files spread first.
    const count = Math.min(files.length, Math.max(2, 2 * availableParallelism()));
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    const groups: { file: string; path: string }[][] = Array.from({ length: count }, () => []);
    const load = new Array<number>(count).fill(0);
    for (const f of [...files].sort((a, b) => size(b.path) - size(a.path))) {
      const i = load.indexOf(Math.min(...load));
      groups[i].push(f);
      load[i] += size(f.path) + 1;
    }
    try {
      for (const g of groups) {
        const thread = new SourceThread(entry, g, options, onSlow, startMs);
        hosts.#threads.push(thread);
        for (const f of g) hosts.#byFile.set(f.file, { thread, hosted: null });
      }
      for (const f of files) {
        const entry = hosts.#byFile.get(f.file)!;
        const { empty } = entry.thread.call({ op: 'open', file: f.file }) as { empty: boolean };
        entry.hosted = hostedFile(entry.thread, f.file, empty, options.targetCopyFormat ?? 'binary');
      }
    } catch (err) {
      void hosts.close();
      throw err;
    }
    return hosts;
  }

  file(file: string): HostedFile | null {
    return this.#byFile.get(file)?.hosted ?? null;
  }

  async close(): Promise<void> {
    const threads = this.#threads.splice(0);
    await Promise.allSettled(threads.map((t) => t.close()));
  }
}

function hostedFile(thread: SourceThread, file: string, empty: boolean, format: TargetCopyFormat): HostedFile {
  return {
    db: empty ? null : remoteDatabase((req) => thread.call(req), file),
    feed: (plan, setup) => feedFrom(thread, file, plan, setup),
    verify: {
      source: (plan, opts, spec, cutoffMicros, onRows) =>
        new Promise((resolve, reject) => {
          const job = thread.job((m) => {
            if (m.type === 'tally-rows') return onRows?.(m.rows);
            job.done();
            if (m.type === 'tallied') resolve({ state: m.state, counts: m.counts });
            else if (m.type === 'error') reject(raise(m.error));
          });
          thread.post({ type: 'tally', id: job.id, file, plan, opts, spec, cutoffMicros });
        }),
      target: targetTallier(thread, format),
      raw: (plan, spec, cutoffMicros) =>
        new Promise((resolve, reject) => {
          const job = thread.job((m) => {
            job.done();
            if (m.type === 'raw-tallied') resolve(m.tally);
            else if (m.type === 'error') reject(raise(m.error));
          });
          thread.post({ type: 'raw-tally', id: job.id, file, plan, spec, cutoffMicros });
        }),
      proved: (plan, opts) =>
        new Promise((resolve, reject) => {
          const job = thread.job((m) => {
            job.done();
            if (m.type === 'proved') resolve(m.tally);
            else if (m.type === 'error') reject(raise(m.error));
          });
          thread.post({ type: 'proved', id: job.id, file, plan, opts });
        }),
    },
  };
}
