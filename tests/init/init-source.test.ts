// init on one file: keys (rowid alias, declared, rowid kept as a column), constraints, foreign keys kept
// or left out with the reason, names under each policy, not-migrated objects, and a mapping that plans.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initSource } from '../../src/init/init-source.js';
import { formatMapping } from '../../src/mapping/format-mapping.js';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { openSource } from '../../src/extract/open-source.js';
import type { IdentifierPolicy } from '../../src/init/identifiers.js';
import type { Mapping } from '../../src/model/mapping-types.js';
import { tempDir } from '../support/temp-dir.js';

function draft(sql: string, policy: IdentifierPolicy = 'keep', fill?: (db: Database.Database) => void) {
  const dir = tempDir('s2p-init-');
  const file = path.join(dir, 'app.db');
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  db.exec(sql);
  fill?.(db);
  db.close();
  const src = openSource('app.db', file, { quickCheck: true, busyTimeoutMs: 100 });
  try {
    const d = initSource('app.db', src.db, 'app', policy);
    const mapping: Mapping = { version: 1, name: 'app', schemaVersion: 1, sources: [d.source] };
    // Whatever init writes must read back through the validator and plan against the same file.
    const valid = validateMapping(JSON.parse(formatMapping(mapping)), 'init.json');
    const plan = buildRunPlan({ mapping: valid, origin: 'init.json', hash: 'h' }, dir, new Map([['app.db', src]]));
    return { ...d, mapping, plan, table: (name: string) => d.source.tables.find((t) => t.source === name)! };
  } finally {
    src.close();
  }
}

describe('keys', () => {
  it('keys a table by its rowid alias, a bigserial', () => {
    const d = draft('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT)');
    expect(d.table('t').primaryKey).toEqual(['id']);
    expect(d.table('t').columns[0]).toMatchObject({
      name: 'id',
      type: 'bigint',
      from: 'id',
      serial: true,
      nullable: false,
    });
    expect(d.table('t').columns[0].note).toMatch(/AUTOINCREMENT: the sequence also starts past sqlite_sequence/);
  });

  it('keeps the rowid as a column when no key is declared, around columns that shadow its names', () => {
    const plain = draft('CREATE TABLE t (a, b)').table('t');
    expect(plain.primaryKey).toEqual(['sqlite_rowid']);
    expect(plain.columns[0]).toMatchObject({ name: 'sqlite_rowid', type: 'bigint', expr: 'rowid', nullable: false });
    const shadowed = draft('CREATE TABLE t (rowid TEXT, sqlite_rowid INT)').table('t');
    expect(shadowed.columns[0]).toMatchObject({ name: 'sqlite_rowid_2', expr: '_rowid_' });
    expect(shadowed.primaryKey).toEqual(['sqlite_rowid_2']);
  });

  it('keeps a declared key holding NULLs (legal in a rowid table) as UNIQUE, keyed by the rowid', () => {
    const d = draft('CREATE TABLE t (code TEXT PRIMARY KEY, v)', 'keep', (db) =>
      db.exec("INSERT INTO t VALUES (NULL, 1), (NULL, 2), ('a', 3)"),
    );
    const t = d.table('t');
    expect(t.primaryKey).toEqual(['sqlite_rowid']);
    expect(t.unique).toEqual([{ name: 't_code_key', columns: ['code'] }]);
    expect(t.note).toMatch(/declared primary key \(code\) is kept as a UNIQUE constraint/);
    expect(t.columns[0].reason).toMatch(/holds NULL in 2 rows/);
  });

  it('keys a WITHOUT ROWID table by its composite primary key, NOT NULL', () => {
    const t = draft('CREATE TABLE t (a TEXT, b INT, v, PRIMARY KEY (b, a)) WITHOUT ROWID').table('t');
    expect(t.primaryKey).toEqual(['b', 'a']);
    expect(t.columns.filter((c) => c.nullable === false).map((c) => c.name)).toEqual(['a', 'b']);
    expect(t.note).toMatch(/WITHOUT ROWID/);
  });

  it('does not make an index of values too long for a PostgreSQL B-tree', () => {
    const d = draft(
      'CREATE TABLE t (k TEXT PRIMARY KEY, body TEXT UNIQUE); CREATE INDEX ix_body ON t (body)',
      'keep',
      (db) => db.prepare('INSERT INTO t VALUES (?, ?)').run('k'.repeat(3000), 'b'.repeat(3000)),
    );
    const t = d.table('t');
    expect(t.primaryKey).toEqual(['sqlite_rowid']);
    expect(t.unique).toBeUndefined();
    expect(t.indexes).toBeUndefined();
    expect(d.source.notMigrated!.map((n) => [n.kind, n.name])).toEqual([
      ['unique constraint', 'sqlite_autoindex_t_2'],
      ['index', 'ix_body'],
    ]);
  });
});

