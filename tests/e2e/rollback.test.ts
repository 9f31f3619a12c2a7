// sqlite2pg rollback: removes what a run loaded — its rows, and the tables and schemas it created when they
// hold nothing else — and never what it did not create: rows a dual-writing application wrote after the
// load, tables and schemas that were there before, later runs' loads. The SQLite sources are never written.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';
import { copyFixtures, fileStates, lockReleased, startPaused, targetSnapshot } from '../support/faults.js';

// The generated fixtures stay in `gen`; the runs read a copy of them, in `data`.
const fx = useFixtureTarget('s2p-rollback-', { dataFolder: 'gen', database: false });
let data: string;

beforeAll(() => {
  data = copyFixtures(fx.data, path.join(fx.dir, 'data'));
});

const migrate = (db: TestDatabase, ...extra: string[]) =>
  runCli(['migrate', '--source-dir', data, '--target', db.url, '--json', ...extra]);
const rollback = (db: TestDatabase, ...extra: string[]) => runCli(['rollback', '--target', db.url, '--json', ...extra]);
const count = async (db: TestDatabase, table: string) =>
  (await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
const exists = async (db: TestDatabase, name: string) =>
  (await db.query('SELECT to_regclass($1) IS NOT NULL AS ok', [name])).rows[0].ok as boolean;
const schemaExists = async (db: TestDatabase, name: string) =>
  (await db.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [name])).rows[0].n === 1;

