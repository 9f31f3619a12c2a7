// The inventory reader: every object of a SQLite file's schema, each of the right kind — virtual tables and
// the shadow tables they keep their data in told apart from ordinary tables, partial and expression
// indexes flagged, foreign keys named as `init` names them — and what the plan makes of each.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { moduleOf, readInventory } from '../../src/extract/inventory.js';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { openSource } from '../../src/extract/open-source.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('s2p-inventory-unit-');

let n = 0;
function file(sql: string, after?: (db: Database.Database) => void): string {
  const f = path.join(dir, `f${++n}.db`);
  const db = new Database(f);
  db.exec(sql);
  after?.(db);
  db.close();
  return f;
}

function inventoryOf(f: string) {
  const db = new Database(f, { readonly: true });
  try {
    return readInventory(db);
  } finally {
    db.close();
  }
}

const line = (o: { kind: string; name: string; table?: string }) =>
  `${o.kind} ${o.name}${o.table ? ` @${o.table}` : ''}`;

describe('readInventory', () => {
  it('lists tables with their indexes and foreign keys, SQLite’s own tables, then views and triggers', () => {
    const f = file(`
      CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT UNIQUE);
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid INTEGER, a TEXT, b TEXT, FOREIGN KEY (pid, a) REFERENCES p (id, code));
      CREATE UNIQUE INDEX c_a_live ON c (a) WHERE b IS NOT NULL;
      CREATE INDEX c_lower ON c (lower(a), b);
      CREATE INDEX c_b ON c (b);
      CREATE VIEW v AS SELECT * FROM c;
      CREATE TRIGGER tr AFTER INSERT ON c BEGIN SELECT 1; END;
      INSERT INTO p (code) VALUES ('x'); ANALYZE;`);
    const inv = inventoryOf(f);
    expect(inv.map(line)).toEqual([
      'table p',
      'index sqlite_autoindex_p_1 @p',
      'internal table sqlite_sequence',
      'table c',
      'index c_a_live @c',
      'index c_lower @c',
      'index c_b @c',
      'foreign key (pid, a) → p @c',
      'internal table sqlite_stat1',
      ...inv.filter((o) => o.name === 'sqlite_stat4').map(line),
      'view v',
      'trigger tr @c',
    ]);
    const by = new Map(inv.map((o) => [o.name, o]));
    expect(by.get('sqlite_autoindex_p_1')).toMatchObject({
      origin: 'u',
      unique: true,
      partial: false,
      columns: ['code'],
    });
    expect(by.get('c_a_live')).toMatchObject({
      origin: 'c',
      unique: true,
      partial: true,
      columns: ['a'],
      sql: expect.stringMatching(/WHERE b IS NOT NULL/),
    });
    expect(by.get('c_lower')).toMatchObject({ partial: false, columns: [null, 'b'] });
    expect(by.get('(pid, a) → p')).toMatchObject({
      kind: 'foreign key',
      columns: ['pid', 'a'],
      references: { table: 'p', columns: ['id', 'code'] },
    });
  });

  it('tells virtual tables and their shadow tables apart from ordinary tables', () => {
    const f = file(`CREATE VIRTUAL TABLE docs USING fts5(body); CREATE VIRTUAL TABLE box USING rtree(id, x0, x1);
      CREATE TABLE docs_notes (a); INSERT INTO docs VALUES ('hello');`);
    const inv = inventoryOf(f);
    expect(inv.filter((o) => o.kind === 'virtual table').map((o) => `${o.name}:${o.module}`)).toEqual([
      'docs:fts5',
      'box:rtree',
    ]);
    expect(
      inv
        .filter((o) => o.kind === 'shadow table')
        .map((o) => `${o.name}@${o.table}`)
        .sort(),
    ).toEqual([
      'box_node@box',
      'box_parent@box',
      'box_rowid@box',
      'docs_config@docs',
      'docs_content@docs',
      'docs_data@docs',
      'docs_docsize@docs',
      'docs_idx@docs',
    ]);
    expect(inv.find((o) => o.name === 'docs_notes')?.kind).toBe('table');
  });

  it('reads a virtual table whose module is not available, and guesses its shadow tables by name only', () => {
    const f = file(
      "CREATE TABLE ghost_data (id INTEGER PRIMARY KEY, block BLOB); INSERT INTO ghost_data VALUES (1, x'00')",
      (db) => {
        db.unsafeMode(true);
        db.pragma('writable_schema = ON');
        db.prepare(
          "INSERT INTO sqlite_schema (type, name, tbl_name, rootpage, sql) VALUES ('table', 'ghost', 'ghost', 0, 'CREATE VIRTUAL TABLE ghost USING nosuchmod(a)')",
        ).run();
      },
    );
    const by = new Map(inventoryOf(f).map((o) => [o.name, o]));
    expect(by.get('ghost')).toMatchObject({ kind: 'virtual table', module: 'nosuchmod' });
    expect(by.get('ghost_data')).toMatchObject({ kind: 'shadow table', table: 'ghost', guessed: true });
  });

  it('reads the module of CREATE VIRTUAL TABLE text', () => {
    expect(moduleOf('CREATE VIRTUAL TABLE x USING FTS5(a, b)')).toBe('fts5');
    expect(moduleOf('create virtual table "x y" using "rtree" (id, a, b)')).toBe('rtree');
  });
});

