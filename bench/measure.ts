// Runs one child process and measures it: wall time, and from GNU time its peak RSS (%M, the child's
// ru_maxrss — for a single process its VmHWM at exit) and CPU time (%U + %S, children it waited for included).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  wallMs: number;
  /** Peak resident set size of the process, KiB. */
  peakRssKb: number;
  /** User + system CPU time of the process, ms. */
  cpuMs: number;
  exitCode: number;
  stdout: string;
  /** The last few KB of stderr, for error messages. */
  stderrTail: string;
  /** [ms since start, RSS KiB] of the measured process, every `rssEveryMs` (when asked). */
  rssTimeline: [number, number][];
}

export function requireGnuTime(): void {
  if (!existsSync(GNU_TIME))
    throw new Error(`${GNU_TIME} (GNU time) is needed to measure peak RSS: apt-get install time`);
}

const TAIL = 4096;

/** Runs `command args…` under GNU time; resolves when it exits, whatever its exit code. */
export async function runMeasured(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; rssEveryMs?: number; discardStdout?: boolean } = {},
): Promise<Measured> {
  const dir = mkdtempSync(path.join(tmpdir(), 's2p-bench-'));
  const timeFile = path.join(dir, 'time');
  try {
    const t0 = performance.now();
    const child = spawn(GNU_TIME, ['-f', TIME_FORMAT, '-o', timeFile, command, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      // A stream read only to be thrown away (the read floor) goes to /dev/null, not into memory.
      stdio: ['ignore', opts.discardStdout ? 'ignore' : 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-TAIL);
    });
    const rssTimeline: [number, number][] = [];
    const sampler =
      opts.rssEveryMs && child.pid !== undefined
        ? setInterval(() => {
            const kb = childRssKb(child.pid!);
            if (kb !== null) rssTimeline.push([Math.round(performance.now() - t0), kb]);
          }, opts.rssEveryMs)
        : null;
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    const wallMs = performance.now() - t0;
    if (sampler) clearInterval(sampler);
    return {
      wallMs,
      ...readTimeFile(timeFile),
      exitCode,
      stdout: Buffer.concat(out).toString('utf8'),
      stderrTail: err,
      rssTimeline,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** VmRSS of the process GNU time (pid `timePid`) runs, or null once it is gone. */
function childRssKb(timePid: number): number | null {
  try {
    const child = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(' ')[0];
    if (!child) return null;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** What GNU time writes with -f TIME_FORMAT: peak RSS KiB, user s, system s. */
export const TIME_FORMAT = '%M %U %S';

/** The figures GNU time wrote (its last line; a line before it reports a non-zero exit status). */
export function readTimeFile(timeFile: string): { peakRssKb: number; cpuMs: number } {
  if (!existsSync(timeFile)) return { peakRssKb: 0, cpuMs: 0 };
  const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
  const [kb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { peakRssKb: Number.isFinite(kb) ? kb : 0, cpuMs: Math.round(((user || 0) + (sys || 0)) * 1000) };
}
