// How busy the whole machine was during a run (/proc/stat), to tell a run disturbed by other work from
// one that was not: busy cores = the contender's own processes + the PostgreSQL server + anything else.
import { existsSync, readFileSync } from 'node:fs';

export interface CpuSample {
  busy: number;
  total: number;
  cores: number;
}

export function sampleCpu(): CpuSample | null {
  if (!existsSync('/proc/stat')) return null;
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const all = lines[0].split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const total = all.slice(0, 8).reduce((n, x) => n + x, 0);
  const idle = all[3] + all[4];
  return { busy: total - idle, total, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/** Average number of busy cores between two samples. */
export function busyCores(a: CpuSample | null, b: CpuSample | null): number | null {
  if (!a || !b || b.total === a.total) return null;
  return Math.round(((b.busy - a.busy) / (b.total - a.total)) * a.cores * 100) / 100;
}

/**
 * Waits until the machine is idle — fewer than `threshold` busy cores over a 3 s window — or until
 * `maxWaitMs` has passed; returns the busy cores of the last window (null without /proc/stat).
 */
export async function waitForIdle(maxWaitMs: number, threshold = 0.3): Promise<number | null> {
  const until = Date.now() + maxWaitMs;
  for (;;) {
    const a = sampleCpu();
    await new Promise((r) => setTimeout(r, 3000));
    const busy = busyCores(a, sampleCpu());
    if (busy === null || busy < threshold || Date.now() >= until) return busy;
  }
}