describe('the plan accounts for every object', () => {
  function plan(f: string, source: Record<string, unknown>) {
    const mapping = validateMapping(
      { version: 1, name: 't', sources: [{ file: path.basename(f), schema: 's', ...source }] },
      'm.json',
    );
    const src = openSource(path.basename(f), f, { quickCheck: true, busyTimeoutMs: 100 });
    try {
      return new Map(
        buildRunPlan({ mapping, origin: 'm.json', hash: 'h' }, dir, new Map([[path.basename(f), src]])).inventory!.map(
          (e) => [e.name, e],
        ),
      );
    } finally {
      src.close();
    }
  }
  const col = (name: string, type = 'text') => ({ name, type, from: name });

  it('a virtual table holding rows is not accounted for unless skipped; its shadow tables lose nothing', () => {
    const f = file(`CREATE VIRTUAL TABLE docs USING fts5(body); INSERT INTO docs VALUES ('a'), ('b');
      CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT); CREATE UNIQUE INDEX t_a ON t (a); CREATE INDEX t_ab ON t (a, b) WHERE b > '';`);
    const tables = [
      {
        source: 't',
        target: 't',
        primaryKey: ['id'],
        unique: [{ name: 't_a_key', columns: ['a'] }],
        columns: [col('id', 'bigint'), col('a'), col('b')],
      },
    ];
    const forgot = plan(f, { tables });
    expect(forgot.get('docs')).toMatchObject({ kind: 'virtual table', fate: 'not accounted for', rows: 2 });
    expect(forgot.get('docs_data')).toMatchObject({
      kind: 'shadow table',
      fate: 'ignored',
      detail: expect.stringMatching(/^shadow table of virtual table docs/),
    });
    expect(forgot.get('t')).toMatchObject({ fate: 'loaded', target: 's.t' });
    expect(forgot.get('t_a')).toMatchObject({ fate: 'created', target: 's.t: unique t_a_key' });
    expect(forgot.get('t_ab')).toMatchObject({
      fate: 'not migrated',
      detail: expect.stringMatching(/^a partial index/),
    });
    const skipped = plan(f, { tables, skipTables: [{ table: 'docs', reason: 'search index, rebuilt in PostgreSQL' }] });
    expect(skipped.get('docs')).toMatchObject({
      fate: 'excluded',
      rows: 2,
      detail: 'search index, rebuilt in PostgreSQL',
    });
  });
});
