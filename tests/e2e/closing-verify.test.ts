// migrate's closing verify reads each table's target side on a source worker's own connection (outside
// a dry run), in the table's load lane once its keys are built: it must see exactly what the run committed,
// and report a row changed or deleted behind the run's back between the load and the verify, by key, exit 1.
import { describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { startPaused } from '../support/faults.js';
import type { TestDatabase } from '../support/pg.js';

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

/** A migrate paused just before `table`'s rows are verified (in its load lane, its keys built), `edit` run there. */
async function editBeforeVerify(table: string, edit: (db: TestDatabase) => Promise<string>) {
  const db = await fx.freshDb();
  const child = startPaused(
    ['migrate', '--source-dir', fx.data, '--target', db.url, '--json'],
    `verify-table:${table}`,
  );
  await child.paused;
  const key = await edit(db);
  child.resume();
  const r = await child.done;
  expect(r.code, r.stderr).toBe(1);
  const json = r.json as { status: string; tables: TableJson[] };
  expect(json.status).toBe('differences');
  // Every other table verified equal.
  for (const t of json.tables.filter((x) => x.target !== table)) expect(t.status, t.target).toBe('match');
  return { key, found: json.tables.find((t) => t.target === table)! };
}

describe("migrate's closing verify", () => {
  it('sees a row changed after the load and before the verify, by key, and exits 1', async () => {
    const { key, found } = await editBeforeVerify('rss.fetch_cycles', async (db) => {
      const cycle = (await db.query('SELECT min(id)::int AS id FROM rss.fetch_cycles')).rows[0].id as number;
      await db.query(`UPDATE rss.fetch_cycles SET status = status || ' (edited)' WHERE id = $1`, [cycle]);
      return String(cycle);
    });
    expect(found.differences).toMatchObject({ missing: 0, extra: 0, changed: 1 });
    expect(found.differences.samples).toEqual([expect.objectContaining({ key, kind: 'changed', columns: ['status'] })]);
  });

  it('sees a row deleted after the load and before the verify, by key, and exits 1', async () => {
    const { key, found } = await editBeforeVerify('accuracy.learning_objectives', async (db) => {
      const objective = (await db.query('SELECT max(id)::int AS id FROM accuracy.learning_objectives')).rows[0]
        .id as number;
      await db.query('DELETE FROM accuracy.learning_objectives WHERE id = $1', [objective]);
      return String(objective);
    });
    expect(found.differences).toMatchObject({ missing: 1, extra: 0, changed: 0 });
    expect(found.differences.samples).toEqual([expect.objectContaining({ key, kind: 'missing' })]);
  });
});
