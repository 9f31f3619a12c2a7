// A main thread blocked on a source worker tells a working worker from a stalled one, and notices a worker
// whose thread has ended without any handler running (out of memory) at once instead of after the stall limit.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { currentThreadId, ReplyWait, threadWork } from '../../src/worker/thread-watch.js';

const linux = existsSync('/proc/thread-self');

/** A worker that publishes its thread id in `signal[1]`, then runs `body` (CommonJS, `signal` in scope). */
function startWorker(
  body: string,
  limits?: { maxOldGenerationSizeMb: number },
): { worker: Worker; signal: Int32Array; tid: () => number } {
  const signal = new Int32Array(new SharedArrayBuffer(8));
  const code = `
    const { workerData } = require('node:worker_threads');
    const signal = new Int32Array(workerData);
    Atomics.store(signal, 1, Number(require('node:fs').readlinkSync('/proc/thread-self').split('/')[2]));
    Atomics.notify(signal, 1);
    ${body}`;
  const worker = new Worker(code, { eval: true, workerData: signal.buffer, resourceLimits: limits });
  worker.on('error', () => {});
  const tid = () => {
    while (Atomics.load(signal, 1) === 0) Atomics.wait(signal, 1, 0, 100);
    return Atomics.load(signal, 1);
  };
  return { worker, signal, tid };
}

/** Blocks this thread (as a synchronous request does) for `ms`. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

describe.runIf(linux)('threadWork', () => {
  it('names the calling thread: the main thread is the process', () => {
    expect(currentThreadId()).toBe(process.pid);
  });

  it('grows while a worker computes, stands still while it sleeps', () => {
    const busy = startWorker('const end = Date.now() + 5000; while (Date.now() < end);');
    const asleep = startWorker('Atomics.wait(signal, 0, 0, 5000);');
    started.push(busy.worker, asleep.worker);
    const [b, s] = [busy.tid(), asleep.tid()];
    const before = [threadWork(b), threadWork(s)];
    block(400);
    const after = [threadWork(b), threadWork(s)];
    expect(typeof before[0]).toBe('bigint');
    expect(after[0] as bigint).toBeGreaterThan(before[0] as bigint);
    expect(after[1]).toBe(before[1]);
  });

  it('is gone once a worker ran out of its heap, seen while this thread is blocked', () => {
    const oom = startWorker('const keep = []; for (;;) keep.push(new Array(1000).fill({ n: Math.random() }));', {
      maxOldGenerationSizeMb: 16,
    });
    started.push(oom.worker);
    const tid = oom.tid();
    let work = threadWork(tid);
    for (let i = 0; i < 300 && work !== 'gone'; i++) {
      block(100);
      work = threadWork(tid);
    }
    expect(work).toBe('gone');
    // No handler of the worker ran: the reply flag was never set.
    expect(Atomics.load(oom.signal, 0)).toBe(0);
  });

  it('is unknown for no thread id', () => {
    expect(threadWork(0)).toBe('unknown');
  });
});

describe('ReplyWait', () => {
  it('without a thread to watch, gives up after the stall limit, as a plain deadline', () => {
    const wait = new ReplyWait(10_000, 60_000, 0);
    expect(wait.check(0, 9_000).kind).toBe('waiting');
    const v = wait.check(0, 10_001);
    expect(v).toEqual({ kind: 'failed', reason: 'it did not answer for 10 s' });
  });

  it.runIf(linux)('gives up on a worker that shows no progress, and reports a working one as slow instead', () => {
    const asleep = startWorker('Atomics.wait(signal, 0, 0, 10000);');
    const busy = startWorker('const end = Date.now() + 10000; while (Date.now() < end);');
    started.push(asleep.worker, busy.worker);
    const [s, b] = [asleep.tid(), busy.tid()];
    const stalled = new ReplyWait(1_000, 500, 0);
    const working = new ReplyWait(1_000, 500, 0);
    const verdicts: { stalled: string[]; working: string[] } = { stalled: [], working: [] };
    for (let t = 100; t <= 1_500; t += 100) {
      block(100);
      verdicts.stalled.push(stalled.check(s, t).kind);
      verdicts.working.push(working.check(b, t).kind);
    }
    expect(verdicts.stalled.at(-1)).toBe('failed');
    expect(verdicts.stalled.slice(0, 9)).not.toContain('failed');
    expect(verdicts.working).not.toContain('failed');
    expect(verdicts.working.filter((k) => k === 'slow').length).toBe(3);
    expect(stalled.check(s, 1_600)).toMatchObject({
      reason: 'it neither answered nor used CPU or read from disk for 1 s',
    });
  });

  it.runIf(linux)('fails at once when the thread has ended', async () => {
    const quick = startWorker('');
    const tid = quick.tid();
    await new Promise<void>((resolve) => quick.worker.on('exit', () => resolve()));
    const v = new ReplyWait(600_000, 60_000, 0).check(tid, 1);
    expect(v.kind).toBe('failed');
    expect((v as { reason: string }).reason).toMatch(/thread ended/);
  });
});
