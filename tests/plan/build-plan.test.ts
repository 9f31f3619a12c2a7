// The plan: the mapping applied to what a SQLite file really holds — by column name, nothing omitted.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import { validateMapping } from '../../src/mapping/load-mapping.js';
import { openSource } from '../../src/extract/open-source.js';
import { orderByDependencies } from '../../src/plan/load-order.js';
import { MappingError } from '../../src/model/errors.js';
import { tempDir } from '../support/temp-dir.js';

function sqliteFile(sql: string): { dir: string; file: string } {
  const dir = tempDir('s2p-plan-');
  const db = new Database(path.join(dir, 'app.db'));
  db.exec(sql);
  db.close();
  return { dir, file: 'app.db' };
}

function plan(sql: string, tables: unknown[], extra: Record<string, unknown> = {}) {
  const { dir, file } = sqliteFile(sql);
  const mapping = validateMapping(
    { version: 1, name: 't', sources: [{ file, schema: 's', tables, ...extra }] },
    'm.json',
  );
  const src = openSource(file, path.join(dir, file), { quickCheck: true, busyTimeoutMs: 100 });
  try {
    return buildRunPlan({ mapping, origin: 'm.json', hash: 'h' }, dir, new Map([[file, src]]));
  } finally {
    src.close();
  }
}

const col = (name: string, type = 'text', from = name) => ({ name, type, from });

