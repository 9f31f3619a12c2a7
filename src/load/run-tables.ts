// Loads tables in parallel (p-queue, --jobs) while keeping parents before children: a table is queued
// only once every table its foreign keys point at has committed. Biggest tables go first.
import PQueue from 'p-queue';
import type { TablePlan } from '../plan/table-plan.js';

export async function runInDependencyOrder<R>(
  tables: readonly TablePlan[],
  jobs: number,
  sizeOf: (t: TablePlan) => number,
  work: (t: TablePlan) => Promise<R>,
): Promise<R[]> {
  const queue = new PQueue({ concurrency: jobs });
  const inRun = new Set(tables.map((t) => t.targetName));
  const done = new Map<string, Promise<R>>();
  let failed = false;
  // Among tables ready at the same time, the largest first: the longest job should not start last.
  const order = [...tables].sort((a, b) => sizeOf(b) - sizeOf(a));
  const schedule = (t: TablePlan): Promise<R> => {
    const existing = done.get(t.targetName);
    if (existing) return existing;
    const parents = t.dependsOn.filter((d) => inRun.has(d)).map((d) => schedule(tables.find((x) => x.targetName === d)!));
    const p = Promise.all(parents).then(() =>
      queue.add(async () => {
        if (failed) throw new Error('skipped: another table failed');
        try {
          return await work(t);
        } catch (err) {
          failed = true;
          throw err;
        }
      }),
    ) as Promise<R>;
    done.set(t.targetName, p);
    return p;
  };
  const all = order.map(schedule);
  // Wait for everything to settle (no connection left mid-COPY), then report the first failure.
  const settled = await Promise.allSettled(all);
  const firstFailure = settled.find((s) => s.status === 'rejected' && !String((s as PromiseRejectedResult).reason?.message).startsWith('skipped:'));
  if (firstFailure) throw (firstFailure as PromiseRejectedResult).reason;
  const anyFailure = settled.find((s) => s.status === 'rejected');
  if (anyFailure) throw (anyFailure as PromiseRejectedResult).reason;
  return tables.map((t) => settled[order.indexOf(t)]).map((s) => (s as PromiseFulfilledResult<R>).value);
}
