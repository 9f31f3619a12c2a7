// migrate's closing verify reads each table's target side on a source worker's own connection (outside
// a dry run): it must see exactly what the run committed, and report a row changed or deleted behind the
// run's back between the load and the verify, by key, with exit 1.
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { startPaused } from '../support/faults.js';

const fx = useFixtureTarget('s2p-closing-');

type TableJson = {
  target: string;
  status: string;
  targetRows: number;
  differences: {
    missing: number;
    extra: number;
    changed: number;
    samples: { key: string; kind: string; columns?: string[] }[];
  };
};

describe("migrate's closing verify", () => {
  it('sees a change made after the load and before the verify, by key, and exits 1', async () => {
    // The first sequence set: every table is loaded and keyed, the verify has not started.
    const child = startPaused(['migrate', '--source-dir', fx.data, '--target', fx.db.url, '--json'], 'sequences:*');
    await child.paused;
    const cycle = (await fx.db.query('SELECT min(id)::int AS id FROM rss.fetch_cycles')).rows[0].id as number;
    await fx.db.query(`UPDATE rss.fetch_cycles SET status = status || ' (edited)' WHERE id = $1`, [cycle]);
    const objective = (await fx.db.query('SELECT max(id)::int AS id FROM accuracy.learning_objectives')).rows[0]
      .id as number;
    await fx.db.query('DELETE FROM accuracy.learning_objectives WHERE id = $1', [objective]);
    child.resume();
    const r = await child.done;
    expect(r.code, r.stderr).toBe(1);
    const json = r.json as { status: string; tables: TableJson[] };
    expect(json.status).toBe('differences');
    const byName = new Map(json.tables.map((t) => [t.target, t]));
    const cycles = byName.get('rss.fetch_cycles')!;
    expect(cycles.differences).toMatchObject({ missing: 0, extra: 0, changed: 1 });
    expect(cycles.differences.samples).toEqual([
      expect.objectContaining({ key: String(cycle), kind: 'changed', columns: ['status'] }),
    ]);
    const objectives = byName.get('accuracy.learning_objectives')!;
    expect(objectives.differences).toMatchObject({ missing: 1, extra: 0, changed: 0 });
    expect(objectives.differences.samples).toEqual([
      expect.objectContaining({ key: String(objective), kind: 'missing' }),
    ]);
    // Every other table verified equal.
    for (const t of json.tables.filter(
      (x) => x.target !== 'rss.fetch_cycles' && x.target !== 'accuracy.learning_objectives',
    )) {
      expect(t.status, t.target).toBe('match');
    }
  });
});
