// What init learns from a SQLite file's schema: columns, keys, rowid alias, AUTOINCREMENT, indexes,
// foreign keys, generated columns, WITHOUT ROWID and STRICT, views, triggers and virtual tables.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { describeFile } from '../../src/extract/describe-file.js';

function facts(sql: string) {
  const db = new Database(':memory:');
  db.exec(sql);
  try {
    return describeFile(db);
  } finally {
    db.close();
  }
}

describe('describeFile', () => {
  it('reads columns with declared type, affinity, NOT NULL, default and key position', () => {
    const f = facts(
      `CREATE TABLE "Order Items" ("Product Name" TEXT VARCHAR NOT NULL DEFAULT 'x', n NUMERIC(10,2), misc, b BLOB, PRIMARY KEY (n, "Product Name"))`,
    );
    const t = f.tables[0];
    expect(t.name).toBe('Order Items');
    expect(t.columns).toEqual([
      {
        name: 'Product Name',
        declaredType: 'TEXT VARCHAR',
        affinity: 'TEXT',
        notNull: true,
        defaultSql: "'x'",
        pk: 2,
        generated: 'no',
      },
      {
        name: 'n',
        declaredType: 'NUMERIC(10,2)',
        affinity: 'NUMERIC',
        notNull: false,
        defaultSql: null,
        pk: 1,
        generated: 'no',
      },
      { name: 'misc', declaredType: '', affinity: 'BLOB', notNull: false, defaultSql: null, pk: 0, generated: 'no' },
      { name: 'b', declaredType: 'BLOB', affinity: 'BLOB', notNull: false, defaultSql: null, pk: 0, generated: 'no' },
    ]);
    expect(t.rowidAlias).toBeNull();
    expect(t.withoutRowid).toBe(false);
  });

  it('tells the rowid alias from INTEGER PRIMARY KEY DESC and INT PRIMARY KEY, and finds AUTOINCREMENT', () => {
    const f = facts(`
      CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x);
      CREATE TABLE b (id INTEGER PRIMARY KEY DESC, x);
      CREATE TABLE c (id INT PRIMARY KEY, x);
      CREATE TABLE d (id integer primary key, x);
      CREATE TABLE w (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
      CREATE TABLE s (a INT, b ANY) STRICT;`);
    const by = Object.fromEntries(f.tables.map((t) => [t.name, t]));
    expect([by.a.rowidAlias, by.a.autoincrement]).toEqual(['id', true]);
    expect([by.b.rowidAlias, by.c.rowidAlias, by.d.rowidAlias]).toEqual([null, null, 'id']);
    expect(by.d.autoincrement).toBe(false);
    expect([by.w.withoutRowid, by.w.rowidAlias]).toEqual([true, null]);
    expect(by.s.strict).toBe(true);
  });

  it('reads indexes in creation order: plain, unique, partial, on expressions; constraint indexes by origin', () => {
    const f = facts(`
      CREATE TABLE t (a, b UNIQUE, c, PRIMARY KEY (a, c));
      CREATE INDEX ix_c ON t (c);
      CREATE UNIQUE INDEX ux_ac ON t (a, c DESC);
      CREATE INDEX ix_part ON t (a) WHERE a > 0;
      CREATE INDEX ix_expr ON t (lower(b), c);`);
    const ix = f.tables[0].indexes.map((i) => ({
      name: i.name,
      unique: i.unique,
      origin: i.origin,
      partial: i.partial,
      columns: i.columns,
    }));
    expect(ix).toEqual([
      { name: 'sqlite_autoindex_t_1', unique: true, origin: 'u', partial: false, columns: ['b'] },
      { name: 'sqlite_autoindex_t_2', unique: true, origin: 'pk', partial: false, columns: ['a', 'c'] },
      { name: 'ix_c', unique: false, origin: 'c', partial: false, columns: ['c'] },
      { name: 'ux_ac', unique: true, origin: 'c', partial: false, columns: ['a', 'c'] },
      { name: 'ix_part', unique: false, origin: 'c', partial: true, columns: ['a'] },
      { name: 'ix_expr', unique: false, origin: 'c', partial: false, columns: [null, 'c'] },
    ]);
    expect(f.tables[0].indexes.find((i) => i.name === 'ix_part')!.sql).toMatch(/WHERE a > 0/);
  });

  it('reads foreign keys in written order, composite ones whole, with actions and implicit parent columns', () => {
    const f = facts(`
      CREATE TABLE p (id INTEGER PRIMARY KEY, u INT, v INT, UNIQUE (u, v));
      CREATE TABLE c (id INTEGER PRIMARY KEY, pid REFERENCES p ON DELETE CASCADE, x INT, y INT, self INT REFERENCES c(id),
                      FOREIGN KEY (x, y) REFERENCES p (u, v) ON UPDATE SET NULL);`);
    const c = f.tables.find((t) => t.name === 'c')!;
    expect(c.foreignKeys).toEqual([
      { parent: 'p', columns: ['pid'], parentColumns: [null], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
      { parent: 'c', columns: ['self'], parentColumns: ['id'], onDelete: 'NO ACTION', onUpdate: 'NO ACTION' },
      { parent: 'p', columns: ['x', 'y'], parentColumns: ['u', 'v'], onDelete: 'NO ACTION', onUpdate: 'SET NULL' },
    ]);
  });

  it('sees generated columns; takes FTS tables as tables of their columns; lists views, triggers, other virtual tables and shadow tables as other objects', () => {
    const f = facts(`
      CREATE TABLE t (a INT, g INT GENERATED ALWAYS AS (a * 2) VIRTUAL, s TEXT AS (a || 'x') STORED);
      CREATE VIEW v AS SELECT a FROM t;
      CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;
      CREATE VIRTUAL TABLE ft USING fts5(body);
      CREATE VIRTUAL TABLE fx USING fts5(a, content='t');
      CREATE VIRTUAL TABLE st USING dbstat;`);
    expect(f.tables.map((t) => t.name)).toEqual(['t', 'ft']);
    expect(f.tables[0].columns.map((c) => [c.name, c.generated])).toEqual([
      ['a', 'no'],
      ['g', 'virtual'],
      ['s', 'stored'],
    ]);
    expect(f.tables[1]).toMatchObject({ virtualModule: 'fts5', rowidAlias: null, columns: [{ name: 'body' }] });
    expect(f.others.map((o) => [o.kind, o.name, o.table ?? null])).toEqual([
      ['view', 'v', null],
      ['trigger', 'tr', 't'],
      ['virtual table', 'fx', null],
      ['virtual table', 'st', null],
      ['table', 'ft_data', null],
      ['table', 'ft_idx', null],
      ['table', 'ft_content', null],
      ['table', 'ft_docsize', null],
      ['table', 'ft_config', null],
      ['table', 'fx_data', null],
      ['table', 'fx_idx', null],
      ['table', 'fx_docsize', null],
      ['table', 'fx_config', null],
    ]);
    expect(f.others[2].reason).toMatch(/external-content fts5 table: its rows are the content table's \(t\)/);
    expect(f.others[3].reason).toMatch(/module dbstat: its rows are computed or kept by the module/);
    expect(f.others[0].sql).toBe('CREATE VIEW v AS SELECT a FROM t');
  });

  it("leaves SQLite's own tables out", () => {
    const f = facts(`CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO t DEFAULT VALUES; ANALYZE;`);
    expect(f.tables.map((t) => t.name)).toEqual(['t']);
  });
});
