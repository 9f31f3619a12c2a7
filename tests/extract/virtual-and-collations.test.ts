// Reading a schema's collations and virtual-table modules from its SQL text: the parts init and the
// reader rely on to decide what is migrated and how (the e2e tests run whole files through).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { columnCollations, declaredCollations } from '../../src/extract/collations.js';
import { moduleOf, virtualTables } from '../../src/extract/virtual-tables.js';

describe('declaredCollations', () => {
  it("finds each column's COLLATE clause, whatever the quoting, ignoring commas inside parentheses and strings", () => {
    const sql = `CREATE TABLE t ("a b" TEXT COLLATE "unicase" NOT NULL, [c] VARCHAR(10, 2) DEFAULT 'x,y' COLLATE nocase,
      d TEXT, e COLLATE RTRIM, CHECK (d <> ','), PRIMARY KEY (a COLLATE binary))`;
    expect(Object.fromEntries(declaredCollations(sql))).toEqual({
      'a b': 'unicase',
      c: 'nocase',
      e: 'RTRIM',
      primary: 'binary',
    });
  });

  it('tells the collations the reader has from those it lacks, BINARY left out', () => {
    const db = new Database(':memory:');
    const found = columnCollations(
      db,
      'CREATE TABLE t (a TEXT COLLATE unicase, b TEXT COLLATE NOCASE, c TEXT COLLATE BINARY)',
    );
    expect(Object.fromEntries(found)).toEqual({
      a: { name: 'unicase', known: false },
      b: { name: 'NOCASE', known: true },
    });
    db.close();
  });
});

describe('virtualTables', () => {
  it('names the module, and migrates FTS and R*Tree but not external-content or contentless FTS or other modules', () => {
    expect(moduleOf('CREATE VIRTUAL TABLE x USING "fts5"(a)')).toBe('fts5');
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE src (id INTEGER PRIMARY KEY, a);
      CREATE VIRTUAL TABLE f5 USING fts5(a); CREATE VIRTUAL TABLE f4 USING fts4(a);
      CREATE VIRTUAL TABLE ext USING fts4(a, content="src"); CREATE VIRTUAL TABLE none USING fts5(a, content = '');
      CREATE VIRTUAL TABLE r USING rtree_i32(id, x0, x1); CREATE VIRTUAL TABLE s USING dbstat;`);
    const v = Object.fromEntries(virtualTables(db).map((t) => [t.name, t.excluded]));
    expect(v).toMatchObject({ f5: null, f4: null, r: null });
    expect(v.ext).toMatch(/external-content fts4 table: its rows are the content table's \(src\)/);
    expect(v.none).toMatch(/contentless fts5 table/);
    expect(v.s).toMatch(/module dbstat/);
    db.close();
  });
});
