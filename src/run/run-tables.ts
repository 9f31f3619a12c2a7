// Runs tables in parallel (--jobs lanes) while keeping parents before children: a table starts only once
// every table its foreign keys point at has committed. Longest chains go first, and a lane prefers a table
// of a file no other lane is reading: a file's rows are read by one worker thread, so two tables of one
// file at once would share one core.
import PQueue from 'p-queue';
import type { TablePlan } from '../model/table-plan.js';

/** How lanes choose: what may start now, and which tables share a reader (their file). */
export interface LaneRules<T> {
  ready(item: T): boolean;
  groupOf(item: T): string;
}

/**
 * Runs `work` on every item, `jobs` at a time (p-queue), in the given order of preference: each free lane
 * takes the first ready item whose group is idle, else the first ready item. After a failure no new item
 * starts; the running ones settle, then the first failure is thrown. Results come in the items' order.
 */
export async function runInLanes<T, R>(
  items: readonly T[],
  jobs: number,
  rules: LaneRules<T>,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const pending = [...items];
  const results = new Map<T, R>();
  const busy = new Map<string, number>();
  let running = 0;
  let failure = null as { err: unknown } | null;
  let waiters: (() => void)[] = [];
  const pick = (): T | null => {
    let first = -1;
    for (let i = 0; i < pending.length; i++) {
      if (!rules.ready(pending[i])) continue;
      if (first < 0) first = i;
      if (!busy.get(rules.groupOf(pending[i]))) return pending.splice(i, 1)[0];
    }
    return first < 0 ? null : pending.splice(first, 1)[0];
  };
  // One queued task per item; which item a task runs is chosen when a lane frees, not when it is queued.
  const task = async (): Promise<void> => {
    let item = pick();
    while (item === null) {
      if (failure) return;
      if (running === 0)
        throw new Error('no table can start: their foreign keys form a cycle the load order does not break');
      await new Promise<void>((resolve) => waiters.push(resolve));
      item = pick();
    }
    if (failure) return;
    const group = rules.groupOf(item);
    busy.set(group, (busy.get(group) ?? 0) + 1);
    running++;
    try {
      results.set(item, await work(item));
    } catch (err) {
      failure ??= { err };
    } finally {
      running--;
      busy.set(group, busy.get(group)! - 1);
      const wake = waiters;
      waiters = [];
      for (const w of wake) w();
    }
  };
  const queue = new PQueue({ concurrency: Math.max(1, jobs) });
  const settled = await Promise.allSettled(items.map(() => queue.add(task)));
  if (failure) throw failure.err;
  const stuck = settled.find((s) => s.status === 'rejected');
  if (stuck) throw (stuck as PromiseRejectedResult).reason;
  return items.map((i) => results.get(i)!);
}

/**
 * Each table's size plus the largest such sum along the tables that wait for it (its children, their
 * children…): the rows that cannot finish before it does. A parent whose children are big starts before a
 * bigger table nobody waits for, so the chain does not become the load's tail.
 */
export function chainSizes(tables: readonly TablePlan[], sizeOf: (t: TablePlan) => number): Map<TablePlan, number> {
  const byName = new Map(tables.map((t) => [t.targetName, t]));
  const children = new Map<TablePlan, TablePlan[]>(tables.map((t) => [t, []]));
  for (const t of tables)
    for (const d of new Set(t.dependsOn))
      if (d !== t.targetName && byName.has(d)) children.get(byName.get(d)!)!.push(t);
  const chain = new Map<TablePlan, number>();
  const visiting = new Set<TablePlan>();
  const of = (t: TablePlan): number => {
    const known = chain.get(t);
    if (known !== undefined) return known;
    if (visiting.has(t)) return 0; // a cycle: runInLanes reports it
    visiting.add(t);
    const n = sizeOf(t) + Math.max(0, ...children.get(t)!.map(of));
    visiting.delete(t);
    chain.set(t, n);
    return n;
  };
  for (const t of tables) of(t);
  return chain;
}

/** Loads `tables` with runInLanes: parents first, the longest chain first among those ready, files spread. */
export async function runInDependencyOrder<R>(
  tables: readonly TablePlan[],
  jobs: number,
  sizeOf: (t: TablePlan) => number,
  work: (t: TablePlan) => Promise<R>,
): Promise<R[]> {
  const inRun = new Set(tables.map((t) => t.targetName));
  const done = new Set<string>();
  const chains = chainSizes(tables, sizeOf);
  const order = [...tables].sort((a, b) => chains.get(b)! - chains.get(a)!);
  const rules: LaneRules<TablePlan> = {
    ready: (t) => t.dependsOn.every((d) => d === t.targetName || !inRun.has(d) || done.has(d)),
    groupOf: (t) => t.source.file,
  };
  const results = await runInLanes(order, jobs, rules, async (t) => {
    const r = await work(t);
    done.add(t.targetName);
    return r;
  });
  return tables.map((t) => results[order.indexOf(t)]);
}
