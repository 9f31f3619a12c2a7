// No SQL injection through names or values, whatever standard_conforming_strings the target database sets:
// a SQLite file with hostile table, column and constraint names, a hostile DEFAULT and hostile text keys
// goes through `init`, `migrate` and a `verify` that must read the hostile keys again (its re-check builds a
// COPY (SELECT … WHERE (k) IN ((…))) TO STDOUT, the one place a key is written into SQL text) — on a
// database set to standard_conforming_strings = off and on one left on. Only the intended objects change.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { useFixtureTarget } from '../support/fixture-target.js';
import { runCli, type CliResult } from '../support/cli.js';
import type { Mapping } from '../../src/model/mapping-types.js';

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Where a `COPY … TO PROGRAM` that got through would leave its mark (the server's /tmp, this host). */
const MARKER = path.join('/tmp', `s2p-injected-${randomBytes(6).toString('hex')}`);

// Names and values from the issue, and more of the same kind.
const TABLE = "t\\'); COMMIT; DROP TABLE public.foo; --";
const PARENT = 'p$$';
const KEY_COL = 'k$$';
const KEYS = [
  "\\'))) TO STDOUT; DROP TABLE public.foo; --",
  `\\'))) TO STDOUT; COPY (SELECT 1) TO PROGRAM $p$touch ${MARKER}$p$; --`,
  '$$',
  '\\',
  "it's",
  'plain',
];
// On the last column: after breaking out of its literal, `SELECT (1 --` swallows the DDL's closing `);`.
const DEFAULT_VALUE = "a\\'); DROP TABLE public.foo; SELECT (1 --";

/** What the SQLite file holds, to compare the target with. */
const PARENT_ROWS = KEYS.map((k, i) => [k, i]);
const CHILD_ROWS = KEYS.map((k, i) => [i + 1, `v ${k}`, k, `w${i}`, `d ${k}`]);

function makeHostileFile(file: string): void {
  const d = new Database(file);
  d.exec(`
    CREATE TABLE ${q(PARENT)} (${q(KEY_COL)} TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;
    CREATE TABLE ${q(TABLE)} (
      id INTEGER PRIMARY KEY, "v$$" TEXT, "ref$s2p$" TEXT REFERENCES ${q(PARENT)} (${q(KEY_COL)}), w TEXT UNIQUE,
      d TEXT DEFAULT '${DEFAULT_VALUE.replace(/'/g, "''")}');`);
  const p = d.prepare(`INSERT INTO ${q(PARENT)} VALUES (?, ?)`);
  for (const [k, n] of PARENT_ROWS) p.run(k, BigInt(n));
  const c = d.prepare(`INSERT INTO ${q(TABLE)} VALUES (?, ?, ?, ?, ?)`);
  for (const [id, v, ref, w, dv] of CHILD_ROWS) c.run(BigInt(id), v, ref, w, dv);
  d.close();
}

const fx = useFixtureTarget('s2p-inject-', { fixtures: false, database: false });
let init: CliResult;
let mappingPath: string;

beforeAll(async () => {
  makeHostileFile(path.join(fx.dir, 'hostile.db'));
  mappingPath = path.join(fx.dir, 'mapping.json');
  // Names kept exactly (the default snake_case would wash the hostile ones out).
  init = await runCli(['init', path.join(fx.dir, 'hostile.db'), '--identifiers', 'keep', '--out', mappingPath]);
});

afterAll(() => {
  rmSync(MARKER, { force: true });
});

describe('init writes the hostile names and DEFAULT as they are', () => {
  it('keeps every name, and the DEFAULT as a literal that means the same under every setting', () => {
    expect(init.code, init.stderr).toBe(0);
    const mapping = JSON.parse(readFileSync(mappingPath, 'utf8')) as Mapping;
    const tables = mapping.sources[0].tables;
    expect(tables.map((t) => t.target)).toEqual([PARENT, TABLE]);
    const child = tables[1];
    expect(child.columns.map((c) => c.name)).toEqual(['id', 'v$$', 'ref$s2p$', 'w', 'd']);
    expect(child.columns.find((c) => c.name === 'd')!.default).toBe("E'a\\\\''); DROP TABLE public.foo; SELECT (1 --'");
    expect(child.foreignKeys).toEqual([
      {
        name: `${TABLE}_ref$s2p$_fkey`,
        columns: ['ref$s2p$'],
        references: `hostile.${PARENT}`,
        referencedColumns: [KEY_COL],
      },
    ]);
  });
});

describe.each(['off', 'on'] as const)('on a database with standard_conforming_strings = %s', (scs) => {
  let db: TestDatabase;
  let before: string[];

  /** Every relation outside the schemas sqlite2pg writes, with foo's rows: what must not change. */
  const untouched = async () => {
    const rels =
      await db.query(`SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('hostile', 'sqlite2pg', 'pg_toast') ORDER BY 1`);
    const foo = await db.query('SELECT x FROM public.foo ORDER BY x');
    return [...rels.rows.map((r) => r.r as string), `foo: ${JSON.stringify(foo.rows)}`];
  };
  const run = (command: string, ...args: string[]) =>
    runCli([command, '--mapping', mappingPath, '--source-dir', fx.dir, '--target', db.url, '--json', ...args]);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(`ALTER DATABASE ${q(db.name)} SET standard_conforming_strings = ${scs}`);
    expect((await db.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe(scs);
    await db.query('CREATE TABLE public.foo (x int); INSERT INTO public.foo VALUES (1), (2)');
    before = await untouched();
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('migrate loads every hostile table exactly, with its keys, unique constraint, foreign key and DEFAULT (exit 0, and 0 again on resume)', async () => {
    const m = await run('migrate');
    expect(m.code, m.stderr).toBe(0);
    expect(await untouched()).toEqual(before);
    expect(existsSync(MARKER)).toBe(false);

    const parent = await db.query(`SELECT ${q(KEY_COL)} AS k, n::int FROM hostile.${q(PARENT)} ORDER BY n`);
    expect(parent.rows.map((r) => [r.k, r.n])).toEqual(PARENT_ROWS);
    const child = await db.query(
      `SELECT id::int, "v$$" AS v, "ref$s2p$" AS ref, w, d FROM hostile.${q(TABLE)} ORDER BY id`,
    );
    expect(child.rows.map((r) => [r.id, r.v, r.ref, r.w, r.d])).toEqual(CHILD_ROWS);

    // Keys only: PostgreSQL 18 also lists each NOT NULL in pg_constraint (contype 'n').
    const constraints = await db.query(
      `SELECT c.contype::text || ' ' || c.conname AS k FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'hostile' AND c.contype IN ('p', 'u', 'f') ORDER BY 1`,
    );
    expect(constraints.rows.map((r) => r.k)).toEqual(
      [`f ${TABLE}_ref$s2p$_fkey`, `p ${PARENT}_pkey`, `p ${TABLE}_pkey`, `u ${TABLE}_w_key`].sort(),
    );
    // The DEFAULT is the source's value, and the foreign key holds (both in a transaction rolled back).
    const inserted = (await db.query(
      `BEGIN; INSERT INTO hostile.${q(TABLE)} (w) VALUES ('new') RETURNING d; ROLLBACK;`,
    )) as unknown as pg.QueryResult[];
    expect(inserted[1].rows).toEqual([{ d: DEFAULT_VALUE }]);
    await expect(db.query(`INSERT INTO hostile.${q(TABLE)} ("ref$s2p$") VALUES ('no such key')`)).rejects.toThrow(
      /foreign key/,
    );

    // Again as a resume: every DO block of the key DDL runs again over keys that exist, and is a no-op.
    const again = await run('migrate', '--mode', 'resume');
    expect(again.code, again.stderr).toBe(0);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'hostile' AND c.contype IN ('p', 'u', 'f')`,
        )
      ).rows[0].n,
    ).toBe(4);
    expect(await untouched()).toEqual(before);
  });

  it('verify reads the hostile keys again and names them, running nothing else (exit 0, then 1 after tampering)', async () => {
    const clean = await run('verify');
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json.tables.map((t: { status: string }) => t.status)).toEqual(['match', 'match']);

    // Rows verify must re-check by key: that is when a key is written into the re-check query.
    const tampered = KEYS.slice(0, 4);
    await db.query(`UPDATE hostile.${q(PARENT)} SET n = n + 100 WHERE ${q(KEY_COL)} = ANY($1)`, [tampered]);
    const v = await run('verify');
    expect(v.code, v.stderr).toBe(1);
    const t = v.json.tables.find((x: { target: string }) => x.target === `hostile.${PARENT}`);
    expect(t.differences).toMatchObject({ missing: 0, extra: 0, changed: tampered.length });
    expect(
      t.differences.samples
        .map((s: { key: string; kind: string; columns: string[] }) => [s.key, s.kind, s.columns])
        .sort(),
    ).toEqual(tampered.map((k) => [k, 'changed', ['n']]).sort());
    expect(await untouched()).toEqual(before);
    expect(existsSync(MARKER)).toBe(false);
  });
});
