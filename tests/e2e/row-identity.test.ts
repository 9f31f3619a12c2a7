// A WITHOUT ROWID table whose untyped key holds look-alikes of several storage classes (integer 1, text '1',
// BLOB X'31', real 2.0, text '2.0'): each row keeps its own identity, so the load's accounting is exact,
// verify leaves out exactly the rejected rows, and a loaded row deleted from PostgreSQL is reported missing.
// TEXT keys that are not UTF-8 (which better-sqlite3 reads with U+FFFD) keep their bytes as their identity.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';
import type { Mapping } from '../../src/model/mapping-types.js';

const fx = useFixtureTarget('s2p-ident-', { fixtures: false });
let mappingFile: string;
let migrate: CliResult;

const blob = (hex: string) => Buffer.from(hex, 'hex');

beforeAll(async () => {
  const d = new Database(path.join(fx.dir, 'mixed.db'));
  d.exec(`CREATE TABLE k (id PRIMARY KEY, v TEXT) WITHOUT ROWID;
          CREATE TABLE pairs (a, b TEXT, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;
          CREATE TABLE bad (id TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
          CREATE TABLE stripped (id TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;`);
  const k = d.prepare('INSERT INTO k VALUES (?, ?)');
  // In SQLite's key order (numbers, then text, then BLOBs): the first of each colliding group is loaded.
  const rows: [unknown, string][] = [
    [1n, 'integer one'],
    [1.5, 'real one and a half'],
    [2.0, 'real two'],
    ['1', 'text one'],
    ['2.0', 'text two'],
    ['b', 'text b'],
    [blob('31'), 'blob one'],
    [blob('63'), 'blob c'],
    [blob('ff00'), 'blob, not UTF-8'],
  ];
  for (const [id, v] of rows) k.run(id, v);
  const p = d.prepare('INSERT INTO pairs VALUES (?, ?, ?)');
  for (const [a, b, v] of [
    [1n, 'x', 'integer'],
    ['1', 'x', 'text'],
    [blob('31'), 'x', 'blob'],
    ['1', 'y', 'other b'],
  ])
    p.run(a, b, v);
  // Two keys that read alike ('a' and U+FFFD), a real U+FFFD, and a plain one.
  const bad = d.prepare('INSERT INTO bad VALUES (CAST(? AS TEXT), ?)');
  for (const [hex, v] of [
    ['61ff', 'a + ff'],
    ['61fe', 'a + fe'],
    ['61efbfbd', 'a + U+FFFD'],
    ['6f6b', 'ok'],
  ])
    bad.run(blob(hex), v);
  // 600 keys that are not UTF-8, in pairs that read alike, across pages of 256 rows: `strip` makes each
  // pair one key (the first loaded, the second rejected as unique).
  const stripped = d.prepare('INSERT INTO stripped VALUES (CAST(? AS TEXT), ?)');
  for (let i = 0; i < 300; i++)
    for (const end of ['fe', 'ff']) stripped.run(Buffer.concat([Buffer.from(`k${i}`), blob(end)]), BigInt(i));
  d.close();
  mappingFile = path.join(fx.dir, 'mapping.json');
  const init = await runCli(['init', path.join(fx.dir, 'mixed.db'), '--out', mappingFile]);
  expect(init.code, init.stderr).toBe(0);
  // The key columns must be text for the look-alikes to collide; init chooses from the stored values.
  const mapping = JSON.parse(readFileSync(mappingFile, 'utf8')) as Mapping;
  for (const t of mapping.sources[0].tables)
    for (const c of t.columns) if (c.name === 'id' || c.name === 'a') c.type = 'text';
  mapping.sources[0].tables.find((t) => t.source === 'stripped')!.columns.find((c) => c.name === 'id')!.policy =
    'strip';
  writeFileSync(mappingFile, JSON.stringify(mapping));
  migrate = await runCli([
    'migrate',
    '--mapping',
    mappingFile,
    '--source-dir',
    fx.dir,
    '--target',
    fx.db.url,
    '--json',
  ]);
});

