// The fast path of sync (docs/sync.md): after a migrate and a first sync (which compares in full and leaves the
// ledger's baselines), a sync reads only the segments whose source changed, converges (verify exits 0, the
// reject accounting exact: the same records as a full comparison leaves); a write to the target by anyone else
// changes its fingerprint and that table is compared in full; --full always compares in full.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { mismatches, tableOf as table, writeSqlite, type SyncTableJson as TableJson } from '../support/sync-cli.js';

const fx = useFixtureTarget('s2p-sync-fast-', { database: false });
const KNOWLEDGE = 'knowledge_retention.db';
const ITEMS = 'knowledge.knowledge_items';
const TIERS = 'continuum.tier_metrics';
const RELS = 'knowledge.knowledge_relationships';

const sync = (d: TestDatabase, ...args: string[]) =>
  runCli(['sync', '--source-dir', fx.data, '--target', d.url, '--json', ...args]);
const verify = (d: TestDatabase) => runCli(['verify', '--source-dir', fx.data, '--target', d.url, '--json']);

const write = <T>(file: string, fn: (db: Database.Database) => T) => writeSqlite(path.join(fx.data, file), fn);

/** A table's reject and change records of a run, as sorted lines (what verify's accounting reads). */
async function records(d: TestDatabase, runId: string, target: string): Promise<string[]> {
  const r = await d.query(
    `SELECT 'r ' || source_rowid || ' ' || reason_code AS x FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2
     UNION ALL SELECT 'c ' || source_rowid || ' ' || column_name || ' ' || policy FROM sqlite2pg.changes WHERE run_id = $1 AND target_table = $2`,
    [runId, target],
  );
  return r.rows.map((x) => x.x as string).sort();
}