describe('constraints and foreign keys', () => {
  const schema = `
    CREATE TABLE customers (code TEXT PRIMARY KEY NOT NULL, email TEXT UNIQUE, name TEXT);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT REFERENCES customers ON DELETE CASCADE, ref INT REFERENCES customers(code),
                         parent INTEGER REFERENCES orders(id), ghost INT REFERENCES nowhere(id), email TEXT REFERENCES customers(email));
    CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INT REFERENCES b(id));
    CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id));
    CREATE UNIQUE INDEX orders_ref ON orders (ref, customer);
    CREATE INDEX orders_customer ON orders (customer);
    CREATE INDEX orders_lower ON orders (lower(customer));`;
  const d = draft(schema, 'keep', (db) =>
    db.exec(
      "INSERT INTO customers VALUES ('c1', 'x@y', 'X'); INSERT INTO orders (id, customer) VALUES (1, 'c1'), (2, 'nobody')",
    ),
  );

  it('re-creates foreign keys PostgreSQL can hold, implicit parent columns resolved, actions kept', () => {
    expect(d.table('orders').foreignKeys).toEqual([
      {
        name: 'orders_customer_fkey',
        columns: ['customer'],
        references: 'app.customers',
        referencedColumns: ['code'],
        onDelete: 'CASCADE',
      },
      // ref INT under a text key: the column is made text, so the key is kept (widenToText).
      { name: 'orders_ref_fkey', columns: ['ref'], references: 'app.customers', referencedColumns: ['code'] },
      { name: 'orders_parent_fkey', columns: ['parent'], references: 'app.orders', referencedColumns: ['id'] },
      { name: 'orders_email_fkey', columns: ['email'], references: 'app.customers', referencedColumns: ['email'] },
    ]);
    expect(d.table('a').foreignKeys).toHaveLength(1);
    // The key closing the cycle a → b → a is kept: the plan adds it after the load.
    expect(d.table('b').foreignKeys).toEqual([expect.objectContaining({ columns: ['a_id'], references: 'app.a' })]);
    expect(d.plan.tables.find((t) => t.target.table === 'b')!.foreignKeys.map((fk) => fk.deferred ?? false)).toEqual([
      true,
    ]);
    expect(d.plan.tables.find((t) => t.target.table === 'a')!.foreignKeys.map((fk) => fk.deferred ?? false)).toEqual([
      false,
    ]);
  });

  it('lists the others as not migrated, each with its reason', () => {
    const fks = d.source.notMigrated!.filter((n) => n.kind === 'foreign key').map((n) => `${n.name}: ${n.reason}`);
    expect(fks).toEqual([
      '(ghost) → nowhere: not re-created: it references nowhere, which is not a table of this file',
    ]);
  });

  it('keeps a foreign key whose referencing column stores numbers under a text key: the column becomes text', () => {
    const d = draft(
      `CREATE TABLE unit (auth TEXT NOT NULL, code INTEGER_OR_TEXT NOT NULL, PRIMARY KEY (auth, code));
       CREATE TABLE usage (id INTEGER PRIMARY KEY, auth TEXT, code INTEGER_OR_TEXT, FOREIGN KEY (auth, code) REFERENCES unit (auth, code))`,
      'keep',
      (db) =>
        db.exec(
          `INSERT INTO unit VALUES ('EPSG', 9001), ('EPSG', 'x'); INSERT INTO usage VALUES (1, 'EPSG', 9001), (2, 'EPSG', 9001)`,
        ),
    );
    expect(d.table('unit').columns.find((c) => c.name === 'code')!.type).toBe('text');
    const code = d.table('usage').columns.find((c) => c.name === 'code')!;
    expect(code.type).toBe('text');
    expect(code.reason).toMatch(/text, not bigint: it references unit\.code, which is text/);
    expect(d.table('usage').foreignKeys).toEqual([
      expect.objectContaining({ columns: ['auth', 'code'], references: 'app.unit' }),
    ]);
  });

  it('warns about rows that point at no parent row', () => {
    expect(d.warnings).toContain(
      'orders: foreign key (customer) → customers: 1 rows point at no row of customers (SQLite enforces foreign keys only with PRAGMA foreign_keys=ON) and will be rejected; remove the foreign key from the mapping to load them',
    );
  });

  it('carries UNIQUE constraints, plain indexes and indexes on expressions (translated)', () => {
    expect(d.table('customers').unique).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
    expect(d.table('orders').unique).toEqual([{ name: 'orders_ref', columns: ['ref', 'customer'] }]);
    expect(d.table('orders').indexes).toEqual([
      { name: 'orders_customer', columns: ['customer'] },
      { name: 'orders_lower', expressions: ['lower("customer")'] },
    ]);
    expect(d.source.notMigrated?.find((n) => n.name === 'orders_lower')).toBeUndefined();
  });

  it('plans parents before children', () => {
    expect(d.plan.tables.map((t) => t.target.table).indexOf('customers')).toBeLessThan(
      d.plan.tables.map((t) => t.target.table).indexOf('orders'),
    );
  });
});

