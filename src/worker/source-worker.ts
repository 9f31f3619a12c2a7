// A source worker thread: holds the read transaction (the snapshot) of one or more SQLite files for a whole
// run, answers synchronous SQL from the main thread on that snapshot, and runs the bulk jobs there too —
// a table's load feed (extract → convert → key checks → COPY text, handed over as transferred buffers,
// as many ahead as the main thread grants) and verify's source-side tally — so that the main thread only
// feeds sockets. SQLite snapshots belong to a connection, and a connection to its thread: this is why.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { openSource, type OpenSource } from '../extract/open-source.js';
import { tableFeed, type FeedBatch } from '../feed/table-feed.js';
import { SourceReadError } from '../model/errors.js';
import { LoadTally, sourceTally } from '../verify/pass/source-tally.js';
import { rawSourceTally } from '../verify/pass/raw-tally.js';
import pg from 'pg';
import { copyOut } from '../pg/copy-out.js';
import { SideTally, type TallyState } from '../verify/pass/side-tally.js';
import {
  OWN_CONNECTION_REFUSED,
  streamingCopySql,
  streamingTargetChunks,
  tallyCopyOutput,
} from '../verify/pass/target-tally.js';
import type { TargetChunks } from '../verify/pass/target-binary.js';
import { recentRowTest } from '../verify/pass/grace.js';
import { transferListOf } from '../runtime/transfer.js';
import { currentThreadId } from './thread-watch.js';
import { collectGarbage } from './collect-garbage.js';
import { quoteLiteral } from '../pg/quote.js';
import { connectionGuards, DEFAULT_STALL_S, StallWatch } from '../pg/connection-guards.js';
import { silentLogger } from '../runtime/log.js';
import { isBatchMemory, keepSpare } from '../feed/batch-memory.js';
import type { JobReply, JobRequest, SyncReply, SyncRequest, WorkerError, WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
const signal = new Int32Array(setup.signal);
// Lets a main thread blocked on this worker see whether it is still alive and working (thread-watch.ts).
Atomics.store(signal, 1, currentThreadId());
// Its code loaded and runs: a main thread waiting on a worker that never gets here gives up (source-host.ts).
Atomics.store(signal, 2, 1);
// A main thread blocked on a synchronous request wakes up (to no reply) when this worker ends.
process.on('exit', () => {
  Atomics.store(signal, 0, 2);
  Atomics.notify(signal, 0);
});

function describe(err: unknown): WorkerError {
  const e = err as { message?: string; name?: string; code?: unknown; place?: { file?: string } };
  const out: WorkerError = { message: e?.message ?? String(err), name: e?.name ?? 'Error' };
  if (typeof e?.code === 'string') out.code = e.code;
  if (err instanceof SourceReadError) out.file = e.place?.file;
  return out;
}

// Every file is opened (and quick_checked) as the worker starts, all workers at once: the checks overlap.
const opened = new Map<string, { source: OpenSource } | { error: WorkerError }>();
for (const f of setup.files) {
  try {
    opened.set(f.file, { source: openSource(f.file, f.path, setup.options) });
  } catch (err) {
    opened.set(f.file, { error: describe(err) });
  }
}

function dbOf(file: string): Database.Database | null {
  const o = opened.get(file);
  if (!o) throw new Error(`source worker: ${file} is not hosted here`);
  if ('error' in o) throw Object.assign(new Error(o.error.message), o.error);
  return o.source.db;
}

/** Statements prepared once per SQL text and mode. */
const statements = new Map<string, Database.Statement>();

/** better-sqlite3 binds Buffers; a Buffer arrives from the main thread as a plain Uint8Array. */
const asBindable = (a: unknown) =>
  a instanceof Uint8Array && !Buffer.isBuffer(a) ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : a;

function runSync(req: SyncRequest): unknown {
  switch (req.op) {
    case 'open': {
      const o = opened.get(req.file);
      if (!o) throw new Error(`source worker: ${req.file} is not hosted here`);
      if ('error' in o) throw Object.assign(new Error(o.error.message), o.error);
      return { empty: o.source.db === null };
    }
    case 'prepare':
      dbOf(req.file)!.prepare(req.sql);
      return null;
    case 'run': {
      const key = `${req.file}\u0000${req.raw}${req.pluck}${req.safe}\u0000${req.sql}`;
      let st = statements.get(key);
      if (!st) {
        st = dbOf(req.file)!.prepare(req.sql);
        if (req.raw) st.raw(true);
        if (req.pluck) st.pluck(true);
        if (req.safe !== null) st.safeIntegers(req.safe);
        statements.set(key, st);
      }
      const args = req.args.map(asBindable);
      return req.method === 'all' ? st.all(...args) : st.get(...args);
    }
    case 'close':
      for (const o of opened.values()) if ('source' in o) o.source.close();
      return null;
  }
}

setup.syncPort.on('message', (req: SyncRequest) => {
  let reply: SyncReply;
  try {
    reply = { ok: true, value: runSync(req) };
  } catch (err) {
    reply = { ok: false, error: describe(err) };
  }
  setup.syncPort.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});

interface FeedJob {
  gen: Generator<FeedBatch>;
  /** Verify's source tally made from the pages this feed reads, when asked for. */
  tally: LoadTally | null;
  credits: number;
  waiting: boolean;
  cancelled: boolean;
}

const feeds = new Map<number, FeedJob>();
/**
 * The tally of each table's latest complete feed, by file and table: a retried load's later attempt
 * replaces its earlier one, and the attempt that committed is always the last to have fed the table.
 */
const loadTallies = new Map<string, LoadTally>();
const tallyKey = (file: string, table: string) => `${file}\u0000${table}`;
const post = (m: JobReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
/** A tally tells the main thread its rows read at most this often (progress, not flow control). */
const PROGRESS_EVERY_MS = 250;

/** One batch per turn of the event loop, so other jobs and synchronous requests take turns with it. */
function step(id: number): void {
  const job = feeds.get(id);
  if (!job) return;
  if (job.cancelled) {
    feeds.delete(id);
    job.gen.return(undefined);
    return;
  }
  if (job.credits === 0) {
    job.waiting = true;
    return;
  }
  try {
    const r = job.gen.next();
    if (r.done) {
      feeds.delete(id);
      if (job.tally) job.tally.complete = true;
      post({ type: 'end', id });
      collectGarbage(); // the feed's heap back before the next job (collect-garbage.ts)
      return;
    }
    job.credits--;
    const data = r.value.data;
    // A batch that owns its memory moves as it is; a view into a shared pool is copied first, then moved.
    const own = isBatchMemory(data.buffer) || transferListOf(data).length > 0 ? data : new Uint8Array(data);
    r.value.data = own;
    post({ type: 'batch', id, batch: r.value }, [own.buffer as ArrayBuffer]);
  } catch (err) {
    feeds.delete(id);
    post({ type: 'error', id, error: describe(err) });
    return;
  }
  setImmediate(step, id);
}

parentPort!.on('message', (m: JobRequest) => {
  if (m.type === 'feed') {
    try {
      const key = tallyKey(m.file, m.plan.targetName);
      loadTallies.delete(key);
      const tally = m.prove ? new LoadTally(m.plan) : null;
      if (tally) loadTallies.set(key, tally);
      feeds.set(m.id, {
        gen: tableFeed(dbOf(m.file), m.plan, m.setup, tally ? (page) => tally.addPage(page) : undefined),
        tally,
        credits: m.window,
        waiting: false,
        cancelled: false,
      });
      setImmediate(step, m.id);
    } catch (err) {
      post({ type: 'error', id: m.id, error: describe(err) });
    }
  } else if (m.type === 'credit' || m.type === 'cancel') {
    const job = feeds.get(m.id);
    if (!job) return;
    if (m.type === 'credit') job.credits++;
    else job.cancelled = true;
    if (job.waiting) {
      job.waiting = false;
      setImmediate(step, m.id);
    }
  } else if (m.type === 'proved') {
    try {
      const tally = loadTallies.get(tallyKey(m.file, m.plan.targetName));
      const settled = tally?.complete ? tally.settle(dbOf(m.file), m.opts) : null;
      post({ type: 'proved', id: m.id, tally: settled });
    } catch (err) {
      post({ type: 'error', id: m.id, error: describe(err) });
    }
  } else if (m.type === 'spare') {
    keepSpare(m.buffer);
  } else if (m.type === 'target-copy') {
    targetCopy(m).then(
      (state) => {
        post({ type: 'target-done', id: m.id, state });
        collectGarbage();
      },
      (err) => post({ type: 'error', id: m.id, error: describe(err) }),
    );
  } else if (m.type === 'target-start' || m.type === 'target-chunk' || m.type === 'target-end') {
    targetJob(m);
  } else if (m.type === 'raw-tally') {
    rawSourceTally(dbOf(m.file), m.plan, m.spec, m.cutoffMicros).then(
      (tally) => {
        post({ type: 'raw-tallied', id: m.id, tally });
        collectGarbage();
      },
      (err) => post({ type: 'error', id: m.id, error: describe(err) }),
    );
  } else if (m.type === 'tally') {
    let told = 0;
    const onRows = (rows: number) => {
      const now = performance.now();
      if (now - told < PROGRESS_EVERY_MS) return;
      told = now;
      post({ type: 'tally-rows', id: m.id, rows });
    };
    sourceTally(dbOf(m.file), m.plan, m.opts, m.spec, m.cutoffMicros, onRows).then(
      (r) => {
        post({ type: 'tallied', id: m.id, state: r.state, counts: r.counts });
        collectGarbage();
      },
      (err) => post({ type: 'error', id: m.id, error: describe(err) }),
    );
  }
});

/** Verify's target side of a table (its COPY output, forwarded by the main thread) tallied here too. */
const targets = new Map<number, { chunks: TargetChunks; tally: SideTally }>();

function targetJob(m: Extract<JobRequest, { type: 'target-start' | 'target-chunk' | 'target-end' }>): void {
  try {
    if (m.type === 'target-start') {
      const tally = new SideTally(m.spec, recentRowTest(m.plan, m.cutoffMicros));
      targets.set(m.id, { chunks: streamingTargetChunks(m.plan, tally, m.format), tally });
      return;
    }
    const job = targets.get(m.id);
    if (!job) return; // the job failed already: its remaining chunks are dropped
    if (m.type === 'target-chunk') job.chunks.push(m.data);
    else job.chunks.end();
    if (m.type === 'target-chunk') {
      post({ type: 'target-ack', id: m.id });
    } else {
      targets.delete(m.id);
      post({ type: 'target-done', id: m.id, state: job.tally.state() });
      collectGarbage();
    }
  } catch (err) {
    targets.delete(m.id);
    post({ type: 'error', id: m.id, error: describe(err) });
  }
}

/**
 * Verify's target side read here: the table's COPY output on a connection of this thread's own, made
 * canonical and tallied as it arrives. The socket reads are then allocated and freed by this thread, and
 * the main thread, which would otherwise forward them, grows neither its young generation nor its malloc
 * arena during the verify.
 */
/**
 * Opens a transaction in the snapshot another session exported, or throws OWN_CONNECTION_REFUSED (the
 * main thread then reads the COPY in that session itself).
 */
async function importSnapshot(client: pg.Client, snapshot: string): Promise<void> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshot)}`);
  } catch (err) {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { name: OWN_CONNECTION_REFUSED });
  }
}

async function targetCopy(m: Extract<JobRequest, { type: 'target-copy' }>): Promise<TallyState> {
  const client = new pg.Client({
    connectionString: m.connection.url,
    options: m.connection.options,
    ...connectionGuards(m.connection.url),
  });
  // A server that goes away between queries must not crash the thread; the query in progress reports it.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    // Named so the main thread can tell "no connection of our own" (it then reads the COPY itself) from a
    // failure of the read.
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { name: OWN_CONNECTION_REFUSED });
  }
  // A read whose network path goes silent ends as a lost connection instead of waiting forever.
  const stallWatch = new StallWatch(
    m.connection.url,
    m.connection.stallMs ?? DEFAULT_STALL_S * 1000,
    silentLogger,
    (t) => t,
  );
  stallWatch.add(client);
  try {
    if (m.snapshot !== null) await importSnapshot(client, m.snapshot);
    const tally = await tallyCopyOutput(
      client.query(copyOut(streamingCopySql(m.plan, m.cutoffMicros, m.format))) as AsyncIterable<Buffer>,
      m.plan,
      m.cutoffMicros,
      m.spec,
      m.format,
    );
    return tally.state();
  } finally {
    stallWatch.stop();
    await client.end().catch(() => {});
  }
}
