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