describe('sync: the fast path', () => {
  let db: TestDatabase;
  const w = { orphan: 0, newItem: 0, updated: 0, movedFrom: 0, movedTo: 0, invalid: 0, deleted: 0, fixedKey: '' };

  beforeAll(async () => {
    db = await fx.freshDb();
    const m = await runCli(['migrate', '--source-dir', fx.data, '--target', db.url, '--json']);
    expect(m.code, m.stderr).toBe(0);
    const first = await sync(db);
    expect(first.code, first.stderr).toBe(0);
    // The first sync after a migrate has no baseline: every table compared in full, each leaving one.
    for (const t of first.json.tables as TableJson[]) {
      expect(t.compare.path, t.target).toBe('full');
      expect(t.compare.reason, t.target).toMatch(/no baseline/);
    }
    // Every fixture table has a key: the baselines keep raw sums (the values as SQLite holds them).
    const kept = await db.query('SELECT DISTINCT source_digest FROM sqlite2pg.sync_baselines');
    expect(kept.rows).toEqual([{ source_digest: 'raw' }]);
  });

  it('after inserts, updates, deletes, a changed key and rows becoming valid or invalid: fast, and converges', async () => {
    const fixable = await db.query(
      `SELECT source_rowid FROM sqlite2pg.rejects r JOIN sqlite2pg.table_loads l USING (run_id, target_table)
        WHERE target_table = $1 AND reason_code NOT IN ('unique', 'foreign_key') ORDER BY l.finished_at DESC, r.id LIMIT 1`,
      [ITEMS],
    );
    w.fixedKey = fixable.rows[0].source_rowid as string;
    const rejected = new Set(
      (
        await db.query(
          `SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = $1 AND run_id = (SELECT run_id FROM sqlite2pg.table_loads WHERE target_table = $1 ORDER BY finished_at DESC LIMIT 1)`,
          [ITEMS],
        )
      ).rows.map((r) => r.source_rowid as string),
    );
    // A relationship rejected for a missing parent: the parent is written now, in another table, and the
    // child's own segment is unchanged. The fast path must try it again, as the full comparison would.
    const orphans = (
      await db.query(
        `SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = $1 AND reason_code = 'foreign_key'
            AND run_id = (SELECT run_id FROM sqlite2pg.table_loads WHERE target_table = $1 ORDER BY finished_at DESC LIMIT 1)`,
        [RELS],
      )
    ).rows.map((r) => Number(r.source_rowid));
    const inTarget = async (id: unknown) =>
      (await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = $1', [id])).rows[0].n > 0;
    const parents: number[] = [];
    for (const rel of orphans) {
      const r = write(KNOWLEDGE, (s) =>
        s.prepare('SELECT source_id AS a, target_id AS b FROM knowledge_relationships WHERE id = ?').get(rel),
      ) as { a: unknown; b: unknown };
      const ends = [r.a, r.b];
      if (!ends.every((e) => Number.isInteger(e) && (e as number) > 0)) continue;
      const missing = [];
      for (const e of ends) if (!(await inTarget(e))) missing.push(e as number);
      const inSource = write(KNOWLEDGE, (s) =>
        missing.some((e) => s.prepare('SELECT 1 FROM knowledge_items WHERE id = ?').get(e) !== undefined),
      );
      if (missing.length === 0 || inSource) continue;
      parents.push(...new Set(missing));
      w.orphan = rel;
      break;
    }
    expect(parents.length, 'the fixtures hold a relationship rejected for a missing parent').toBeGreaterThan(0);
    write(KNOWLEDGE, (s) => {
      for (const id of parents)
        s.prepare(
          `INSERT INTO knowledge_items (id, content, source, knowledge_type, created_at) VALUES (?, 'late parent', 'fast sync', 'fact', '2024-05-01 09:00:00')`,
        ).run(id);
    });
    write(KNOWLEDGE, (s) => {
      const referenced = new Set(
        (
          s.prepare('SELECT source_id AS a, target_id AS b FROM knowledge_relationships').all() as { a: any; b: any }[]
        ).flatMap((r) => [String(r.a), String(r.b)]),
      );
      const free = (s.prepare('SELECT id FROM knowledge_items ORDER BY id').all() as { id: number }[])
        .map((r) => r.id)
        .filter((id) => !referenced.has(String(id)) && !rejected.has(String(id)));
      // Rows apart, so that most segments stay unchanged.
      expect(free.length).toBeGreaterThanOrEqual(7);
      [w.updated, w.movedFrom, w.invalid, w.deleted] = [free[0], free[2], free[4], free[6]];
      const max = (s.prepare('SELECT max(id) AS m FROM knowledge_items').get() as { m: number }).m;
      w.newItem = max + 10;
      w.movedTo = max + 20;
      s.prepare(
        `INSERT INTO knowledge_items (id, content, source, knowledge_type, confidence_score, access_count, last_accessed, created_at, metadata)
         VALUES (?, 'new item', 'fast sync', 'fact', 0.25, 3, '2024-05-01 10:00:00', '2024-05-01 09:00:00', '{"new": true}')`,
      ).run(w.newItem);
      s.prepare(`UPDATE knowledge_items SET content = 'changed by the fast path', access_count = 7 WHERE id = ?`).run(
        w.updated,
      );
      s.prepare('UPDATE knowledge_items SET id = ? WHERE id = ?').run(w.movedTo, w.movedFrom);
      s.prepare(`UPDATE knowledge_items SET metadata = '{not json' WHERE id = ?`).run(w.invalid);
      s.prepare('DELETE FROM knowledge_items WHERE id = ?').run(w.deleted);
      s.prepare(
        `UPDATE knowledge_items SET content = 'fixed', source = 'fixed', knowledge_type = 'fact', confidence_score = 0.5, retention_score = 1.0,
           access_count = 1, last_accessed = '2024-01-01 00:00:00', created_at = '2024-01-01 00:00:00', metadata = '{"fixed": 1}' WHERE id = ?`,
      ).run(w.fixedKey);
    });

    const r = await sync(db);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const t of r.json.tables as TableJson[])
      expect(t.compare.path, `${t.target}: ${t.compare.reason}`).toBe('fast');
    const items = table(r.json, ITEMS);
    expect(items.compare.segments.read).toBeGreaterThan(0);
    expect(items.compare.segments.read).toBeLessThan(items.compare.segments.total / 2);
    expect(items.sync).toMatchObject({ updated: 1, deleted: 2, newlyRejected: 1, reloaded: 1 });
    expect(items.sync.inserted).toBe(2 + parents.length);
    expect(table(r.json, RELS).compare.path).toBe('fast');
    expect(table(r.json, RELS).sync.reloaded).toBeGreaterThanOrEqual(1);
    const orphan = await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_relationships WHERE id = $1', [
      w.orphan,
    ]);
    expect(orphan.rows[0].n).toBe(1);
    // Tables nothing was written to: no segment read again.
    expect(table(r.json, TIERS).compare.segments.read).toBe(0);

    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
    const row = (
      await db.query('SELECT content, access_count::int AS access_count FROM knowledge.knowledge_items WHERE id = $1', [
        w.updated,
      ])
    ).rows[0];
    expect(row).toEqual({ content: 'changed by the fast path', access_count: 7 });
    const n = async (id: number | string) =>
      (await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = $1', [id])).rows[0].n;
    expect([await n(w.newItem), await n(w.movedTo), await n(w.fixedKey)]).toEqual([1, 1, 1]);
    expect([await n(w.movedFrom), await n(w.invalid), await n(w.deleted)]).toEqual([0, 0, 0]);

    // The reject accounting is exact: the fast sync's records are the ones a full comparison leaves.
    const fastRecords = await records(db, r.json.runId, ITEMS);
    expect(fastRecords.some((x) => x.startsWith(`r ${w.invalid} `))).toBe(true);
    expect(fastRecords.some((x) => x.startsWith(`r ${w.fixedKey} `))).toBe(false);
    const full = await sync(db, '--full');
    expect(full.code, full.stderr).toBe(0);
    for (const t of full.json.tables as TableJson[]) {
      expect(t.compare, t.target).toMatchObject({ path: 'full', reason: '--full' });
      for (const k of ['inserted', 'updated', 'deleted', 'newlyRejected', 'reloaded'])
        expect(t.sync[k], `${t.target} ${k}`).toBe(0);
      expect(await records(db, full.json.runId, t.target), t.target).toEqual(await records(db, r.json.runId, t.target));
    }
    const v2 = await verify(db);
    expect(v2.code, mismatches(v2.json)).toBe(0);
    const acc = (json: { tables: TableJson[] }) => json.tables.map((t) => [t.target, t.accounting]);
    expect(acc(v2.json)).toEqual(acc(v.json));
  });

  it('someone else writes to the target: the fingerprint shows it, that table is compared in full', async () => {
    // The --full sync of the test before left baselines again: the next sync trusts them unless the target changed.
    const [a, b] = (
      await db.query(
        `SELECT id FROM knowledge.knowledge_items i WHERE NOT EXISTS
           (SELECT 1 FROM knowledge.knowledge_relationships r WHERE r.source_id = i.id OR r.target_id = i.id)
         ORDER BY id LIMIT 2 OFFSET 2`,
      )
    ).rows.map((x) => x.id as number);
    expect(b).toBeDefined();
    const source = write(KNOWLEDGE, (s) => s.prepare('SELECT content FROM knowledge_items WHERE id = ?').get(a)) as {
      content: string;
    };
    await db.query(`UPDATE knowledge.knowledge_items SET content = 'edited in PostgreSQL' WHERE id = $1`, [a]);
    await db.query('DELETE FROM knowledge.knowledge_items WHERE id = $1', [b]);
    await db.query(
      `INSERT INTO knowledge.knowledge_items (id, content, source, knowledge_type) VALUES (990000002, 'only in pg', 'app', 'fact')`,
    );
    // An update alone keeps the row count: the count of sqlite2pg's rows shows it.
    const tier = (await db.query(`SELECT item_id FROM ${TIERS} ORDER BY item_id LIMIT 1 OFFSET 2`)).rows[0]
      .item_id as string;
    const tierBefore = (await db.query(`SELECT surprise_score FROM ${TIERS} WHERE item_id = $1`, [tier])).rows[0];
    await db.query(`UPDATE ${TIERS} SET surprise_score = -1 WHERE item_id = $1`, [tier]);

    const r = await sync(db);
    expect(r.code, r.stderr).toBe(1); // the row only in PostgreSQL is left, as verify would report it
    const items = table(r.json, ITEMS);
    expect(items.compare.path).toBe('full');
    expect(items.compare.reason).toMatch(/target changed/);
    expect(items.sync).toMatchObject({ inserted: 1, updated: 1, extraLeft: 1 });
    expect(table(r.json, TIERS).compare).toMatchObject({
      path: 'full',
      reason: expect.stringMatching(/target changed/),
    });
    expect(table(r.json, TIERS).sync.updated).toBe(1);
    expect(table(r.json, 'knowledge.learning_sessions').compare.path).toBe('fast');
    const row = await db.query('SELECT content FROM knowledge.knowledge_items WHERE id = $1', [a]);
    expect(row.rows[0].content).toBe(source.content);
    const back = await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = ANY($1)', [
      [b, 990000002],
    ]);
    expect(back.rows[0].n).toBe(2);
    expect((await db.query(`SELECT surprise_score FROM ${TIERS} WHERE item_id = $1`, [tier])).rows[0]).toEqual(
      tierBefore,
    );

    // The row left in place keeps the table off the fast path until it is gone.
    const again = await sync(db);
    expect(table(again.json, ITEMS).compare.reason).toMatch(/no baseline/);
    expect(table(again.json, TIERS).compare.path).toBe('fast');
    await db.query('DELETE FROM knowledge.knowledge_items WHERE id = 990000002');
    const settled = await sync(db);
    expect(settled.code, settled.stderr).toBe(0);
    const last = await sync(db);
    expect(table(last.json, ITEMS).compare.path).toBe('fast');
    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
  });

  it('--full compares every table in full; a dry run takes the fast path and keeps the baseline', async () => {
    const dry = await sync(db, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    for (const t of dry.json.tables as TableJson[]) expect(t.compare.path, t.target).toBe('fast');
    const r = await sync(db, '--full');
    expect(r.code, r.stderr).toBe(0);
    for (const t of r.json.tables as TableJson[])
      expect(t.compare, t.target).toMatchObject({ path: 'full', reason: '--full' });
    const after = await sync(db);
    for (const t of after.json.tables as TableJson[]) expect(t.compare.path, t.target).toBe('fast');
  });
});
