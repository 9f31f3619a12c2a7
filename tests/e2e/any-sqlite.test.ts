// Any SQLite file end to end: files with unusual but legal schemas (odd and missing declared types, quoted
// names with spaces, WITHOUT ROWID, composite keys, self-references, views, 120 columns, BLOB images,
// NUMERIC, BOOLEAN, DATETIME text) go through `init`, `plan`, `migrate --mapping` and `verify`, and every
// loaded value is compared with its source.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';
import { compareWithSource } from './any-sqlite-oracle.js';
import type { Mapping, MappingTable } from '../../src/model/mapping-types.js';

const fx = useFixtureTarget('s2p-any-', { fixtures: false });
let shop: string;
let wide: string;
let init: CliResult;
let mapping: Mapping;
let migrate: CliResult;

/** A PNG-like image: the signature, then random bytes (NULs and bytes that are not UTF-8 among them). */
const image = (n: number) =>
  Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(n), Buffer.from([0, 0xff, 0xfe])]);

function makeShop(file: string): void {
  const d = new Database(file);
  // Legacy files were written without foreign-key enforcement (SQLite's default; better-sqlite3 turns it on).
  d.pragma('foreign_keys = OFF');
  d.exec(`
    CREATE TABLE customers (code TEXT PRIMARY KEY NOT NULL, "Full Name" TEXT VARCHAR, email STRING UNIQUE, joined DATETIME DEFAULT CURRENT_TIMESTAMP, vip BOOLEAN DEFAULT 0);
    CREATE TABLE "Order Items" (
      id INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT REFERENCES customers(code), "Product Name" TEXT NOT NULL,
      price NUMERIC(10,2), qty MEDIUMINT DEFAULT 1, weight REAL, placed DATETIME, paid BOOLEAN, meta JSON, photo BLOB, misc,
      total DECIMAL GENERATED ALWAYS AS (price * qty) VIRTUAL);
    CREATE TABLE pairs (a TEXT, b INTEGER, label, PRIMARY KEY (a, b)) WITHOUT ROWID;
    CREATE TABLE "event log" (at, what, payload);
    CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id), name TEXT NOT NULL);
    CREATE TABLE codes (code INT PRIMARY KEY, label TEXT);
    CREATE INDEX "Order Items by customer" ON "Order Items" (customer);
    CREATE INDEX placed_recent ON "Order Items" (placed) WHERE placed > '2024-01-01';
    CREATE VIEW big_orders AS SELECT * FROM "Order Items" WHERE qty > 2;
    CREATE TRIGGER touch AFTER UPDATE ON customers BEGIN SELECT 1; END;`);
  const c = d.prepare('INSERT INTO customers VALUES (?, ?, ?, ?, ?)');
  c.run('c1', 'Ann Smith', 'ann@example.com', '2024-01-02 03:04:05', 1);
  c.run('c2', 'Bob "the builder"\tTab', '12345', '2024-01-02T03:04:05.123456+02:00', 0);
  c.run('c3', 'Émile Ω', null, 1700000000n, null);
  const o = d.prepare(
    'INSERT INTO "Order Items" (customer, "Product Name", price, qty, weight, placed, paid, meta, photo, misc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const prices = ['12.50', 0.1, 7n, '9007199254740993', 1e21, -3.25, '0.30'];
  const placed = [
    '2024-03-01 10:00:00',
    '2024-03-01T10:00:00',
    '2024-03-01T10:00:00.5Z',
    '2024-03-01 10:00:00.123456-05:00',
    1700000000n,
    1700000000123n,
    '2024-02-29',
  ];
  const meta = [
    '{"a": 1}',
    '[1, 2.50, "x"]',
    '{"big": 12345678901234567890}',
    '{}',
    'null',
    '"text"',
    '{"nested": {"k": [true, false, null]}}',
  ];
  for (let i = 0; i < 28; i++) {
    o.run(
      i === 27 ? 'nobody' : ['c1', 'c2', 'c3', null][i % 4],
      `Product ${i}\\N`,
      prices[i % 7],
      BigInt(i % 5),
      i % 3 === 0 ? null : i / 8,
      placed[i % 7],
      BigInt(i % 2),
      meta[i % 7],
      i % 4 === 0 ? null : image(200 + i),
      i % 2 ? BigInt(i) : `note ${i}`,
    );
  }
  const p = d.prepare('INSERT INTO pairs VALUES (?, ?, ?)');
  for (const [a, b, l] of [
    ['a', 1n, 'x'],
    ['a', 2n, 3n],
    ['b', 1n, null],
    ['b b', -5n, 2.5],
  ])
    p.run(a, b, l);
  const e = d.prepare('INSERT INTO "event log" VALUES (?, ?, ?)');
  for (let i = 0; i < 3; i++) e.run(1700000000n, 'start', Buffer.from([0, 1, 2]));
  e.run('2024-01-01', 'stop', 'done');
  e.run(null, null, null);
  d.exec(`INSERT INTO categories VALUES (1, NULL, 'root'), (2, 1, 'child'), (3, 2, 'grandchild'), (4, 99, 'orphan'),
          (5, 4, 'child of orphan'), (6, 6, 'its own parent'), (7, 5, 'grandchild of orphan');
          INSERT INTO codes VALUES (NULL, 'none'), (NULL, 'none again'), (1, 'one'), (2, 'two');`);
  d.close();
}

/** Declared types cycled over the wide table's 120 columns, with a value maker each. */
const WIDE_TYPES: [string, (row: number, col: number) => unknown][] = [
  ['INTEGER', (r, c) => BigInt(r * 1000 + c)],
  ['TEXT', (r, c) => `r${r}c${c}`],
  ['REAL', (r, c) => r + c / 16],
  ['', (r, c) => (r % 2 ? BigInt(c) : `v${c}`)],
  ['BLOB', (r, c) => Buffer.from([r, c, 0, 255])],
  ['BOOLEAN', (r) => BigInt(r % 2)],
  [
    'DATETIME',
    (r, c) => `2023-${String((r % 12) + 1).padStart(2, '0')}-${String((c % 28) + 1).padStart(2, '0')} 12:00:00`,
  ],
  ['NUMERIC', (r, c) => `${r}.${c}`],
  ['VARCHAR(20)', (r) => (r % 3 === 0 ? null : `x${r}`)],
  ['JSON', (r, c) => JSON.stringify({ r, c })],
];

function makeWide(file: string): void {
  const d = new Database(file);
  const cols = Array.from(
    { length: 120 },
    (_, i) => `c${String(i + 1).padStart(3, '0')} ${WIDE_TYPES[i % WIDE_TYPES.length][0]}`,
  );
  d.exec(`CREATE TABLE wide (id INTEGER PRIMARY KEY, ${cols.join(', ')});
          CREATE TABLE strict_t (id INTEGER PRIMARY KEY, a INT, b ANY, c TEXT) STRICT;
          CREATE TABLE "Empty One" (x DATETIME, y);`);
  const ins = d.prepare(`INSERT INTO wide VALUES (?, ${cols.map(() => '?').join(', ')})`);
  for (let r = 1; r <= 25; r++) ins.run(BigInt(r), ...cols.map((_, i) => WIDE_TYPES[i % WIDE_TYPES.length][1](r, i)));
  const s = d.prepare('INSERT INTO strict_t (a, b, c) VALUES (?, ?, ?)');
  for (const b of [1n, 'x', 2.5, Buffer.from('bytes')]) s.run(7n, b, 't');
  d.close();
}

const tableOf = (m: Mapping, source: string): MappingTable =>
  m.sources.flatMap((s) => s.tables).find((t) => t.source === source)!;
const columnOf = (m: Mapping, source: string, column: string) =>
  tableOf(m, source).columns.find((c) => c.from === column || c.name === column)!;

beforeAll(async () => {
  shop = path.join(fx.dir, 'Legacy Shop.db');
  wide = path.join(fx.dir, 'wide-and-odd.sqlite');
  makeShop(shop);
  makeWide(wide);
  // Names kept as written (the default is snake_case): this file is about odd names arriving as they are.
  init = await runCli(['init', shop, wide, '--identifiers', 'keep', '--out', path.join(fx.dir, 'mapping.json')]);
  mapping = JSON.parse(readFileSync(path.join(fx.dir, 'mapping.json'), 'utf8'));
  migrate = await runCli([
    'migrate',
    '--mapping',
    path.join(fx.dir, 'mapping.json'),
    '--source-dir',
    fx.dir,
    '--target',
    fx.db.url,
    '--json',
  ]);
});

describe('init on files nobody planned for', () => {
  it('writes a mapping for both files, one schema each, and says what it wrote', () => {
    expect(init.code, init.stderr).toBe(0);
    expect(mapping.sources.map((s) => [s.file, s.schema])).toEqual([
      ['Legacy Shop.db', 'legacy_shop'],
      ['wide-and-odd.sqlite', 'wide_and_odd'],
    ]);
    expect(init.stdout).toMatch(/wrote .*mapping\.json/);
    expect(init.stdout).toMatch(/Order Items → Order Items: 28 rows, 12 columns, key \(id\)/);
    expect(init.stdout).toMatch(/sqlite2pg migrate --mapping .*mapping\.json --source-dir /);
  });

  it('chooses each type from the declared type and the stored values, never aborting on an odd one', () => {
    const types = (source: string) => Object.fromEntries(tableOf(mapping, source).columns.map((c) => [c.name, c.type]));
    expect(types('Order Items')).toEqual({
      id: 'bigint',
      customer: 'text',
      'Product Name': 'text',
      price: 'numeric',
      qty: 'bigint',
      weight: 'double precision',
      placed: 'timestamp',
      paid: 'boolean',
      meta: 'jsonb',
      photo: 'bytea',
      misc: 'text',
      total: 'numeric',
    });
    expect(types('customers')).toEqual({
      code: 'text',
      'Full Name': 'text',
      email: 'text',
      joined: 'timestamp',
      vip: 'boolean',
    });
    expect(types('event log')).toEqual({ sqlite_rowid: 'bigint', at: 'text', what: 'text', payload: 'bytea' });
    expect(types('strict_t')).toEqual({ id: 'bigint', a: 'bigint', b: 'bytea', c: 'text' });
    expect(types('Empty One')).toMatchObject({ x: 'timestamp', y: 'text' });
    expect(columnOf(mapping, 'Order Items', 'price').reason).toMatch(
      /^declared NUMERIC\(10,2\) → numeric: every stored value converts/,
    );
    // TEXT VARCHAR holds only TEXT affinity's words: plain, no warning; STRING is a trap, warned.
    expect(init.stderr).not.toMatch(/Full Name: declared TEXT VARCHAR/);
    expect(init.stderr).toMatch(/warning: Legacy Shop\.db:customers: email: declared STRING/);
    expect(init.stderr).toMatch(
      /Order Items: foreign key \(customer\) → customers: 1 rows point at no row of customers/,
    );
  });

  it('keys every table: rowid alias, declared key, WITHOUT ROWID composite key, or the rowid kept as a column', () => {
    expect(tableOf(mapping, 'Order Items').primaryKey).toEqual(['id']);
    expect(tableOf(mapping, 'customers').primaryKey).toEqual(['code']);
    expect(tableOf(mapping, 'pairs').primaryKey).toEqual(['a', 'b']);
    expect(tableOf(mapping, 'event log').primaryKey).toEqual(['sqlite_rowid']);
    expect(tableOf(mapping, 'codes').primaryKey).toEqual(['sqlite_rowid']);
    expect(tableOf(mapping, 'codes').unique).toEqual([{ name: 'codes_code_key', columns: ['code'] }]);
  });

  it('translates defaults, carries indexes and foreign keys, lists what it does not migrate', () => {
    expect(columnOf(mapping, 'customers', 'joined').default).toBe("date_trunc('second', now() AT TIME ZONE 'UTC')");
    expect(columnOf(mapping, 'customers', 'vip').default).toBe('false');
    expect(tableOf(mapping, 'Order Items').indexes).toEqual([
      { name: 'Order Items by customer', columns: ['customer'] },
      { name: 'placed_recent', columns: ['placed'], where: expect.stringMatching(/^"placed" > E?'2024-01-01'$/) },
    ]);
    expect(tableOf(mapping, 'categories').foreignKeys).toEqual([
      {
        name: 'categories_parent_id_fkey',
        columns: ['parent_id'],
        references: 'legacy_shop.categories',
        referencedColumns: ['id'],
      },
    ]);
    expect(mapping.sources[0].notMigrated!.map((n) => `${n.kind} ${n.name}`)).toEqual(['trigger touch']);
    expect(mapping.sources[0].views).toEqual([
      { name: 'big_orders', sql: 'SELECT * FROM "legacy_shop"."Order Items" WHERE "qty" > 2' },
    ]);
  });

  it('prints the mapping on stdout without --out, and refuses what is not a SQLite file (exit 2)', async () => {
    const out = await runCli(['init', path.join(fx.dir, 'wide-and-odd.sqlite'), '--identifiers', 'snake']);
    expect(out.code).toBe(0);
    expect(out.json.sources[0].tables.map((t: MappingTable) => t.target)).toEqual(['wide', 'strict_t', 'empty_one']);
    writeFileSync(
      path.join(fx.dir, 'notes.txt'),
      'this is not a database, just some text long enough to have a header of its own',
    );
    const bad = await runCli(['init', path.join(fx.dir, 'notes.txt')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/notes\.txt .*is not a SQLite database/);
    const missing = await runCli(['init', path.join(fx.dir, 'nope.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

describe('plan with the mapping init wrote', () => {
  it('shows source → target, rows, each type with its reason, warnings, forecasts and what is not migrated', async () => {
    const plan = await runCli(['plan', '--mapping', path.join(fx.dir, 'mapping.json'), '--source-dir', fx.dir]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Legacy Shop.db:Order Items → legacy_shop.Order Items  (28 rows)');
    expect(plan.stdout).toMatch(
      /price\s+numeric\s+← price NUMERIC\(10,2\)\n\s+why: declared NUMERIC\(10,2\) → numeric/,
    );
    expect(plan.stdout).not.toMatch(/warning: Full Name: declared type/);
    expect(plan.stdout).toMatch(/warning: email: declared type "STRING" is not a SQLite type name/);
    expect(plan.stdout).toMatch(
      /forecast: 1 row point at no parent row and would be rejected \(categories_parent_id_fkey\)/,
    );
    expect(plan.stdout).toMatch(/view big_orders: created as legacy_shop\.big_orders/);
  });
});

describe('migrate --mapping with the mapping init wrote', () => {
  it('exits 0: every table created, loaded and verified, every source row loaded or rejected', () => {
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.json.status).toBe('ok');
    expect(migrate.json.tables).toHaveLength(9);
    for (const t of migrate.json.tables) {
      expect(t.checksum.match, t.target).toBe(true);
      expect(t.sourceRows, t.target).toBe(t.targetRows + t.rejectedRows);
    }
    const rows = Object.fromEntries(
      migrate.json.tables.map((t: { target: string; targetRows: number; rejectedRows: number }) => [
        t.target,
        [t.targetRows, t.rejectedRows],
      ]),
    );
    expect(rows).toMatchObject({
      'legacy_shop.Order Items': [27, 1],
      'legacy_shop.categories': [4, 3],
      'legacy_shop.event log': [5, 0],
      'legacy_shop.codes': [4, 0],
      'legacy_shop.pairs': [4, 0],
      'wide_and_odd.wide': [25, 0],
      'wide_and_odd.strict_t': [4, 0],
      'wide_and_odd.Empty One': [0, 0],
    });
  });

  it('rejects rows pointing at no row, their own table included, with the original row', async () => {
    const r = await fx.db.query(
      `SELECT target_table, source_rowid, reason_code, reason, original_row FROM sqlite2pg.rejects WHERE run_id = $1 ORDER BY 1, 2`,
      [migrate.json.runId],
    );
    expect(r.rows.map((x) => `${x.target_table}:${x.source_rowid}:${x.reason_code}`)).toEqual([
      'legacy_shop.Order Items:28:foreign_key',
      'legacy_shop.categories:4:foreign_key',
      'legacy_shop.categories:5:foreign_key',
      'legacy_shop.categories:7:foreign_key',
    ]);
    expect(r.rows[1].reason).toBe(
      'parent_id = 99 points at no row of legacy_shop.categories (categories_parent_id_fkey)',
    );
    expect(r.rows[2].reason).toBe(
      'parent_id = 4 points at a rejected row of legacy_shop.categories (categories_parent_id_fkey)',
    );
    expect(r.rows[0].original_row.customer).toBe('nobody');
    expect(r.rows[0].original_row.photo).toHaveProperty('$blob_base64');
  });

  it('loads every value identical to its source (BLOBs byte for byte, NUMERIC exact, DATETIME text, BOOLEAN 0/1)', async () => {
    const client = new pg.Client({ connectionString: fx.db.url });
    await client.connect();
    const rejects = await client.query('SELECT source_table, source_rowid FROM sqlite2pg.rejects WHERE run_id = $1', [
      migrate.json.runId,
    ]);
    try {
      for (const s of mapping.sources) {
        const sqlite = new Database(path.join(fx.dir, s.file), { readonly: true });
        try {
          for (const t of s.tables) {
            const rejected = new Set<string>(
              rejects.rows.filter((r) => r.source_table === t.source).map((r) => r.source_rowid),
            );
            const result = await compareWithSource(client, sqlite, s.schema, t, rejected);
            expect(result.mismatches, `${s.schema}.${t.target}`).toEqual([]);
            expect(result.missing, `${s.schema}.${t.target} rows neither loaded nor rejected`).toEqual([]);
            expect(result.unexpected, `${s.schema}.${t.target} rejected rows present`).toEqual([]);
            expect(result.targetRows, `${s.schema}.${t.target}`).toBe(result.rows - rejected.size);
          }
        } finally {
          sqlite.close();
        }
      }
    } finally {
      await client.end();
    }
    // The values that need most care, spelled out.
    const price = await fx.db.query(
      `SELECT price::text AS p FROM legacy_shop."Order Items" WHERE id IN (2, 4, 5) ORDER BY id`,
    );
    expect(price.rows.map((r) => r.p)).toEqual(['0.1', '9007199254740993', '1000000000000000000000']);
    const photo = await fx.db.query(`SELECT photo FROM legacy_shop."Order Items" WHERE id = 2`);
    const sqlite = new Database(shop, { readonly: true });
    expect(
      Buffer.compare(
        photo.rows[0].photo,
        sqlite.prepare('SELECT photo FROM "Order Items" WHERE id = 2').pluck().get() as Buffer,
      ),
    ).toBe(0);
    sqlite.close();
  });

  it('builds the keys, unique constraints, indexes and foreign keys, self-reference included, and sets sequences', async () => {
    const cons = await fx.db.query(
      `SELECT conrelid::regclass::text AS t, conname, contype FROM pg_constraint WHERE connamespace = 'legacy_shop'::regnamespace AND contype <> 'n' ORDER BY 1, 2`,
    );
    expect(cons.rows.map((r) => `${r.t}:${r.conname}:${r.contype}`)).toEqual([
      'legacy_shop."Order Items":Order Items_customer_fkey:f',
      'legacy_shop."Order Items":Order Items_pkey:p',
      'legacy_shop."event log":event log_pkey:p',
      'legacy_shop.categories:categories_parent_id_fkey:f',
      'legacy_shop.categories:categories_pkey:p',
      'legacy_shop.codes:codes_code_key:u',
      'legacy_shop.codes:codes_pkey:p',
      'legacy_shop.customers:customers_email_key:u',
      'legacy_shop.customers:customers_pkey:p',
      'legacy_shop.pairs:pairs_pkey:p',
    ]);
    const ix = await fx.db.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'legacy_shop' AND indexname = 'Order Items by customer'`,
    );
    expect(ix.rows).toHaveLength(1);
    const seq = await fx.db.query(
      `SELECT nextval(pg_get_serial_sequence('legacy_shop."Order Items"', 'id'))::int AS n`,
    );
    expect(seq.rows[0].n).toBeGreaterThan(28);
  });

  it('verifies again on its own, exit 0', async () => {
    const v = await runCli([
      'verify',
      '--mapping',
      path.join(fx.dir, 'mapping.json'),
      '--source-dir',
      fx.dir,
      '--target',
      fx.db.url,
      '--json',
    ]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json.status).toBe('ok');
    expect(v.json.totals.rejectedRows).toBe(4);
  });
});

describe('an edited mapping: snake_case names, renames, types, derived values, drops, include and exclude', () => {
  let edited: Mapping;
  let run: CliResult;
  let target: TestDatabase;

  beforeAll(async () => {
    const snake = await runCli(['init', shop, '--identifiers', 'snake', '--out', path.join(fx.dir, 'snake.json')]);
    expect(snake.code, snake.stderr).toBe(0);
    edited = JSON.parse(readFileSync(path.join(fx.dir, 'snake.json'), 'utf8'));
    const src = edited.sources[0];
    src.schema = 'shop';
    src.exclude = ['event*', 'codes'];
    const items = src.tables.find((t) => t.source === 'Order Items')!;
    items.target = 'line_items';
    for (const t of src.tables)
      for (const fk of t.foreignKeys ?? []) fk.references = fk.references.replace('legacy_shop.', 'shop.');
    items.columns = items.columns.filter((c) => c.name !== 'misc');
    items.drop = ['misc'];
    const meta = items.columns.find((c) => c.name === 'meta')!;
    meta.type = 'text';
    const placed = items.columns.find((c) => c.name === 'placed')!;
    placed.name = 'placed_at';
    // The partial index over it follows the rename (its WHERE is SQL over the target's names).
    const recent = items.indexes!.find((ix) => ix.name === 'placed_recent')!;
    recent.columns = ['placed_at'];
    recent.where = recent.where!.replace('"placed"', '"placed_at"');
    placed.type = 'timestamptz';
    placed.localTimeZone = 'Europe/Paris';
    items.columns.push(
      { name: 'origin', type: 'text', value: 'legacy shop' },
      { name: 'price_cents', type: 'double precision', expr: 'price * 100' },
    );
    writeFileSync(path.join(fx.dir, 'edited.json'), JSON.stringify(edited, null, 2));
    target = await createTestDatabase();
    run = await runCli([
      'migrate',
      '--mapping',
      path.join(fx.dir, 'edited.json'),
      '--source-dir',
      fx.dir,
      '--target',
      target.url,
      '--json',
    ]);
  });

  afterAll(async () => {
    await target?.drop();
  });

  it('migrates and verifies, leaving out the excluded tables', () => {
    expect(
      run.code,
      JSON.stringify(run.json?.tables?.filter((t: { checksum: { match: boolean } }) => !t.checksum.match)),
    ).toBe(0);
    expect(run.json.status).toBe('ok');
    expect(run.json.tables.map((t: { target: string }) => t.target).sort()).toEqual([
      'shop.categories',
      'shop.customers',
      'shop.line_items',
      'shop.pairs',
    ]);
  });

  it('writes renamed columns, changed types, derived values, local-zone timestamps and no dropped column', async () => {
    const cols = await target.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = 'line_items' ORDER BY ordinal_position`,
    );
    expect(cols.rows.map((r) => r.column_name)).toEqual([
      'id',
      'customer',
      'product_name',
      'price',
      'qty',
      'weight',
      'placed_at',
      'paid',
      'meta',
      'photo',
      'total',
      'origin',
      'price_cents',
    ]);
    expect(cols.rows.find((r) => r.column_name === 'placed_at')!.data_type).toBe('timestamp with time zone');
    const r = await target.query(
      `SELECT meta, origin, price_cents::text AS pc, placed_at AT TIME ZONE 'UTC' AS p FROM shop.line_items WHERE id IN (1, 2) ORDER BY id`,
    );
    // meta kept as the exact text written; the T-separated naive time read as Paris time (UTC+1 in March).
    expect(r.rows.map((x) => [x.meta, x.origin, x.pc])).toEqual([
      ['{"a": 1}', 'legacy shop', '1250'],
      ['[1, 2.50, "x"]', 'legacy shop', '10'],
    ]);
    expect(r.rows[1].p.toISOString()).toBe('2024-03-01T09:00:00.000Z');
    expect(r.rows[0].p.toISOString()).toBe('2024-03-01T10:00:00.000Z');
  });
});
