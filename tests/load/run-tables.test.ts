import { describe, expect, it } from 'vitest';
import { runInLanes } from '../../src/load/run-tables.js';

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

describe('runInLanes', () => {
  it('prefers an item whose group is idle, and never runs more than `jobs` at once', async () => {
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const items = ['a1', 'a2', 'a3', 'b1', 'c1'];
    const results = await runInLanes(items, 2, { ready: () => true, groupOf: (i) => i[0] }, async (i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      return i.toUpperCase();
    });
    expect(results).toEqual(['A1', 'A2', 'A3', 'B1', 'C1']);
    expect(most).toBe(2);
    // a1 runs; the second lane skips a2 (file a busy) for b1.
    expect(started.slice(0, 2)).toEqual(['a1', 'b1']);
    expect(started).toHaveLength(5);
  });

  it('starts an item only when it is ready', async () => {
    const done = new Set<string>();
    const order: string[] = [];
    const deps: Record<string, string[]> = { child: ['parent'], grandchild: ['child'], parent: [] };
    await runInLanes(['grandchild', 'child', 'parent'], 3, { ready: (i) => deps[i].every((d) => done.has(d)), groupOf: (i) => i }, async (i) => {
      order.push(i);
      await tick();
      done.add(i);
    });
    expect(order).toEqual(['parent', 'child', 'grandchild']);
  });

  it('starts nothing new after a failure, lets the running items settle, then throws the failure', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    const run = runInLanes(['bad', 'slow', 'x', 'y'], 2, { ready: () => true, groupOf: (i) => i }, async (i) => {
      started.push(i);
      if (i === 'bad') throw new Error('boom');
      await tick();
      finished.push(i);
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual(['bad', 'slow']);
    expect(finished).toEqual(['slow']);
  });

  it('refuses items that can never become ready instead of hanging', async () => {
    await expect(runInLanes(['a'], 2, { ready: () => false, groupOf: (i) => i }, async () => undefined)).rejects.toThrow(/cycle/);
  });
});
