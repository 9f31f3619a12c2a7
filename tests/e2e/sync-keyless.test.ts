// The fast path of sync for a table without a key (docs/sync.md): its baseline keeps canonical sums over hash
// buckets of the row's digest (a keyed table's keeps raw sums over its key), and the table is compared as a
// multiset of rows. After a migrate and a first sync (in full, keeping the baselines), the SQLite file changes
// (inserts, deletes, an updated value, a row duplicated, one copy of a duplicated row deleted): the next sync
// takes the fast path, reads only the changed buckets, and the target holds the source's rows, duplicates
// counted (verify exits 0). Someone else's update of a keyless row in PostgreSQL changes the fingerprint: that
// table is compared in full, the reason said. A keyless row that stops converting is rejected on the fast path,
// and once fixed is loaded exactly once (its changed bucket and its earlier reject both name it).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { mismatches, tableOf as table, writeSqlite, type SyncTableJson as TableJson } from '../support/sync-cli.js';
import type { Mapping } from '../../src/model/mapping-types.js';

const fx = useFixtureTarget('s2p-sync-keyless-', { fixtures: false, database: false });
const FILE = 'applog.db';
const EVENTS = 'applog.events'; // no key
const ITEMS = 'applog.items'; // keyed, for contrast

/** A hand-written mapping: `events` names no primaryKey, so it has no key; `items` is keyed by id. */
const MAPPING: Mapping = {
  version: 1,
  name: 'sync-keyless',
  schemaVersion: 1,
  sources: [
    {
      file: FILE,
      schema: 'applog',
      tables: [
        {
          source: 'events',
          target: 'events',
          columns: [
            { name: 'source', type: 'text', from: 'source' },
            { name: 'level', type: 'bigint', from: 'level' },
            { name: 'score', type: 'double precision', from: 'score' },
            { name: 'at', type: 'timestamp', from: 'at' },
            { name: 'payload', type: 'jsonb', from: 'payload' },
          ],
        },
        {
          source: 'items',
          target: 'items',
          primaryKey: ['id'],
          columns: [
            { name: 'id', type: 'bigint', from: 'id', nullable: false },
            { name: 'name', type: 'text', from: 'name' },
            { name: 'qty', type: 'bigint', from: 'qty' },
          ],
        },
      ],
    },
  ],
};

let mappingFile: string;
const args = (d: TestDatabase) => ['--mapping', mappingFile, '--source-dir', fx.dir, '--target', d.url, '--json'];
const sync = (d: TestDatabase, ...more: string[]) => runCli(['sync', ...args(d), ...more]);
const verify = (d: TestDatabase) => runCli(['verify', ...args(d)]);

const write = <T>(fn: (db: Database.Database) => T) => writeSqlite(path.join(fx.dir, FILE), fn);

