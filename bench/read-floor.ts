// The read floor: the least any verification must do — every mapped column of every source row streamed out
// by `sqlite3 -csv` and every target row by `psql \copy … TO STDOUT`, each to /dev/null, two streams at a time.
// `sqlite2pg verify` is measured against it (the goal: verify within 2.0× of it, docs/performance.md).
import { performance } from 'node:perf_hooks';
import { atMost } from './at-most.js';
import { runMeasured } from './measure.js';
import type { TargetPlan } from './target-plan.js';

export interface ReadFloorRun {
  wallMs: number;
  /** Wall time of the source streams and of the target streams, each added up over tables. */
  sourceMs: number;
  targetMs: number;
  /** CPU time of every sqlite3 and psql process (the server's work is not in it). */
  cpuMs: number;
  /** The largest single process. */
  peakRssMaxKb: number;
}

/** Streams both sides of every table of `plan` (loaded at `url`) to /dev/null, `jobs` streams at a time. */
export async function runReadFloor(plan: TargetPlan, url: string, jobs: number): Promise<ReadFloorRun> {
  const reads = plan.tables.flatMap((t) => [
    { side: 'source', command: 'sqlite3', args: ['-readonly', '-bail', '-csv', t.sourcePath, t.naiveSelect] },
    {
      side: 'target',
      command: 'psql',
      args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', `\\copy ${t.copyTarget} TO STDOUT`],
    },
  ]);
  const t0 = performance.now();
  const done = await atMost(jobs, reads, async (r) => {
    const m = await runMeasured(r.command, r.args, { discardStdout: true });
    if (m.exitCode !== 0)
      throw new Error(`read floor: ${r.command} failed (exit ${m.exitCode}): ${m.stderrTail.trim()}`);
    return { side: r.side, ...m };
  });
  const sum = (side: string) => done.filter((d) => d.side === side).reduce((n, d) => n + d.wallMs, 0);
  return {
    wallMs: performance.now() - t0,
    sourceMs: sum('source'),
    targetMs: sum('target'),
    cpuMs: done.reduce((n, d) => n + d.cpuMs, 0),
    peakRssMaxKb: Math.max(...done.map((d) => d.peakRssKb)),
  };
}
