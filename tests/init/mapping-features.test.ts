// The mapping fields any-SQLite work added: their validation (with the exact place at fault), include and
// exclude patterns in the plan, reasons and notes carried to the plan, foreign-key actions in the DDL.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { openSource } from '../../src/extract/open-source.js';
import { foreignKeySql } from '../../src/load/ddl.js';
import { tempDir } from '../support/temp-dir.js';
import { refusal } from '../support/refusal.js';

const col = (name: string, type = 'text', from = name) => ({ name, type, from });

function mapping(source: Record<string, unknown>, tables: unknown[]) {
  return { version: 1, name: 't', sources: [{ file: 'app.db', schema: 's', tables, ...source }] };
}

function plan(sql: string, source: Record<string, unknown>, tables: unknown[]) {
  const dir = tempDir('s2p-features-');
  const db = new Database(path.join(dir, 'app.db'));
  db.exec(sql);
  db.close();
  const m = validateMapping(mapping(source, tables), 'm.json');
  const src = openSource('app.db', path.join(dir, 'app.db'), { quickCheck: false, busyTimeoutMs: 100 });
  try {
    return buildRunPlan({ mapping: m, origin: 'm.json', hash: 'h' }, dir, new Map([['app.db', src]]));
  } finally {
    src.close();
  }
}

describe('validation of the new fields', () => {
  const t = { source: 't', target: 't', columns: [col('a')] };

  it('accepts include, exclude, notMigrated, reason and foreign-key actions', () => {
    const m = validateMapping(
      mapping(
        {
          include: ['t*'],
          exclude: ['*_old'],
          notMigrated: [
            { kind: 'view', name: 'v', reason: 'views are not migrated', sql: 'CREATE VIEW v AS SELECT 1' },
          ],
        },
        [
          { ...t, primaryKey: ['a'], columns: [{ ...col('a'), reason: 'declared TEXT' }] },
          {
            source: 'u',
            target: 'u',
            columns: [col('a')],
            foreignKeys: [
              {
                columns: ['a'],
                references: 's.t',
                referencedColumns: ['a'],
                onDelete: 'CASCADE',
                onUpdate: 'SET NULL',
              },
            ],
          },
        ],
      ),
      'm.json',
    );
    expect(m.sources[0].include).toEqual(['t*']);
  });

  it.each([
    [{ include: 't*' }, [t], 'm.json: $.sources[0].include: must be an array'],
    [{ exclude: [''] }, [t], 'm.json: $.sources[0].exclude[0]: must be a non-empty string'],
    [
      { notMigrated: [{ kind: 'macro', name: 'm', reason: 'r' }] },
      [t],
      'm.json: $.sources[0].notMigrated[0].kind: unknown kind "macro"',
    ],
    [{ notMigrated: [{ kind: 'view', name: 'v' }] }, [t], 'm.json: $.sources[0].notMigrated[0]: missing "reason"'],
    [
      { notMigrated: [{ kind: 'view', name: 'v', reason: 'r', extra: 1 }] },
      [t],
      'm.json: $.sources[0].notMigrated[0].extra: unknown key',
    ],
    [
      {},
      [{ ...t, columns: [{ ...col('a'), reason: 3 }] }],
      'm.json: $.sources[0].tables[0].columns[0].reason: must be a non-empty string',
    ],
    [
      {},
      [{ ...t, foreignKeys: [{ columns: ['a'], references: 's.t', referencedColumns: ['a'], onDelete: 'EXPLODE' }] }],
      'm.json: $.sources[0].tables[0].foreignKeys[0].onDelete: unknown action "EXPLODE"',
    ],
    [{ schema: 'a.b' }, [t], 'm.json: $.sources[0].schema: must not contain "."'],
    [
      {},
      [{ ...t, target: 'x'.repeat(64) }],
      `m.json: $.sources[0].tables[0].target: "${'x'.repeat(64)}" is 64 bytes; PostgreSQL keeps 63`,
    ],
    [
      {},
      [{ ...t, target: 'x'.repeat(59), primaryKey: ['a'] }],
      `is 59 bytes; PostgreSQL keeps 58 here (its "_pkey" must fit 63)`,
    ],
    [{}, [{ ...t, columns: [col('é'.repeat(32), 'text', 'a')] }], 'm.json: $.sources[0].tables[0].columns[0].name: '],
  ])('refuses %j with the place at fault', (source, tables, message) => {
    expect(refusal(mapping(source, tables))).toContain(message);
  });

  it('refuses a foreign key onto columns that are no key of the parent, or of another type', () => {
    const parent = {
      source: 'p',
      target: 'p',
      primaryKey: ['id'],
      unique: [{ columns: ['code'] }],
      columns: [col('id', 'bigint'), col('code'), col('other')],
    };
    const child = (fk: Record<string, unknown>, type = 'bigint') => ({
      source: 'c',
      target: 'c',
      columns: [col('pid', type)],
      foreignKeys: [{ columns: ['pid'], references: 's.p', ...fk }],
    });
    expect(refusal(mapping({}, [parent, child({ referencedColumns: ['other'] }, 'text')]))).toContain(
      'm.json: $.sources[0].tables[1].foreignKeys[0].referencedColumns: (other) is not the primary key or a unique constraint of s.p',
    );
    expect(refusal(mapping({}, [parent, child({ referencedColumns: ['code'] })]))).toContain(
      'm.json: $.sources[0].tables[1].foreignKeys[0].columns[0]: pid is bigint but s.p.code is text: a foreign key needs comparable types',
    );
    expect(() =>
      validateMapping(mapping({}, [parent, child({ referencedColumns: ['code'] }, 'text')]), 'm.json'),
    ).not.toThrow();
    expect(() =>
      validateMapping(mapping({}, [parent, child({ referencedColumns: ['id'] }, 'integer')]), 'm.json'),
    ).not.toThrow();
  });

  it('accepts a table name holding dots in "schema.table" references', () => {
    const m = mapping({}, [
      { source: 'a.b', target: 'a.b', columns: [col('id', 'bigint')], primaryKey: ['id'] },
      {
        source: 'c',
        target: 'c',
        columns: [col('id', 'bigint')],
        foreignKeys: [{ columns: ['id'], references: 's.a.b', referencedColumns: ['id'] }],
      },
    ]);
    expect(validateMapping(m, 'm.json').sources[0].tables[1].foreignKeys![0].references).toBe('s.a.b');
  });
});

