// The shapes the real files come in: continuum_memory.db as a 0-byte file (feature off) and from an
// older app version (last_update_cycle added last by ALTER TABLE), migrated by name, never by position.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/generate.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';

// Each test generates the variant it needs.
const fx = useFixtureTarget('s2p-variants-', { fixtures: false, database: false });

async function migrate(variant: 'old' | 'empty') {
  const data = path.join(fx.dir, variant);
  generateFixtures({ outDir: data, continuum: variant });
  const db = await fx.freshDb();
  const r = await runCli(['migrate', '--source-dir', data, '--target', db.url, '--json']);
  return { data, db, r };
}

describe('continuum_memory.db variants', () => {
  it('a 0-byte file is an empty source: its tables are created, empty, and the report says why', async () => {
    const { db, r } = await migrate('empty');
    expect(r.code, r.stderr).toBe(0);
    const continuum = r.json.tables.filter((t: { target: string }) => t.target.startsWith('continuum.'));
    expect(continuum).toHaveLength(3);
    for (const t of continuum) {
      expect(t).toMatchObject({
        sourceRows: 0,
        loadedRows: 0,
        targetRows: 0,
        emptySource: 'the file is empty (0 bytes)',
      });
      expect(t.checksum.match).toBe(true);
    }
    const n = await db.query('SELECT count(*)::int AS n FROM continuum.tier_metrics');
    expect(n.rows[0].n).toBe(0);
    const text = await runCli(['verify', '--source-dir', path.join(fx.dir, 'empty'), '--target', db.url]);
    expect(text.code).toBe(0);
  });

  it('the older layout (last_update_cycle last) loads every column by name', async () => {
    const { data, db, r } = await migrate('old');
    expect(r.code, r.stderr).toBe(0);
    const sqlite = new Database(path.join(data, 'continuum_memory.db'), { readonly: true });
    const cols = sqlite.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('tier_metrics') as string[];
    expect(cols[cols.length - 1]).toBe('last_update_cycle');
    const src = sqlite
      .prepare(
        "SELECT item_id, CAST(last_update_cycle AS TEXT) AS c, tier FROM tier_metrics WHERE typeof(last_update_cycle) = 'integer'",
      )
      .all() as { item_id: string; c: string; tier: string }[];
    sqlite.close();
    expect(src.length).toBeGreaterThan(10);
    const got = new Map(
      (await db.query('SELECT item_id, last_update_cycle::text AS c, tier FROM continuum.tier_metrics')).rows.map(
        (x) => [x.item_id, x],
      ),
    );
    let compared = 0;
    for (const s of src) {
      const t = got.get(s.item_id);
      if (!t) continue; // a rejected hazard row
      expect(t).toEqual({ item_id: s.item_id, c: s.c, tier: s.tier });
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });
});