const verify = () =>
  runCli(['verify', '--mapping', mappingFile, '--source-dir', fx.dir, '--target', fx.db.url, '--json']);
const tableOf = (r: CliResult, name: string) =>
  r.json.tables.find((t: { target: string }) => t.target === `mixed.${name}`);

describe('row identity across storage classes', () => {
  it('migrate exits 0 with every source row loaded or rejected, none counted twice', () => {
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(tableOf(migrate, 'k')).toMatchObject({
      sourceRows: 9,
      loadedRows: 5,
      rejectedRows: 4,
      targetRows: 5,
      rejectsByCode: { unique: 3, invalid_utf8: 1 },
      status: 'match',
    });
    expect(tableOf(migrate, 'k').differences).toMatchObject({ missing: 0, extra: 0, changed: 0 });
    expect(tableOf(migrate, 'pairs')).toMatchObject({
      sourceRows: 4,
      loadedRows: 2,
      rejectedRows: 2,
      targetRows: 2,
      status: 'match',
    });
    expect(tableOf(migrate, 'bad')).toMatchObject({
      sourceRows: 4,
      loadedRows: 2,
      rejectedRows: 2,
      rejectsByCode: { invalid_utf8: 2 },
      status: 'match',
    });
    expect(tableOf(migrate, 'stripped')).toMatchObject({
      sourceRows: 600,
      loadedRows: 300,
      rejectedRows: 300,
      changedValues: 300,
      rejectsByCode: { unique: 300 },
      status: 'match',
    });
  });

  it('keeps a TEXT key that is not UTF-8 as its bytes: rejected, or stripped, never loaded as U+FFFD', async () => {
    const r = await fx.db.query(
      `SELECT source_rowid, reason_code, original_row FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = 'mixed.bad' ORDER BY 1`,
      [migrate.json.runId],
    );
    expect(r.rows.map((x) => [x.source_rowid, x.reason_code, x.original_row.v])).toEqual([
      ["CAST(X'61FE' AS TEXT)", 'invalid_utf8', 'a + fe'],
      ["CAST(X'61FF' AS TEXT)", 'invalid_utf8', 'a + ff'],
    ]);
    const bad = await fx.db.query(`SELECT encode(convert_to(id, 'UTF8'), 'hex') AS id, v FROM mixed.bad ORDER BY v`);
    expect(bad.rows).toEqual([
      { id: '61efbfbd', v: 'a + U+FFFD' },
      { id: '6f6b', v: 'ok' },
    ]);
    const stripped = await fx.db.query('SELECT id, n FROM mixed.stripped ORDER BY n');
    expect(stripped.rows).toEqual(Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, n: String(i) })));
    const changes = await fx.db.query(
      `SELECT source_rowid, new_value FROM sqlite2pg.changes WHERE run_id = $1 AND target_table = 'mixed.stripped' ORDER BY source_rowid`,
      [migrate.json.runId],
    );
    const hex = (s: string) => Buffer.from(s).toString('hex').toUpperCase();
    expect(changes.rows).toHaveLength(300);
    expect(changes.rows[0]).toEqual({ source_rowid: `CAST(X'${hex('k0')}FE' AS TEXT)`, new_value: 'k0' });
    const unique = await fx.db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE source_rowid LIKE 'CAST(X''6B%FF'' AS TEXT)')::int AS ff FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = 'mixed.stripped'`,
      [migrate.json.runId],
    );
    expect(unique.rows[0]).toEqual({ n: 300, ff: 300 });
  });

  it('records each reject by a readable typed identity, the reason naming the key it repeats', async () => {
    const r = await fx.db.query(
      `SELECT target_table, source_rowid, reason_code, reason FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table IN ('mixed.k', 'mixed.pairs') ORDER BY target_table, source_rowid`,
      [migrate.json.runId],
    );
    expect(r.rows.map((x) => [x.target_table, x.source_rowid, x.reason_code])).toEqual([
      ['mixed.k', "'1'", 'unique'],
      ['mixed.k', "'2.0'", 'unique'],
      ['mixed.k', "X'31'", 'unique'],
      ['mixed.k', "X'FF00'", 'invalid_utf8'],
      ['mixed.pairs', "('1', 'x')", 'unique'],
      ['mixed.pairs', "(X'31', 'x')", 'unique'],
    ]);
    const reason = Object.fromEntries(r.rows.map((x) => [x.source_rowid, x.reason]));
    expect(reason["'1'"]).toMatch(/^id = 1 repeats a key already loaded \(k_pkey\)$/);
    expect(reason["'2.0'"]).toMatch(/^id = 2\.0 repeats a key already loaded/);
    expect(reason["X'31'"]).toMatch(/^id = 1 repeats a key already loaded/);
    for (const id of r.rows.map((x) => x.source_rowid)) expect(id).not.toMatch(/Buffer|\[|\{/);
    // The identity is SQLite's own literal: pasted into a query, it finds exactly the rejected row.
    const sqlite = new Database(path.join(fx.dir, 'mixed.db'), { readonly: true });
    try {
      for (const x of r.rows.filter((y) => y.target_table === 'mixed.k')) {
        expect(
          sqlite.prepare(`SELECT count(*) FROM k WHERE quote(id) = ?`).pluck().get(x.source_rowid),
          x.source_rowid,
        ).toBe(1);
      }
    } finally {
      sqlite.close();
    }
    const loaded = await fx.db.query('SELECT id, v FROM mixed.k ORDER BY v');
    expect(loaded.rows).toEqual([
      { id: 'c', v: 'blob c' },
      { id: '1', v: 'integer one' },
      { id: '1.5', v: 'real one and a half' },
      { id: '2.0', v: 'real two' },
      { id: 'b', v: 'text b' },
    ]);
  });

  it('verify exits 0 on the faithful load, then reports a deleted row of a colliding group as missing by its key', async () => {
    const clean = await verify();
    expect(clean.code, clean.stderr).toBe(0);
    expect(tableOf(clean, 'k')).toMatchObject({ sourceRows: 9, rejectedRows: 4, targetRows: 5, status: 'match' });
    expect(tableOf(clean, 'k').checksum.match).toBe(true);

    // The loaded row of the 1 / '1' / X'31' group, a BLOB-keyed row, and a composite key's loaded row.
    await fx.db.query(`DELETE FROM mixed.k WHERE id IN ('1', 'c')`);
    await fx.db.query(`DELETE FROM mixed.pairs WHERE a = '1' AND b = 'x'`);
    await fx.db.query(`DELETE FROM mixed.stripped WHERE id = 'k7'`);
    const after = await verify();
    expect(after.code, after.stderr).toBe(1);
    const k = tableOf(after, 'k');
    expect(k.checksum.match).toBe(false);
    expect(k.differences).toMatchObject({ missing: 2, extra: 0, changed: 0 });
    expect(k.differences.samples).toEqual([
      { key: '1', kind: 'missing' },
      { key: 'c', kind: 'missing', sourceKey: "X'63'" },
    ]);
    expect(k.rejectedRows).toBe(4);
    const pairs = tableOf(after, 'pairs');
    expect(pairs.differences).toMatchObject({ missing: 1, extra: 0, changed: 0 });
    expect(pairs.differences.samples).toEqual([{ key: '["1","x"]', kind: 'missing', sourceKey: "(1, 'x')" }]);
    // Found again by its exact bytes on the re-check, so reported (a key no lookup finds would settle).
    const stripped = tableOf(after, 'stripped');
    expect(stripped.differences).toMatchObject({ missing: 1, extra: 0, changed: 0 });
    expect(stripped.differences.samples).toEqual([
      { key: 'k7', kind: 'missing', sourceKey: "CAST(X'6B37FE' AS TEXT)" },
    ]);
    expect(stripped.accounting).toMatchObject({ rejected: 300, policyChanges: 300, rechecked: 1 });
  });
});
