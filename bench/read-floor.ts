// The read floor: the least any verification must do — every mapped column of every source row streamed out
// by `sqlite3 -csv` and every target row by `psql \copy … TO STDOUT`, each to /dev/null, two streams at a time.
// `sqlite2pg verify` is measured against it (the goal: verify within 2.0× of it, docs/performance.md).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { atMost } from './at-most.js';
import { GNU_TIME, readTimeFile, TIME_FORMAT } from './measure.js';
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

/** Runs one command with stdout to /dev/null under GNU time; resolves with its wall ms and what time read. */
function stream(
  command: string,
  args: string[],
  timeFile: string,
): Promise<{ ms: number; cpuMs: number; peakRssKb: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', TIME_FORMAT, '-o', timeFile, command, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4096);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`read floor: ${command} failed (exit ${code}): ${err.trim()}`));
      resolve({ ms: performance.now() - t0, ...readTimeFile(timeFile) });
    });
  });
}

/** Streams both sides of every table of `plan` (loaded at `url`) to /dev/null, `jobs` streams at a time. */
export async function runReadFloor(plan: TargetPlan, url: string, jobs: number): Promise<ReadFloorRun> {
  const tmp = mkdtempSync(path.join(tmpdir(), 's2p-bench-floor-'));
  try {
    const reads = plan.tables.flatMap((t) => [
      {
        side: 'source' as const,
        command: 'sqlite3',
        args: ['-readonly', '-bail', '-csv', t.sourcePath, t.naiveSelect],
      },
      {
        side: 'target' as const,
        command: 'psql',
        args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', `\\copy ${t.copyTarget} TO STDOUT`],
      },
    ]);
    const t0 = performance.now();
    const done = await atMost(jobs, reads, async (r) => ({
      side: r.side,
      ...(await stream(r.command, r.args, path.join(tmp, `${r.side}-${Math.random().toString(36).slice(2)}`))),
    }));
    const sum = (side: 'source' | 'target') => done.filter((d) => d.side === side).reduce((n, d) => n + d.ms, 0);
    return {
      wallMs: performance.now() - t0,
      sourceMs: sum('source'),
      targetMs: sum('target'),
      cpuMs: done.reduce((n, d) => n + d.cpuMs, 0),
      peakRssMaxKb: Math.max(...done.map((d) => d.peakRssKb)),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
