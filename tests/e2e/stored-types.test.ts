// Types chosen from what is stored, end to end: a BLOB-declared column holding only integers becomes bigint
// (so ORDER BY is numeric), untyped columns mixing storage classes get the type keeping every value, and
// migrate and verify exit 0 with no row rejected; each value is checked in PostgreSQL.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { initMigrateVerify, type InitRun } from '../support/init-run.js';

const fx = useFixtureTarget('s2p-stored-', { fixtures: false });
let r: InitRun;

/**
 * Per row: counter (BLOB-declared, integers), mixed (untyped: integers, text, one BLOB), nums (untyped: integers and
 * reals), said (BLOB-declared: integers and text).
 */
const ROWS: [bigint, unknown, unknown, unknown][] = [
  [1n, 1n, 1n, 1n],
  [10n, 'ten', 2.5, 'two'],
  [100n, Buffer.from([0xff, 0x00, 0x41]), 9007199254740993n, 3n],
  [2n, 20n, -0.125, 'four'],
  [3n, null, null, null],
];

beforeAll(async () => {
  const d = new Database(path.join(fx.dir, 'stored.db'));
  d.exec('CREATE TABLE counters (id INTEGER PRIMARY KEY, counter BLOB, mixed, nums, said BLOB)');
  const ins = d.prepare('INSERT INTO counters (counter, mixed, nums, said) VALUES (?, ?, ?, ?)');
  for (const row of ROWS) ins.run(...row);
  d.close();
  r = await initMigrateVerify(fx.dir, 'stored.db', fx.db.url);
});

describe('types chosen from the stored values', () => {
  it('init exits 0: bigint for integers in a BLOB column, bytea for integers+text+BLOB, numeric for integers past 2^53 with reals, text for integers+text', () => {
    expect(r.init.code).toBe(0);
    const cols = Object.fromEntries(r.mapping.sources[0].tables[0].columns.map((c) => [c.name, c]));
    expect(Object.fromEntries(Object.entries(cols).map(([k, c]) => [k, c.type]))).toEqual({
      id: 'bigint',
      counter: 'bigint',
      mixed: 'bytea',
      nums: 'numeric',
      said: 'text',
    });
    expect(cols.counter.reason).toMatch(/^declared BLOB → bigint: every stored value is an INTEGER/);
    expect(cols.mixed.reason).toMatch(/bytea: the column mixes BLOBs with other storage classes/);
    expect(r.init.stderr).not.toMatch(/will be rejected/);
  });

  it('migrate and verify exit 0 with no row rejected, and every value is kept', async () => {
    expect(r.migrate.code, r.migrate.stderr).toBe(0);
    expect(r.migrate.json.tables[0]).toMatchObject({ sourceRows: 5, targetRows: 5, rejectedRows: 0 });
    expect(r.verify.code, r.verify.stderr).toBe(0);
    const rows = (
      await fx.db.query(
        "SELECT counter::text, encode(mixed, 'hex') AS mixed, nums::text, said FROM stored.counters ORDER BY id",
      )
    ).rows;
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(rows).toEqual([
      { counter: '1', mixed: hex('1'), nums: '1', said: '1' },
      { counter: '10', mixed: hex('ten'), nums: '2.5', said: 'two' },
      { counter: '100', mixed: 'ff0041', nums: '9007199254740993', said: '3' },
      { counter: '2', mixed: hex('20'), nums: '-0.125', said: 'four' },
      { counter: '3', mixed: null, nums: null, said: null },
    ]);
    const ordered = (
      await fx.db.query('SELECT c.counter::text AS counter FROM stored.counters AS c ORDER BY c.counter')
    ).rows.map((x) => x.counter);
    expect(ordered).toEqual(['1', '2', '3', '10', '100']);
  });
});