describe('names, columns and what is not migrated', () => {
  it('applies the identifier policy to tables, columns, indexes and constraint names, de-duplicated', () => {
    const sql =
      'CREATE TABLE "Order Items" ("Item ID" INTEGER PRIMARY KEY, "ItemName" TEXT, item_name TEXT); CREATE INDEX "IX Name" ON "Order Items" ("ItemName")';
    const snake = draft(sql, 'snake').table('Order Items');
    expect(snake.target).toBe('order_items');
    expect(snake.columns.map((c) => [c.name, c.from])).toEqual([
      ['item_id', 'Item ID'],
      ['item_name', 'ItemName'],
      ['item_name_2', 'item_name'],
    ]);
    expect(snake.columns[2].note).toMatch(
      /named item_name_2: item_name was taken by another column under the "snake" identifier policy/,
    );
    expect(snake.indexes).toEqual([{ name: 'ix_name', columns: ['item_name'] }]);
    expect(draft(sql, 'lower').table('Order Items').target).toBe('order items');
    expect(draft(sql, 'keep').table('Order Items').columns[0].name).toBe('Item ID');
  });

  it('copies generated columns as expressions, translates defaults, drops the untranslatable with a note', () => {
    const t = draft(
      "CREATE TABLE t (a INT DEFAULT 0, g INT AS (a * 2) STORED, d DATETIME DEFAULT (datetime('now')), r INT DEFAULT (random()), b BOOLEAN DEFAULT 'f')",
    ).table('t');
    const by = Object.fromEntries(t.columns.map((c) => [c.name, c]));
    expect(by.g).toMatchObject({ expr: '"g"', type: 'bigint' });
    expect(by.g.from).toBeUndefined();
    expect(by.a.default).toBe('0');
    expect(by.d.default).toBe("date_trunc('second', now() AT TIME ZONE 'UTC')");
    expect(by.b.default).toBe('false');
    expect(by.r.default).toBeUndefined();
    expect(by.r.note).toMatch(/default random\(\) dropped/);
    expect(t.timestampColumns).toEqual(['d']);
  });

  it('lists triggers, shadow tables, CHECK constraints, collations and untranslatable views as not migrated, with their SQL', () => {
    const d = draft(`CREATE TABLE t (a TEXT COLLATE NOCASE CHECK (length(a) < 10));
      CREATE VIEW v AS SELECT a FROM t; CREATE VIEW w AS SELECT a GLOB 'x*' FROM t; CREATE TRIGGER tr AFTER DELETE ON t BEGIN SELECT 1; END;
      CREATE VIRTUAL TABLE docs USING fts5(body);`);
    expect(d.source.notMigrated!.map((n) => `${n.kind}:${n.name}`)).toEqual([
      'check constraint:t',
      'collation:t',
      'view:w',
      'trigger:tr',
      'table:docs_data',
      'table:docs_idx',
      'table:docs_content',
      'table:docs_docsize',
      'table:docs_config',
    ]);
    expect(d.source.views).toEqual([{ name: 'v', sql: 'SELECT "a" FROM "app"."t"' }]);
    expect(d.source.tables.map((t) => t.source)).toEqual(['t', 'docs']);
    expect(d.source.notMigrated!.every((n) => n.sql && n.reason)).toBe(true);
    expect(d.source.notMigrated![1].reason).toMatch(/a: NOCASE \(ASCII letters compared without case\) → COLLATE "C"/);
    expect(d.table('t').columns.find((c) => c.name === 'a')!.collation).toBe('C');
    expect(d.source.notMigrated![4].reason).toMatch(/shadow table of the fts5 table docs.*migrated as docs/);
    // Every table of the file is in the mapping: the FTS table migrates, its shadow tables are skipped, with why.
    const skipped = new Map(
      (d.source.skipTables as { table: string; reason: string }[]).map((x) => [x.table, x.reason]),
    );
    expect([...skipped.keys()].sort()).toEqual([
      'docs_config',
      'docs_content',
      'docs_data',
      'docs_docsize',
      'docs_idx',
    ]);
  });

  it('leaves out, listed and skipped, a table whose columns hide its rowid (its rows cannot be read by rowid)', () => {
    const d = draft('CREATE TABLE t (rowid TEXT, _rowid_ TEXT, oid TEXT); CREATE TABLE ok (a)');
    expect(d.source.tables.map((t) => t.source)).toEqual(['ok']);
    expect(d.source.skipTables).toEqual([
      {
        table: 't',
        reason: expect.stringMatching(/^not migrated: columns named rowid, _rowid_ and oid hide the rowid/),
      },
    ]);
    expect(d.source.notMigrated![0]).toMatchObject({ kind: 'table', name: 't' });
    expect(d.warnings[0]).toMatch(/^t: table not migrated: columns named rowid, _rowid_ and oid hide the rowid/);
  });

  it('writes one line per column and reads back the same mapping', () => {
    const d = draft('CREATE TABLE t (id INTEGER PRIMARY KEY, "a b" TEXT, c BLOB); CREATE VIEW v AS SELECT 1');
    const text = formatMapping(d.mapping);
    expect(JSON.parse(text)).toEqual(d.mapping);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.trimStart().startsWith('{"name": ')).length).toBe(3 + 1);
    expect(lines.find((l) => l.includes('"a b"'))).toMatch(
      /^\s+\{"name": "a b", "type": "text", "from": "a b", "reason": "declared TEXT → text/,
    );
  });

  it('gives an empty (0-byte) file a source without tables', () => {
    const dir = tempDir('s2p-init-');
    writeFileSync(path.join(dir, 'empty.db'), '');
    const src = openSource('empty.db', path.join(dir, 'empty.db'), { quickCheck: true, busyTimeoutMs: 100 });
    const d = initSource('empty.db', src.db, 'empty', 'keep');
    expect(d.source).toEqual({ file: 'empty.db', schema: 'empty', tables: [] });
    expect(d.warnings).toEqual(['empty.db is empty (0 bytes): no table to migrate']);
  });
});
