// sqlite2pg sync from the real executable: a writer changes the SQLite files after a migrate (inserts, updates
// of text, number, timestamp and JSON columns, deletes of parent and child rows, a changed key, a row becoming
// invalid, a rejected row becoming valid); --dry-run changes nothing; sync brings the target to the sources and
// verify exits 0; rows written only to PostgreSQL stay and are reported; kill -9 during a sync, sync again.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { mismatches, startRssWriter, writeSqlite } from '../support/sync-cli.js';
import { lockReleased, startPaused, targetSnapshot } from '../support/faults.js';

const fx = useFixtureTarget('s2p-sync-', { database: false });
const KNOWLEDGE = 'knowledge_retention.db';
const ITEMS = 'knowledge.knowledge_items';

const sync = (d: TestDatabase, ...args: string[]) =>
  runCli(['sync', '--source-dir', fx.data, '--target', d.url, '--json', ...args]);
const verify = (d: TestDatabase) => runCli(['verify', '--source-dir', fx.data, '--target', d.url, '--json']);

const write = <T>(file: string, fn: (db: Database.Database) => T) => writeSqlite(path.join(fx.data, file), fn);

async function migrated(): Promise<TestDatabase> {
  const d = await fx.freshDb();
  const m = await runCli(['migrate', '--source-dir', fx.data, '--target', d.url, '--json']);
  expect(m.code, m.stderr).toBe(0);
  return d;
}

type SyncCounts = Record<'inserted' | 'updated' | 'deleted' | 'newlyRejected' | 'reloaded' | 'extraLeft', number>;
const total = (json: { tables: { sync: SyncCounts }[] }, k: keyof SyncCounts) =>
  json.tables.reduce((n, t) => n + t.sync[k], 0);

