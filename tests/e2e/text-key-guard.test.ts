// A TEXT primary key SQLite keeps unique is not tracked in memory by the load's key guard — unless a BLOB
// in the key column could decode to another row's text key: then the guard tracks it and rejects the
// repeat as `unique`, as it would without the shortcut.
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli } from '../support/cli.js';

const fx = useFixtureTarget('s2p-textkey-', { fixtures: false });

beforeAll(async () => {
  const d = new Database(path.join(fx.dir, 'keys.db'));
  d.exec(`
    CREATE TABLE plain (k TEXT PRIMARY KEY, v TEXT);
    CREATE TABLE blobbed (k VARCHAR(20) PRIMARY KEY, v TEXT);
    CREATE TABLE pair (a TEXT, b TEXT, v TEXT, PRIMARY KEY (a, b));`);
  const plain = d.prepare('INSERT INTO plain VALUES (?, ?)');
  for (let i = 0; i < 500; i++) plain.run(`item-${i}`, `v${i}`);
  plain.run('Item-1', 'case differs: a distinct key');
  const blobbed = d.prepare('INSERT INTO blobbed VALUES (?, ?)');
  blobbed.run('ab', 'text key');
  blobbed.run(Buffer.from('ab'), 'the same bytes as a BLOB: SQLite keeps both');
  blobbed.run(Buffer.from('cd'), 'a BLOB key nothing repeats');
  const pair = d.prepare('INSERT INTO pair VALUES (?, ?, ?)');
  pair.run('x', 'y', 'one');
  pair.run('x', 'z', 'two');
  d.close();
});

describe('text primary keys and the key guard', () => {
  it('loads every row SQLite kept unique, and rejects a BLOB key equal to a text key once converted', async () => {
    const mapping = path.join(fx.dir, 'mapping.json');
    expect((await runCli(['init', path.join(fx.dir, 'keys.db'), '--out', mapping])).code).toBe(0);
    const r = await runCli(['migrate', '--mapping', mapping, '--source-dir', fx.dir, '--target', fx.db.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const table = (t: string) => r.json.tables.find((x: { target: string }) => x.target === `keys.${t}`);
    expect(table('plain')).toMatchObject({ sourceRows: 501, loadedRows: 501, rejectedRows: 0 });
    expect(table('pair')).toMatchObject({ sourceRows: 2, loadedRows: 2, rejectedRows: 0 });
    expect(table('blobbed')).toMatchObject({
      sourceRows: 3,
      loadedRows: 2,
      rejectedRows: 1,
      rejectsByCode: { unique: 1 },
    });
    const rejected = await fx.db.query(
      `SELECT source_rowid, reason_code FROM sqlite2pg.rejects WHERE target_table = 'keys.blobbed'`,
    );
    expect(rejected.rows).toEqual([{ source_rowid: '2', reason_code: 'unique' }]);
    const rows = await fx.db.query('SELECT k, v FROM keys.blobbed ORDER BY v');
    expect(rows.rows).toEqual([
      { k: 'cd', v: 'a BLOB key nothing repeats' },
      { k: 'ab', v: 'text key' },
    ]);
    const plain = await fx.db.query(`SELECT count(*)::int AS n, count(DISTINCT k)::int AS d FROM keys.plain`);
    expect(plain.rows[0]).toEqual({ n: 501, d: 501 });
  });
});