describe('include and exclude patterns in the plan', () => {
  const sql =
    'CREATE TABLE orders (id INTEGER PRIMARY KEY); CREATE TABLE orders_old (id INTEGER PRIMARY KEY); CREATE TABLE tmp_x (a); CREATE TABLE lines (id INTEGER PRIMARY KEY, order_id INT)';
  const tables = [
    { source: 'orders', target: 'orders', primaryKey: ['id'], columns: [col('id', 'bigint')] },
    { source: 'orders_old', target: 'orders_old', columns: [col('id', 'bigint')] },
    {
      source: 'lines',
      target: 'lines',
      columns: [col('id', 'bigint'), col('order_id', 'bigint')],
      foreignKeys: [{ columns: ['order_id'], references: 's.orders', referencedColumns: ['id'] }],
    },
  ];

  it('leaves out excluded tables, mapped or not, without asking for skipTables', () => {
    const p = plan(sql, { exclude: ['*_old', 'TMP_*'] }, tables);
    expect(p.tables.map((t) => t.sourceName)).toEqual(['app.db:orders', 'app.db:lines']);
    expect(p.excluded).toEqual(['app.db:orders_old', 'app.db:tmp_x']);
  });

  it('takes only included tables; a foreign key to a table left out is not created, with a warning', () => {
    const p = plan(sql, { include: ['lines'] }, tables);
    expect(p.tables.map((t) => t.sourceName)).toEqual(['app.db:lines']);
    expect(p.tables[0].foreignKeys).toEqual([]);
    expect(p.tables[0].dependsOn).toEqual([]);
    expect(p.tables[0].warnings).toContain(
      'foreign key lines_order_id_fkey not created: s.orders is excluded from this run',
    );
  });

  it('reports an unmapped table the patterns take as not accounted for when it holds rows, and the left-out ones as excluded', () => {
    const p = plan(
      `${sql}; INSERT INTO tmp_x VALUES (1), (2); INSERT INTO orders_old VALUES (7)`,
      { exclude: ['*_old'] },
      tables,
    );
    const by = new Map(p.inventory!.map((e) => [e.name, e]));
    expect(by.get('tmp_x')).toMatchObject({ fate: 'not accounted for', rows: 2 });
    expect(by.get('orders_old')).toMatchObject({
      fate: 'excluded',
      rows: 1,
      detail: 'left out by the include/exclude patterns',
    });
  });

  it('carries reasons and notes to the plan, with warnings for tables without a key and self-references', () => {
    const p = plan('CREATE TABLE t (id INTEGER PRIMARY KEY, parent INT, x STRING)', {}, [
      {
        source: 't',
        target: 't',
        primaryKey: ['id'],
        columns: [{ ...col('id', 'bigint'), reason: 'the rowid', note: 'a note' }, col('parent', 'bigint'), col('x')],
        foreignKeys: [{ columns: ['parent'], references: 's.t', referencedColumns: ['id'] }],
      },
    ]);
    const t = p.tables[0];
    expect([t.columns[0].reason, t.columns[0].note, t.columns[1].reason]).toEqual(['the rowid', 'a note', null]);
    expect(t.warnings).toEqual([
      'x: declared type "STRING" is not a SQLite type name (NUMERIC affinity); values follow the data rules of text',
      't_parent_fkey refers to this table itself: rows that point at no row of it are rejected (foreign_key) before the constraint is added',
    ]);
    const nokey = plan('CREATE TABLE t (a)', {}, [{ source: 't', target: 't', columns: [col('a')] }]);
    expect(nokey.tables[0].warnings[0]).toMatch(/^no primary key: verify proves the table by counts and checksums/);
  });

  it('writes foreign-key actions into the DDL only when asked', () => {
    const p = plan(sql, { exclude: ['*_old', 'tmp_*'] }, [
      tables[0],
      {
        ...tables[2],
        foreignKeys: [
          { columns: ['order_id'], references: 's.orders', referencedColumns: ['id'], onDelete: 'CASCADE' },
        ],
      },
    ]);
    expect(foreignKeySql(p.tables[1])[0]).toMatch(/REFERENCES "s"\."orders" \("id"\) ON DELETE CASCADE;/);
    const plain = plan(sql, { exclude: ['*_old', 'tmp_*'] }, [tables[0], tables[2]]);
    expect(foreignKeySql(plain.tables[1])[0]).toMatch(/REFERENCES "s"\."orders" \("id"\);/);
  });
});