describe('sync', () => {
  let db: TestDatabase;
  /** What the writer did, to check in the target afterwards. */
  const w = { newItem: 0, updated: 0, deletedParent: 0, movedFrom: 0, movedTo: 0, invalid: 0, fixedKey: '', tier: '' };

  beforeAll(async () => {
    db = await migrated();
    // A rejected row of knowledge_items that a valid value fixes (its column named in the reject).
    const fixable = await db.query(
      `SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = $1 AND reason_code NOT IN ('unique', 'foreign_key') ORDER BY id LIMIT 1`,
      [ITEMS],
    );
    expect(fixable.rows.length, 'the fixtures hold a rejected knowledge item').toBe(1);
    w.fixedKey = fixable.rows[0].source_rowid as string;
    const rejected = new Set(
      (await db.query(`SELECT source_rowid FROM sqlite2pg.rejects WHERE target_table = $1`, [ITEMS])).rows.map(
        (r) => r.source_rowid as string,
      ),
    );
    write(KNOWLEDGE, (s) => {
      const referenced = new Set(
        (
          s.prepare('SELECT source_id AS a, target_id AS b FROM knowledge_relationships').all() as { a: any; b: any }[]
        ).flatMap((r) => [String(r.a), String(r.b)]),
      );
      const ids = (s.prepare('SELECT id FROM knowledge_items ORDER BY id').all() as { id: number }[])
        .map((r) => r.id)
        .filter((id) => !rejected.has(String(id)));
      const free = ids.filter((id) => !referenced.has(String(id)));
      [w.updated, w.movedFrom, w.invalid] = free;
      const max = (s.prepare('SELECT max(id) AS m FROM knowledge_items').get() as { m: number }).m;
      w.newItem = max + 10;
      w.movedTo = max + 20;
      s.prepare(
        `INSERT INTO knowledge_items (id, content, source, knowledge_type, confidence_score, access_count, last_accessed, created_at, metadata)
         VALUES (?, 'new item', 'sync test', 'fact', 0.25, 3, '2024-05-01 10:00:00', '2024-05-01 09:00:00', '{"new": true}')`,
      ).run(w.newItem);
      // A child of the new parent, in the same sync.
      s.prepare(
        `INSERT INTO knowledge_relationships (source_id, target_id, relationship_type, strength, created_at) VALUES (?, ?, 'sync', 0.5, '2024-05-02 08:00:00')`,
      ).run(w.newItem, w.updated);
      s.prepare(
        `UPDATE knowledge_items SET content = 'changed by sync test', confidence_score = 0.125, access_count = 42, last_accessed = '2024-06-01 12:30:00', metadata = '{"b": [1, 2]}' WHERE id = ?`,
      ).run(w.updated);
      s.prepare('UPDATE knowledge_items SET id = ? WHERE id = ?').run(w.movedTo, w.movedFrom);
      s.prepare(`UPDATE knowledge_items SET metadata = '{not json' WHERE id = ?`).run(w.invalid);
      // Every value of the rejected row made valid: it converts now.
      s.prepare(
        `UPDATE knowledge_items SET content = 'fixed', source = 'fixed', knowledge_type = 'fact', confidence_score = 0.5, retention_score = 1.0,
           access_count = 1, last_accessed = '2024-01-01 00:00:00', created_at = '2024-01-01 00:00:00', metadata = '{"fixed": 1}' WHERE id = ?`,
      ).run(w.fixedKey);
      // A parent and its children deleted together.
      const parent = ids.find((id) => referenced.has(String(id)))!;
      w.deletedParent = parent;
      s.prepare('DELETE FROM knowledge_relationships WHERE source_id = ? OR target_id = ?').run(parent, parent);
      s.prepare('DELETE FROM knowledge_items WHERE id = ?').run(parent);
    });
    // A text key: a row of tier_metrics that the migrate loaded.
    w.tier = (await db.query('SELECT item_id FROM continuum.tier_metrics ORDER BY item_id LIMIT 1 OFFSET 3')).rows[0]
      .item_id as string;
    const changed = write('continuum_memory.db', (s) =>
      s
        .prepare(
          `UPDATE tier_metrics SET surprise_score = 0.875, last_promoted_at = '2024-07-07 07:07:07' WHERE item_id = ?`,
        )
        .run(w.tier),
    );
    expect(changed.changes).toBe(1);
  });

  it('--dry-run reports what would change and changes nothing', async () => {
    const before = await targetSnapshot(db);
    const r = await sync(db, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(total(r.json, 'inserted')).toBeGreaterThanOrEqual(3);
    expect(total(r.json, 'updated')).toBeGreaterThanOrEqual(2);
    expect(await targetSnapshot(db)).toEqual(before);
  });

  it('brings the target to the sources: verify exits 0 and the values are the source values', async () => {
    const r = await sync(db);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const items = r.json.tables.find((t: { target: string }) => t.target === ITEMS).sync;
    expect(items.inserted).toBeGreaterThanOrEqual(2); // the new item, the moved key
    expect(items.updated).toBe(1);
    expect(items.deleted).toBeGreaterThanOrEqual(2); // the deleted parent, the moved key's old row
    expect(items.newlyRejected).toBe(1);
    expect(items.reloaded).toBeGreaterThanOrEqual(1);
    const rel = r.json.tables.find((t: { target: string }) => t.target === 'knowledge.knowledge_relationships').sync;
    expect(rel.inserted).toBe(1);
    expect(rel.deleted).toBeGreaterThanOrEqual(1);

    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);

    const row = (await db.query('SELECT * FROM knowledge.knowledge_items WHERE id = $1', [w.updated])).rows[0];
    expect(row.content).toBe('changed by sync test');
    expect(row.confidence_score).toBe(0.125);
    expect(String(row.access_count)).toBe('42');
    expect(row.metadata).toEqual({ b: [1, 2] });
    const ts = await db.query(`SELECT last_accessed::text AS t FROM knowledge.knowledge_items WHERE id = $1`, [
      w.updated,
    ]);
    expect(ts.rows[0].t).toBe('2024-06-01 12:30:00');
    const ids = async (id: number | string) =>
      (await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = $1', [id])).rows[0].n;
    expect(await ids(w.newItem)).toBe(1);
    expect(await ids(w.movedTo)).toBe(1);
    expect(await ids(w.movedFrom)).toBe(0);
    expect(await ids(w.deletedParent)).toBe(0);
    expect(await ids(w.invalid)).toBe(0);
    expect(await ids(w.fixedKey)).toBe(1);
    const rejects = await db.query(
      'SELECT source_rowid FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2',
      [r.json.runId, ITEMS],
    );
    const keys = rejects.rows.map((x) => x.source_rowid);
    expect(keys).toContain(String(w.invalid));
    expect(keys).not.toContain(w.fixedKey);
    const tier = await db.query(
      'SELECT surprise_score, last_promoted_at::text AS p FROM continuum.tier_metrics WHERE item_id = $1',
      [w.tier],
    );
    expect(tier.rows[0]).toEqual({ surprise_score: 0.875, p: '2024-07-07 07:07:07' });
    // The sequence is past the new maximum.
    const next = await db.query(
      `SELECT nextval(pg_get_serial_sequence('knowledge.knowledge_items', 'id'))::bigint AS n`,
    );
    expect(Number(next.rows[0].n)).toBeGreaterThan(w.movedTo);
  });

  it('a second sync finds nothing to do', async () => {
    const r = await sync(db);
    expect(r.code, r.stderr).toBe(0);
    for (const k of ['inserted', 'updated', 'deleted', 'newlyRejected', 'reloaded'] as const)
      expect(total(r.json, k), k).toBe(0);
  });

  it('--grace leaves rows written in the last S seconds for the next sync', async () => {
    const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
    const id = write(KNOWLEDGE, (s) =>
      Number(
        s
          .prepare(
            `INSERT INTO knowledge_items (content, source, knowledge_type, last_accessed, created_at, metadata) VALUES ('just written', 'app', 'fact', ?, ?, '{}')`,
          )
          .run(now, now).lastInsertRowid,
      ),
    );
    const count = async () =>
      (await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = $1', [id])).rows[0].n;
    const graced = await sync(db, '--grace', '3600');
    expect(graced.code, graced.stderr).toBe(0);
    expect(graced.json.tables.find((t: { target: string }) => t.target === ITEMS).sync.inFlight).toBe(1);
    expect(await count()).toBe(0);
    const r = await sync(db);
    expect(r.code, r.stderr).toBe(0);
    expect(await count()).toBe(1);
  });

  it('rows written only to PostgreSQL are left in place and reported (exit 1)', async () => {
    await db.query(
      `INSERT INTO knowledge.knowledge_items (id, content, source, knowledge_type) VALUES (990000001, 'only in pg', 'app', 'fact')`,
    );
    const r = await sync(db);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.tables.find((t: { target: string }) => t.target === ITEMS).sync.extraLeft).toBe(1);
    const n = await db.query('SELECT count(*)::int AS n FROM knowledge.knowledge_items WHERE id = 990000001');
    expect(n.rows[0].n).toBe(1);
    await db.query('DELETE FROM knowledge.knowledge_items WHERE id = 990000001');
  });

  it('history lists sync runs; rollback of a sync run refuses (exit 2)', async () => {
    const h = await runCli(['history', '--target', db.url, '--json']);
    const syncs = h.json.runs.filter((x: { command: string; dryRun: boolean }) => x.command === 'sync' && !x.dryRun);
    expect(syncs.length).toBeGreaterThanOrEqual(3);
    const r = await runCli(['rollback', '--target', db.url, '--run', syncs[0].runId]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a sync/);
  });

  it('a writer running during a sync: the sync works from a snapshot, a final sync after it stops catches up', async () => {
    const writer = startRssWriter(path.join(fx.data, 'rss_fetch_history.db'), 'written during sync', 15);
    let during;
    try {
      during = await sync(db);
    } finally {
      writer.stop();
    }
    expect(during.code, during.stderr).toBe(0);
    expect(writer.written()).toBeGreaterThan(0);
    const final = await sync(db);
    expect(final.code, final.stderr).toBe(0);
    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
    const pg = await db.query(
      `SELECT count(*)::int AS n FROM rss.fetch_items WHERE item_title LIKE 'written during sync %'`,
    );
    expect(pg.rows[0].n).toBe(writer.written());
  });

  it('kill -9 during a sync, then sync again: verify exits 0', async () => {
    const d = await migrated();
    write(KNOWLEDGE, (s) => {
      s.prepare(`UPDATE knowledge_items SET content = 'after kill' WHERE id = ?`).run(w.newItem);
      s.prepare(
        `INSERT INTO learning_sessions (session_type, content_learned, accuracy_score, created_at, metadata) VALUES ('k', 'killed', 0.5, '2024-08-01 00:00:00', '{}')`,
      ).run();
    });
    const child = startPaused(['sync', '--source-dir', fx.data, '--target', d.url], `sync:${ITEMS}`);
    await child.paused;
    child.kill();
    expect((await child.done).signal).toBe('SIGKILL');
    await lockReleased(d);
    const r = await sync(d);
    expect(r.code, r.stderr).toBe(0);
    const v = await verify(d);
    expect(v.code, mismatches(v.json)).toBe(0);
    const row = await d.query('SELECT content FROM knowledge.knowledge_items WHERE id = $1', [w.newItem]);
    expect(row.rows[0].content).toBe('after kill');
  });

  it('sync before any migrate exits 2', async () => {
    const d = await fx.freshDb();
    const r = await sync(d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/migrate first/);
  });
});
