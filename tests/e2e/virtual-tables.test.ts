// Virtual tables end to end: an FTS5-only file, FTS4 and R*Tree tables, an external-content FTS table and
// a module the reader lacks go through init, migrate and verify; every row and value is checked in PostgreSQL.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { initMigrateVerify, python3, runPython, type InitRun } from '../support/init-run.js';

const fx = useFixtureTarget('s2p-vtab-', { fixtures: false });

const notMigrated = (r: InitRun) =>
  Object.fromEntries((r.mapping.sources[0].notMigrated ?? []).map((n) => [`${n.kind} ${n.name}`, n.reason]));

describe('a file whose only table is an FTS5 table', () => {
  let r: InitRun;
  beforeAll(async () => {
    const d = new Database(path.join(fx.dir, 'notes.db'));
    d.exec('CREATE VIRTUAL TABLE notes USING fts5(title, body)');
    const ins = d.prepare('INSERT INTO notes (rowid, title, body) VALUES (?, ?, ?)');
    for (let i = 0; i < 174; i++)
      ins.run(BigInt(i * 3 + 1), `title ${i}`, i === 5 ? null : `body of document ${i} — é`);
    d.close();
    r = await initMigrateVerify(fx.dir, 'notes.db', fx.db.url);
  });

  it('init maps it as a table of its columns keyed by the rowid, and lists its shadow tables as not migrated', () => {
    expect(r.init.stdout).toMatch(/notes → notes: 174 rows, 3 columns, key \(sqlite_rowid\)/);
    const t = r.mapping.sources[0].tables[0];
    expect(t.columns.map((c) => [c.name, c.type])).toEqual([
      ['sqlite_rowid', 'bigint'],
      ['title', 'text'],
      ['body', 'text'],
    ]);
    expect(t.note).toMatch(/full-text \(fts5\) virtual table/);
    expect(Object.keys(notMigrated(r))).toEqual([
      'table notes_data',
      'table notes_idx',
      'table notes_content',
      'table notes_docsize',
      'table notes_config',
    ]);
    expect(notMigrated(r)['table notes_content']).toMatch(/shadow table of the fts5 table notes.*migrated as notes/);
  });

  it('migrate and verify exit 0 with every row, and the values are the source values', async () => {
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    expect(r.migrate.json.tables[0]).toMatchObject({ sourceRows: 174, targetRows: 174, rejectedRows: 0 });
    expect(r.verify.code, r.verify.stderr).toBe(0);
    const rows = (
      await fx.db.query('SELECT sqlite_rowid::text AS id, title, body FROM notes.notes ORDER BY sqlite_rowid')
    ).rows;
    expect(rows).toHaveLength(174);
    expect(rows[0]).toEqual({ id: '1', title: 'title 0', body: 'body of document 0 — é' });
    expect(rows[5]).toEqual({ id: '16', title: 'title 5', body: null });
    expect(rows[173]).toEqual({ id: '520', title: 'title 173', body: 'body of document 173 — é' });
  });
});

