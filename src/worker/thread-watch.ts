// Whether a source worker is alive and working, seen from a main thread blocked on a synchronous request
// (its event loop cannot run, so it hears no 'exit' or 'error' event). Linux shows every thread of the
// process under /proc/self/task/<tid>: the entry goes when the thread ends — also when the worker is
// stopped for running out of its heap, which runs none of the worker's 'exit' handlers — and the thread's
// CPU time and bytes read grow while it runs a query, even one that never returns to JavaScript.
import { readFileSync, readlinkSync } from 'node:fs';

/** The calling thread's kernel id (in a worker: its own), or 0 where /proc/thread-self does not exist. */
export function currentThreadId(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/')[2]) || 0;
  } catch {
    return 0;
  }
}

/**
 * A number that grows while thread `tid` of this process works (CPU ticks and bytes read, added up);
 * `gone` once the thread has ended; `unknown` without /proc (or tid 0).
 */
export function threadWork(tid: number): bigint | 'gone' | 'unknown' {
  if (tid <= 0) return 'unknown';
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unknown';
  }
  // Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return 'gone';
  let work = BigInt(fields[11] ?? 0) + BigInt(fields[12] ?? 0);
  try {
    const rchar = /^rchar: (\d+)$/m.exec(readFileSync(`/proc/self/task/${tid}/io`, 'utf8'));
    if (rchar) work += BigInt(rchar[1]);
  } catch {
    // io is optional (some kernels hide it): CPU time alone still shows progress
  }
  return work;
}

export type WaitVerdict = { kind: 'waiting' } | { kind: 'slow'; waitedMs: number } | { kind: 'failed'; reason: string };

/**
 * Judges one wait for a worker's reply, checked about once a second: the worker fails when its thread
 * has ended, or when it has shown no progress for `stallMs` (or, where progress cannot be seen, simply
 * after `stallMs`); a wait that goes on while the worker works is reported as slow every `slowEveryMs`.
 */
export class ReplyWait {
  readonly #started: number;
  #lastWork: bigint | null = null;
  #lastProgress: number;
  #nextSlow: number;

  constructor(
    readonly stallMs: number,
    readonly slowEveryMs: number,
    now = Date.now(),
  ) {
    this.#started = now;
    this.#lastProgress = now;
    this.#nextSlow = now + slowEveryMs;
  }

  check(tid: number, now = Date.now()): WaitVerdict {
    const work = threadWork(tid);
    if (work === 'gone')
      return {
        kind: 'failed',
        reason: 'its thread ended without answering (a worker stopped for running out of memory ends this way)',
      };
    if (work !== 'unknown' && work !== this.#lastWork) {
      if (this.#lastWork !== null) this.#lastProgress = now;
      this.#lastWork = work;
    }
    if (now - this.#lastProgress > this.stallMs) {
      const how = work === 'unknown' ? 'did not answer' : 'neither answered nor used CPU or read from disk';
      return { kind: 'failed', reason: `it ${how} for ${Math.round(this.stallMs / 1000)} s` };
    }
    if (now >= this.#nextSlow) {
      this.#nextSlow = now + this.slowEveryMs;
      return { kind: 'slow', waitedMs: now - this.#started };
    }
    return { kind: 'waiting' };
  }
}