describe('buildRunPlan', () => {
  it('matches columns by name whatever their position and case', () => {
    const p = plan('CREATE TABLE t (b TEXT, A INTEGER, c REAL)', [
      { source: 't', target: 't', columns: [col('a', 'bigint'), col('c', 'double precision'), col('b')] },
    ]);
    const t = p.tables[0];
    expect(t.sourceColumns.map((c) => c.name)).toEqual(['b', 'A', 'c']);
    expect(t.columns.map((c) => [c.name, c.extractIndex])).toEqual([
      ['a', 1],
      ['c', 2],
      ['b', 0],
    ]);
    expect(t.columns[0].source).toEqual({ kind: 'column', name: 'A', declaredType: 'INTEGER' });
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('refuses a source column no target column takes, unless dropped', () => {
    expect(() =>
      plan('CREATE TABLE t (a TEXT, secret TEXT)', [{ source: 't', target: 't', columns: [col('a')] }]),
    ).toThrow(/app\.db:t: source column "secret" has no target column; map it, or list it under "drop"/);
    const p = plan('CREATE TABLE t (a TEXT, secret TEXT)', [
      { source: 't', target: 't', columns: [col('a')], drop: ['secret'] },
    ]);
    expect(p.tables[0].dropped).toEqual(['secret']);
  });

  it('refuses a mapped source column the file does not have, listing what it has', () => {
    expect(() =>
      plan('CREATE TABLE t (a TEXT)', [{ source: 't', target: 't', columns: [col('a'), col('b')] }]),
    ).toThrow(/takes source column "b", which the table does not have \(it has: a\)/);
  });

  it('accounts for an unmapped table holding rows as not accounted for, unless skipped; sqlite_ tables are ignored', () => {
    const sql =
      'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT); CREATE TABLE other (x); INSERT INTO t (a) VALUES (1); INSERT INTO other VALUES (1), (2)';
    const mapped = [{ source: 't', target: 't', columns: [col('id', 'bigint'), col('a')] }];
    const byName = (p: ReturnType<typeof plan>) => new Map(p.inventory!.map((e) => [e.name, e]));
    const forgot = byName(plan(sql, mapped));
    expect(forgot.get('other')).toMatchObject({ kind: 'table', fate: 'not accounted for', rows: 2 });
    expect(forgot.get('t')).toMatchObject({ kind: 'table', fate: 'loaded', target: 's.t' });
    expect(forgot.get('sqlite_sequence')).toMatchObject({ kind: 'internal table', fate: 'ignored', rows: 1 });
    const p = plan(sql, mapped, { skipTables: [{ table: 'other', reason: 'old copy' }] });
    expect(byName(p).get('other')).toMatchObject({ fate: 'excluded', rows: 2, detail: 'old copy' });
    expect(p.tables[0].autoincrementSeq).toBe(1n);
    // An empty table left out of the mapping loses nothing.
    expect(
      byName(
        plan('CREATE TABLE t (a TEXT); CREATE TABLE other (x)', [{ source: 't', target: 't', columns: [col('a')] }]),
      ).get('other'),
    ).toMatchObject({ fate: 'ignored', rows: 0 });
  });

  it('refuses a mapped table the file does not have, naming the file and the table (an empty source is a 0-byte file only)', () => {
    expect(() =>
      plan('CREATE TABLE other (x)', [{ source: 't', target: 't', columns: [col('a')] }], { skipTables: ['other'] }),
    ).toThrow(/^app\.db: the mapping names table "t", which the file does not have \(its tables: other\)/);
    expect(() =>
      plan(
        'CREATE TABLE other (x); CREATE VIEW t AS SELECT x AS a FROM other',
        [{ source: 't', target: 't', columns: [col('a')] }],
        { skipTables: ['other'] },
      ),
    ).toThrow(/the mapping names table "t", which is a view, not a table/);
    // An FTS5 table is read as a table of its columns (docs/any-sqlite.md#virtual-tables): mapped, it is planned.
  });

  it('refuses a table both mapped and skipped', () => {
    expect(() =>
      plan('CREATE TABLE t (a)', [{ source: 't', target: 't', columns: [col('a')] }], { skipTables: ['T'] }),
    ).toThrow(/skipTables\[0\]: "T" is both mapped/);
  });

  it('checks expressions against SQLite', () => {
    expect(() =>
      plan('CREATE TABLE t (a TEXT)', [
        { source: 't', target: 't', columns: [col('a'), { name: 'd', type: 'text', expr: 'nosuchfn(a)' }] },
      ]),
    ).toThrow(/expression "nosuchfn\(a\)" does not run in SQLite/);
  });

  it('runs expressions on every row: the first row SQLite refuses is named, with its table and column', () => {
    const rows =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO t SELECT i, CASE WHEN i = 613 THEN 'not json' ELSE '[1]' END FROM n";
    const columns = [col('id', 'bigint'), col('a'), { name: 'first', type: 'text', expr: "json_extract(a, '$[0]')" }];
    const err = (() => {
      try {
        plan(`CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); ${rows}`, [{ source: 't', target: 't', columns }]);
      } catch (e) {
        return e as MappingError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(MappingError);
    expect(err!.message).toBe(
      'app.db:t: column "first": expression "json_extract(a, \'$[0]\')" fails in SQLite on the row with rowid 613: malformed JSON',
    );
    expect(err!.place).toEqual({ file: 'app.db', table: 't', column: 'first', row: '613' });
    // WITHOUT ROWID: no rowid to name, the rest alike.
    expect(() =>
      plan(`CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT) WITHOUT ROWID; ${rows}`, [
        { source: 't', target: 't', columns },
      ]),
    ).toThrow(/column "first": expression .* fails in SQLite on a row: malformed JSON/);
    // The same expression on rows it can read plans.
    expect(
      plan(`CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); INSERT INTO t VALUES (1, '[1]')`, [
        { source: 't', target: 't', columns },
      ]).tables[0].sourceExprs,
    ).toEqual(["json_extract(a, '$[0]')"]);
  });

  it('orders parents before children and refuses cycles', () => {
    const t = (name: string, deps: string[]) => ({ targetName: name, dependsOn: deps });
    expect(orderByDependencies([t('c', ['b']), t('b', ['a']), t('a', [])]).map((x) => x.targetName)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(() => orderByDependencies([t('a', ['b']), t('b', ['a'])])).toThrow(/cycle: a → b → a/);
  });
});