describe('FTS4, R*Tree, external-content FTS and a module the reader lacks, beside an ordinary table', () => {
  let r: InitRun;
  beforeAll(async () => {
    const file = path.join(fx.dir, 'mixed.db');
    const d = new Database(file);
    d.exec(`CREATE TABLE articles (id INTEGER PRIMARY KEY, body TEXT);
      CREATE VIRTUAL TABLE articles_fts USING fts5(body, content='articles', content_rowid='id');
      CREATE VIRTUAL TABLE old_fts USING fts4(a TEXT, b);
      CREATE VIRTUAL TABLE boxes USING rtree(id, minx, maxx, miny, maxy, +label);
      INSERT INTO articles VALUES (1, 'hello world'), (2, 'second');
      INSERT INTO articles_fts (rowid, body) VALUES (1, 'hello world'), (2, 'second');
      INSERT INTO old_fts (docid, a, b) VALUES (7, 'x', 3), (9, 'y', NULL);
      INSERT INTO boxes VALUES (1, 0.1, 0.2, -3, 4, 'a'), (5, 1, 2, 3, 4, NULL);`);
    d.close();
    // A vector table of an extension module (vec0) the reader lacks: its schema entry, written as the extension would.
    if (python3()) {
      runPython(
        `import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA writable_schema=ON')
db.execute("INSERT INTO sqlite_schema(type, name, tbl_name, rootpage, sql) VALUES ('table', 'vec', 'vec', 0, 'CREATE VIRTUAL TABLE vec USING vec0(embedding float[4])')")
db.commit()`,
        file,
      );
    }
    r = await initMigrateVerify(fx.dir, 'mixed.db', fx.db.url);
  });

  it('init maps FTS4 and R*Tree tables, and excludes external-content FTS and the unknown module with the reason', () => {
    const tables = Object.fromEntries(r.mapping.sources[0].tables.map((t) => [t.source, t]));
    expect(Object.keys(tables)).toEqual(['articles', 'old_fts', 'boxes']);
    expect(tables.boxes.primaryKey).toEqual(['id']);
    expect(tables.boxes.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint'],
      ['minx', 'double precision'],
      ['maxx', 'double precision'],
      ['miny', 'double precision'],
      ['maxy', 'double precision'],
      ['label', 'text'],
    ]);
    expect(tables.old_fts.primaryKey).toEqual(['sqlite_rowid']);
    const nm = notMigrated(r);
    expect(nm['virtual table articles_fts']).toMatch(
      /external-content fts5 table: its rows are the content table's \(articles\)/,
    );
    expect(nm['table boxes_node']).toMatch(/shadow table of the rtree table boxes/);
    expect(nm['table old_fts_segdir']).toMatch(/shadow table of the fts4 table old_fts/);
    if (python3()) {
      expect(nm['virtual table vec']).toMatch(/module vec0, which this reader lacks .*no such module: vec0/);
      expect(r.init.stdout).toMatch(/not migrated: .*virtual table vec/);
      expect(r.init.stderr).toMatch(
        /warning: mixed\.db:vec: virtual table not migrated: a virtual table of module vec0, which this reader lacks/,
      );
    }
  });

  it('migrate and verify exit 0; the R*Tree keeps its ids and the 32-bit coordinates SQLite stored', async () => {
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    expect(r.verify.code, r.verify.stderr).toBe(0);
    const src = new Database(path.join(fx.dir, 'mixed.db'), { readonly: true });
    const stored = src
      .prepare('SELECT CAST(id AS TEXT) AS id, minx, maxx, miny, maxy, label FROM boxes ORDER BY id')
      .all();
    src.close();
    // R*Tree keeps 32-bit floats, rounded outwards: 0.1 is stored as 0.09999998658895493.
    expect(stored[0]).toMatchObject({ minx: 0.09999998658895493, maxx: 0.20000000298023224 });
    expect(
      (await fx.db.query('SELECT id::text, minx, maxx, miny, maxy, label FROM mixed.boxes ORDER BY id')).rows,
    ).toEqual(stored);
    expect((await fx.db.query('SELECT sqlite_rowid::text AS id, a, b FROM mixed.old_fts ORDER BY 1')).rows).toEqual([
      { id: '7', a: 'x', b: '3' },
      { id: '9', a: 'y', b: null },
    ]);
    expect((await fx.db.query('SELECT id::text, body FROM mixed.articles ORDER BY id')).rows).toEqual([
      { id: '1', body: 'hello world' },
      { id: '2', body: 'second' },
    ]);
  });
});

describe('init --fts: PostgreSQL full-text search for a migrated FTS table', () => {
  let r: InitRun;
  beforeAll(async () => {
    const d = new Database(path.join(fx.dir, 'searchable.db'));
    d.exec(`CREATE VIRTUAL TABLE pages USING fts5(title, body);
      INSERT INTO pages (rowid, title, body) VALUES (1, 'Running shoes', 'light and fast'), (2, 'Cooking', NULL), (3, NULL, 'runners run daily');`);
    d.close();
    r = await initMigrateVerify(fx.dir, 'searchable.db', fx.db.url, ['--fts', 'english']);
  });

  it('adds a generated tsvector column and a GIN index; migrate and verify exit 0 and the column answers searches', async () => {
    expect(r.mapping.sources[0].tables[0].fullText).toEqual({
      column: 'search',
      columns: ['title', 'body'],
      language: 'english',
      index: 'pages_search_idx',
    });
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    expect(r.verify.code, r.verify.stderr).toBe(0);
    const hits = await fx.db.query(
      "SELECT sqlite_rowid::int AS id FROM searchable.pages WHERE search @@ to_tsquery('english', 'run') ORDER BY 1",
    );
    expect(hits.rows).toEqual([{ id: 1 }, { id: 3 }]);
    const ix = await fx.db.query(
      "SELECT indexdef FROM pg_indexes WHERE schemaname = 'searchable' AND indexname = 'pages_search_idx'",
    );
    expect(ix.rows[0].indexdef).toMatch(/USING gin \(search\)/);
  });
});