/** JSON text with its object keys sorted (jsonb reorders keys and respaces): equal values, equal text. */
function canonicalJson(text: string | null): string | null {
  if (text === null) return null;
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

type EventRow = {
  source: string | null;
  level: unknown;
  score: number | null;
  at: string | null;
  payload: string | null;
};
const line = (r: EventRow) =>
  JSON.stringify([r.source, r.level === null ? null : String(r.level), r.score, r.at, canonicalJson(r.payload)]);

const parses = (text: string | null) => {
  try {
    if (text !== null) JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** The keyless table's rows as a sorted multiset of value lines, each side (the source's rows that convert). */
const sourceEvents = () =>
  write((s) =>
    (s.prepare('SELECT source, level, score, at, payload FROM events').all() as EventRow[])
      .filter((r) => parses(r.payload))
      .map(line)
      .sort(),
  );
async function targetEvents(d: TestDatabase): Promise<string[]> {
  const r = await d.query(
    `SELECT source, level::text AS level, score, to_char(at, 'YYYY-MM-DD HH24:MI:SS') AS at, payload::text AS payload
       FROM ${EVENTS}`,
  );
  return (r.rows as EventRow[]).map(line).sort();
}

const baselines = async (d: TestDatabase) =>
  Object.fromEntries(
    (await d.query('SELECT target_table, source_digest FROM sqlite2pg.sync_baselines')).rows.map((r) => [
      r.target_table as string,
      r.source_digest as string,
    ]),
  );

describe('sync: the fast path of a table without a key', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    const s = new Database(path.join(fx.dir, FILE));
    s.exec(`CREATE TABLE events (source TEXT, level INTEGER, score REAL, at TEXT, payload TEXT);
            CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);`);
    const ev = s.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < 300; i++)
      ev.run(
        `svc-${i % 7}`,
        i % 5,
        i / 8,
        `2024-03-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:15:00`,
        JSON.stringify({ n: i, tags: ['a', String(i % 3)] }),
      );
    // Exact duplicates: 'dup-2' twice, 'dup-3' three times; a row with NULLs twice.
    for (let k = 0; k < 2; k++) ev.run('dup-2', 1, 0.5, '2024-04-01 08:00:00', '{"dup": 2}');
    for (let k = 0; k < 3; k++) ev.run('dup-3', 2, 1.5, '2024-04-02 09:30:00', '{"dup": 3, "b": [1, 2]}');
    for (let k = 0; k < 2; k++) ev.run('nulls', null, null, null, null);
    const it = s.prepare('INSERT INTO items VALUES (?, ?, ?)');
    for (let i = 1; i <= 100; i++) it.run(i, `item ${i}`, i * 3);
    s.close();
    mappingFile = path.join(fx.dir, 'mapping.json');
    writeFileSync(mappingFile, JSON.stringify(MAPPING));

    db = await fx.freshDb();
    const m = await runCli(['migrate', ...args(db)]);
    expect(m.code, m.stderr + m.stdout).toBe(0);
    const first = await sync(db);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    for (const name of [EVENTS, ITEMS]) {
      const t = table(first.json, name);
      expect(t.compare, name).toMatchObject({ path: 'full', reason: expect.stringMatching(/no baseline/) });
      expect(t.compare.noBaseline, name).toBeNull();
    }
    // The keyless table's baseline keeps canonical sums (its buckets are of the canonical row digest); the keyed
    // table's, raw ones.
    expect(await baselines(db)).toEqual({ [EVENTS]: 'canonical', [ITEMS]: 'raw' });
    expect(await targetEvents(db)).toEqual(sourceEvents());
  });

  it('inserts, deletes, an updated value, a duplicate added and one copy deleted: fast, and converges', async () => {
    write((s) => {
      const ev = s.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)');
      ev.run('new-1', 9, 2.25, '2024-05-01 10:00:00', '{"new": 1}');
      ev.run('new-2', 9, -3.5, '2024-05-01 10:00:01', '[1, "two", null]');
      ev.run('new-3', null, null, '2024-05-01 10:00:02', null);
      // Two single rows deleted.
      const del = s.prepare(
        'DELETE FROM events WHERE rowid = (SELECT min(rowid) FROM events WHERE source = ? AND level = ?)',
      );
      expect(del.run('svc-1', 1).changes).toBe(1);
      expect(del.run('svc-2', 2).changes).toBe(1);
      // A value of a row updated (without a key: a delete of the old row and an insert of the new).
      const upd = s.prepare(
        `UPDATE events SET score = 1234.5, payload = '{"edited": true}' WHERE rowid = (SELECT min(rowid) FROM events WHERE source = 'svc-3')`,
      );
      expect(upd.run().changes).toBe(1);
      // A duplicate of a row that was single.
      s.prepare(`INSERT INTO events SELECT * FROM events WHERE source = 'svc-4' ORDER BY rowid LIMIT 1`).run();
      // One copy of a row held three times deleted.
      expect(
        s.prepare(`DELETE FROM events WHERE rowid = (SELECT max(rowid) FROM events WHERE source = 'dup-3')`).run()
          .changes,
      ).toBe(1);
      s.prepare(`INSERT INTO items VALUES (500, 'new item', 1)`).run();
      s.prepare(`UPDATE items SET qty = 999 WHERE id = 10`).run();
      s.prepare(`DELETE FROM items WHERE id = 20`).run();
    });

    const r = await sync(db);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const events = table(r.json, EVENTS);
    expect(events.compare, JSON.stringify(events.compare)).toMatchObject({
      path: 'fast',
      reason: null,
      noBaseline: null,
    });
    // Only the buckets the changed rows fall in are read again.
    expect(events.compare.segments.read).toBeGreaterThan(0);
    expect(events.compare.segments.read).toBeLessThanOrEqual(12);
    expect(events.compare.segments.read).toBeLessThan(events.compare.segments.total / 2);
    // 3 new rows, the updated row's new values, the added duplicate; 2 deleted rows, the updated row's old
    // values, one copy of the triplicate.
    expect(events.sync).toMatchObject({ inserted: 5, deleted: 4, updated: 0, extraLeft: 0, newlyRejected: 0 });
    const items = table(r.json, ITEMS);
    expect(items.compare).toMatchObject({ path: 'fast', reason: null });
    expect(items.sync).toMatchObject({ inserted: 1, updated: 1, deleted: 1 });
    expect(await baselines(db)).toEqual({ [EVENTS]: 'canonical', [ITEMS]: 'raw' });

    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
    const src = sourceEvents();
    expect(await targetEvents(db)).toEqual(src);
    expect(src.filter((x) => x.startsWith('["dup-3"'))).toHaveLength(2);
    expect(src.filter((x) => x.startsWith('["svc-4"')).length).toBeGreaterThan(0);

    // Nothing changed since: fast, no segment read, nothing written.
    const again = await sync(db);
    expect(again.code, again.stderr).toBe(0);
    expect(table(again.json, EVENTS).compare).toMatchObject({ path: 'fast', segments: { read: 0 } });
    expect(table(again.json, EVENTS).sync).toMatchObject({ inserted: 0, deleted: 0 });
  });

  it('someone else updates a keyless row in PostgreSQL: that table is compared in full, the reason said', async () => {
    const src = sourceEvents();
    const edited = await db.query(
      `UPDATE ${EVENTS} SET score = -1 WHERE ctid = (SELECT ctid FROM ${EVENTS} WHERE source = 'svc-5' ORDER BY level, score LIMIT 1)`,
    );
    expect(edited.rowCount).toBe(1);

    const r = await sync(db);
    const events = table(r.json, EVENTS);
    expect(events.compare.path).toBe('full');
    expect(events.compare.reason).toMatch(/target changed/);
    // Without a key, the edited row is a row sqlite2pg did not write with no source row: it is left and
    // reported (exit 1, as verify would); the source's row is inserted again.
    expect(r.code, r.stderr).toBe(1);
    expect(events.sync).toMatchObject({ inserted: 1, deleted: 0, extraLeft: 1 });
    expect(events.compare.noBaseline).toMatch(/did not write/);
    expect(table(r.json, ITEMS).compare.path).toBe('fast');

    // The foreign row removed, a sync in full (no baseline) settles the table and keeps one; the next is fast.
    await db.query(`DELETE FROM ${EVENTS} WHERE score = -1`);
    const settled = await sync(db);
    expect(settled.code, settled.stderr).toBe(0);
    expect(table(settled.json, EVENTS).compare).toMatchObject({
      path: 'full',
      reason: expect.stringMatching(/no baseline/),
      noBaseline: null,
    });
    expect(await targetEvents(db)).toEqual(src);

    // A delete by someone else also shows (the row count drops): full, and the row comes back.
    await db.query(`DELETE FROM ${EVENTS} WHERE ctid = (SELECT ctid FROM ${EVENTS} WHERE source = 'dup-2' LIMIT 1)`);
    const back = await sync(db);
    expect(back.code, back.stderr).toBe(0);
    expect(table(back.json, EVENTS).compare).toMatchObject({
      path: 'full',
      reason: expect.stringMatching(/target changed/),
    });
    expect(table(back.json, EVENTS).sync).toMatchObject({ inserted: 1, deleted: 0 });

    const last = await sync(db);
    expect(last.code, last.stderr).toBe(0);
    expect(table(last.json, EVENTS).compare).toMatchObject({ path: 'fast', segments: { read: 0 } });
    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
    expect(await targetEvents(db)).toEqual(src);
  });

  it('a keyless row becoming invalid is rejected and removed on the fast path, and loaded again once fixed', async () => {
    const rowid = write(
      (s) => (s.prepare(`SELECT min(rowid) AS r FROM events WHERE source = 'svc-6'`).get() as { r: number }).r,
    );
    write((s) => s.prepare(`UPDATE events SET payload = '{not json' WHERE rowid = ?`).run(rowid));
    const bad = await sync(db);
    expect(bad.code, bad.stderr + bad.stdout).toBe(0);
    const events = table(bad.json, EVENTS);
    expect(events.compare).toMatchObject({ path: 'fast', reason: null });
    expect(events.sync).toMatchObject({ newlyRejected: 1, deleted: 1, inserted: 0 });
    const rejects = await db.query(
      'SELECT source_rowid, reason_code FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2',
      [bad.json.runId, EVENTS],
    );
    expect(rejects.rows.map((r) => r.source_rowid)).toEqual([String(rowid)]);
    const v = await verify(db);
    expect(v.code, mismatches(v.json)).toBe(0);
    expect(await targetEvents(db)).toEqual(sourceEvents());

    write((s) => s.prepare(`UPDATE events SET payload = '{"fixed": true}' WHERE rowid = ?`).run(rowid));
    const fixed = await sync(db);
    expect(fixed.code, fixed.stderr + fixed.stdout).toBe(0);
    expect(table(fixed.json, EVENTS).compare).toMatchObject({ path: 'fast', reason: null });
    // The fixed row is loaded once: its changed bucket names it (`rowid N`) and so does the earlier reject.
    const v2 = await verify(db);
    expect(v2.code, mismatches(v2.json)).toBe(0);
    expect(await targetEvents(db)).toEqual(sourceEvents());
    expect(table(fixed.json, EVENTS).sync).toMatchObject({ reloaded: 1, newlyRejected: 0, stillRejected: 0 });
    const none = await db.query(
      'SELECT count(*)::int AS n FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2',
      [fixed.json.runId, EVENTS],
    );
    expect(none.rows[0].n).toBe(0);
  });
});
