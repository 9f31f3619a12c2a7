import { describe, expect, it } from 'vitest';
import { chainSizes, runInDependencyOrder, runInLanes } from '../../src/run/run-tables.js';
import type { TablePlan } from '../../src/model/table-plan.js';

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
    await runInLanes(
      ['grandchild', 'child', 'parent'],
      3,
      { ready: (i) => deps[i].every((d) => done.has(d)), groupOf: (i) => i },
      async (i) => {
        order.push(i);
        await tick();
        done.add(i);
      },
    );
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
    await expect(
      runInLanes(['a'], 2, { ready: () => false, groupOf: (i) => i }, async () => undefined),
    ).rejects.toThrow(/cycle/);
  });
});

/** Just what the lane order reads of a plan: its name, the tables it references, its file. */
function table(targetName: string, dependsOn: string[] = [], file = `${targetName}.db`): TablePlan {
  return { targetName, dependsOn, source: { file, table: targetName } } as unknown as TablePlan;
}

describe('chainSizes', () => {
  it('adds the longest chain of tables waiting for a table to its own size', () => {
    const items = table('items');
    const links = table('links', ['items', 'items']);
    const notes = table('notes', ['links']);
    const big = table('big');
    const self = table('self', ['self', 'items']);
    const sizes: Record<string, number> = { items: 600, links: 1000, notes: 10, big: 1200, self: 5 };
    const chains = chainSizes([items, links, notes, big, self], (t) => sizes[t.targetName]);
    expect(chains.get(notes)).toBe(10);
    expect(chains.get(links)).toBe(1010);
    expect(chains.get(items)).toBe(1610); // links' chain, not links + self
    expect(chains.get(big)).toBe(1200);
    expect(chains.get(self)).toBe(5); // a self-reference does not count twice
  });

  it('ends on a cycle of references instead of recursing forever', () => {
    const a = table('a', ['b']);
    const b = table('b', ['a']);
    const chains = chainSizes([a, b], () => 1);
    expect(chains.get(a)! + chains.get(b)!).toBeGreaterThanOrEqual(2);
  });
});

describe('runInDependencyOrder', () => {
  it('starts a parent whose children are big before a bigger table nobody waits for', async () => {
    const sizes: Record<string, number> = { big: 1200, items: 600, links: 1000, small: 10 };
    const plans = [table('big'), table('items'), table('links', ['items']), table('small')];
    const started: string[] = [];
    const out = await runInDependencyOrder(
      plans,
      1,
      (t) => sizes[t.targetName],
      async (t) => {
        started.push(t.targetName);
        await tick();
        return t.targetName;
      },
    );
    // items (600 rows, 1,600 with links behind it) before big (1,200); then big's chain before links'.
    expect(started).toEqual(['items', 'big', 'links', 'small']);
    expect(out).toEqual(['big', 'items', 'links', 'small']); // results in the tables' order
  });
});