describe('sqlite2pg rollback', () => {
  it("removes the run's rows and what it created, keeps what others wrote, and never writes the sources", async () => {
    const db = await fx.freshDb();
    const sourcesBefore = fileStates(data);
    // Before the run: a schema and a table of the application's own.
    await db.query(
      `CREATE SCHEMA rss; CREATE TABLE rss.app_cache (k text PRIMARY KEY, v text); INSERT INTO rss.app_cache VALUES ('a', '1'), ('b', '2')`,
    );
    const m = await migrate(db);
    expect(m.code, m.stderr).toBe(0);
    const loadedItems = m.json.tables.find(
      (t: { target: string }) => t.target === 'knowledge.knowledge_items',
    ).targetRows;
    // After the run, a dual-writing application: a new row, an updated loaded row, a table of its own.
    await db.query(
      `INSERT INTO knowledge.knowledge_items (content, source, knowledge_type) VALUES ('written by the app', 'app', 'fact')`,
    );
    await db.query(
      `UPDATE rss.fetch_items SET item_title = item_title || ' (edited by the app)' WHERE id = (SELECT min(id) FROM rss.fetch_items)`,
    );
    await db.query(`CREATE TABLE accuracy.app_notes (note text); INSERT INTO accuracy.app_notes VALUES ('mine')`);
    const appCache = await db.query('SELECT * FROM rss.app_cache ORDER BY k');

    const r = await rollback(db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.rolledBack).toBe(m.json.runId);
    const byTable = new Map<string, { action: string; removedRows: number; keptRows: number }>(
      r.json.tables.map((t: { table: string }) => [t.table, t]),
    );
    expect(byTable.get('knowledge.knowledge_items')).toMatchObject({
      action: 'rows removed',
      removedRows: loadedItems,
      keptRows: 1,
    });
    expect(byTable.get('rss.fetch_items')).toMatchObject({ action: 'rows removed', keptRows: 1 });
    expect(byTable.get('continuum.tier_metrics')).toMatchObject({ action: 'dropped' });
    // What the application wrote stays, with the tables and schemas holding it.
    expect((await db.query('SELECT content FROM knowledge.knowledge_items')).rows).toEqual([
      { content: 'written by the app' },
    ]);
    expect((await db.query('SELECT item_title FROM rss.fetch_items')).rows[0].item_title).toMatch(
      /\(edited by the app\)$/,
    );
    expect(await count(db, 'accuracy.app_notes')).toBe(1);
    expect((await db.query('SELECT * FROM rss.app_cache ORDER BY k')).rows).toEqual(appCache.rows);
    expect(await schemaExists(db, 'rss')).toBe(true); // not created by the run
    expect(await schemaExists(db, 'accuracy')).toBe(true); // holds the application's table
    // What the run created and only it used is gone.
    expect(await exists(db, 'continuum.tier_metrics')).toBe(false);
    expect(await exists(db, 'accuracy.accuracy_scores')).toBe(false);
    expect(await schemaExists(db, 'continuum')).toBe(false);
    expect(r.json.droppedSchemas).toEqual(['continuum']);
    // The ledger: the run marked rolled back, the rollback recorded, nothing left to roll back.
    const h = await runCli(['history', '--target', db.url, '--json']);
    expect(h.json.runs.slice(0, 2).map((x: { command: string; status: string }) => `${x.command} ${x.status}`)).toEqual(
      ['rollback ok', 'migrate rolled back'],
    );
    const again = await rollback(db);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no migrate run to roll back/);
    // A resume must not take the application's rows for its own.
    const resume = await migrate(db, '--mode', 'resume');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(
      /will not replace rows sqlite2pg did not load: knowledge\.knowledge_items \(1 rows written after/,
    );
    // The sources, -wal included, were never written.
    expect(fileStates(data)).toEqual(sourcesBefore);
  });

  it('a fully rolled-back target takes a fresh migrate again, whose closing verification passes', async () => {
    const db = await fx.freshDb();
    expect((await migrate(db)).code).toBe(0);
    const r = await rollback(db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.droppedSchemas.sort()).toEqual(['accuracy', 'continuum', 'knowledge', 'rss']);
    const again = await migrate(db); // ends with its own verification
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.status).toBe('ok');
  });

  it('refuses (exit 2, nothing changed) when rows written after the load reference rows it loaded', async () => {
    const db = await fx.freshDb();
    expect((await migrate(db)).code).toBe(0);
    // The application links two loaded items: its row would point at nothing once they are gone.
    await db.query(
      `INSERT INTO knowledge.knowledge_relationships (source_id, target_id, relationship_type) SELECT min(id), max(id), 'app' FROM knowledge.knowledge_items`,
    );
    const before = await targetSnapshot(db);
    const r = await rollback(db);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /rows written after run .* reference rows it loaded into knowledge\.knowledge_items .*nothing was rolled back/,
    );
    expect(await targetSnapshot(db)).toEqual(before);
  });

  it("--run of an older run leaves a later run's loads alone; the later run then rolls back on its own", async () => {
    const db = await fx.freshDb();
    const a = await migrate(db);
    const b = await migrate(db, '--mode', 'truncate');
    expect([a.code, b.code]).toEqual([0, 0]);
    const r = await rollback(db, '--run', a.json.runId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.tables.every((t: { action: string }) => t.action === 'superseded')).toBe(true);
    expect(r.json.droppedSchemas).toEqual([]);
    for (const t of b.json.tables) expect(await count(db, t.target), t.target).toBe(t.targetRows);
    const rb = await rollback(db);
    expect(rb.json.rolledBack).toBe(b.json.runId);
    // b did not create the tables (a did): emptied, they stay.
    expect(await count(db, 'knowledge.knowledge_items')).toBe(0);
    expect(await exists(db, 'knowledge.knowledge_items')).toBe(true);
    // Nothing holds the data now: verify says so, and a resume loads everything again.
    expect((await runCli(['verify', '--source-dir', data, '--target', db.url])).code).toBe(1);
    const again = await migrate(db, '--mode', 'resume');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json.tables.every((t: { keptFromRun: string | null }) => t.keptFromRun === null)).toBe(true);
  });

  it('rolls back an interrupted run (killed mid-load): the tables it committed are removed', async () => {
    const db = await fx.freshDb();
    const child = startPaused(
      ['migrate', '--source-dir', data, '--target', db.url, '--jobs', '1'],
      'committed:knowledge.knowledge_items',
    );
    await child.paused;
    child.kill();
    await child.done;
    await lockReleased(db);
    const r = await rollback(db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.tables.find((t: { table: string }) => t.table === 'knowledge.knowledge_items')).toMatchObject({
      action: 'dropped',
    });
    expect(r.json.droppedSchemas.sort()).toEqual(['accuracy', 'continuum', 'knowledge', 'rss']);
  });

  it('refuses what it cannot roll back: an unknown or malformed run id, a dry run', async () => {
    const db = await fx.freshDb();
    const dry = await migrate(db, '--dry-run');
    expect(dry.code).toBe(0);
    expect((await rollback(db)).stderr).toMatch(/no sqlite2pg ledger in this target|no migrate run to roll back/);
    expect((await migrate(db)).code).toBe(0);
    const bad = await rollback(db, '--run', 'not-a-uuid');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--run must be a run id/);
    const unknown = await rollback(db, '--run', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no run 00000000-0000-4000-8000-000000000000/);
  });
});
