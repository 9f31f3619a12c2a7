// The one quoting module against a real server, under standard_conforming_strings off (settable per
// database or role on old installations) and on: a literal reads back as exactly its value and runs
// nothing; a dollar-quoted body reads back whole; the DDL of hostile names creates exactly its objects;
// and the target session pins the setting on whatever the database says.
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { dollarQuote, qualified, quoteIdent, quoteLiteral } from '../../src/pg/quote.js';
import { createTableSql, foreignKeySql, fullSchemaSql, primaryKeySql, uniqueSql } from '../../src/load/ddl.js';
import { connectTarget } from '../../src/pg/target.js';
import { silentLogger } from '../../src/runtime/log.js';
import type { ColumnPlan, RunPlan, TablePlan } from '../../src/model/table-plan.js';
import { createTestDatabase, useTestClient } from '../support/pg.js';

const HOSTILE = [
  "\\'))) TO STDOUT; DROP TABLE public.foo; --",
  "t\\'); COMMIT; DROP TABLE public.foo; --",
  "\\'; COPY (SELECT 1) TO PROGRAM 'false'; --",
  '\\',
  '\\\\',
  "'",
  "''",
  "\\'",
  "a\\'b\\\\'c",
  'ends in a backslash\\',
  '\\x41\\101\\u0041\\n\\t\\b', // escapes an E'' literal would decode if the backslashes were not doubled
  "E'x'",
  '$$',
  '$$; DROP TABLE public.foo; $$',
  '$s2p$',
  'line\nbreak\ttab\r',
  'é 漢字 🎉 \u2028',
  '',
];

const SETTINGS = ['off', 'on'] as const;

const session = useTestClient(async (c) => {
  await c.query('CREATE TABLE public.foo (x int); INSERT INTO public.foo VALUES (42)');
});

/** The sentinel table is still there, holding exactly its one row. */
async function expectSentinel(): Promise<void> {
  const r = await session.client.query('SELECT x FROM public.foo');
  expect(r.rows).toEqual([{ x: 42 }]);
}

describe.each(SETTINGS)('with standard_conforming_strings = %s', (scs) => {
  beforeAll(async () => {
    await session.client.query(`SET standard_conforming_strings = ${scs}`);
    expect((await session.client.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe(
      scs,
    );
  });

  it('a literal reads back as exactly its value, and runs nothing (simple-query protocol, as COPY and DDL go)', async () => {
    for (const value of HOSTILE) {
      // No bind values: pg sends this with the simple-query protocol, where stacked statements would run.
      const r = await session.client.query(`SELECT ${quoteLiteral(value)}::text AS v, 1 AS n`);
      expect(r.rows, JSON.stringify(value)).toEqual([{ v: value, n: 1 }]);
    }
    // All of them in one statement, inside the COPY (… IN ((…))) shape verify's re-check sends.
    const tuples = HOSTILE.map((v) => `(${quoteLiteral(v)})`).join(', ');
    const r = await session.client.query(
      `SELECT count(*)::int AS n FROM (VALUES ${tuples}) v(t) WHERE (t) IN (${tuples})`,
    );
    expect(r.rows[0].n).toBe(HOSTILE.length);
    await expectSentinel();
  });

  it('a dollar-quoted body reads back whole, whatever tag-like text it holds', async () => {
    for (const body of [...HOSTILE, 'x$', 'x$s2p', '$s2p$ and $s2p1$', 'ends $s2p1', '$s2p$s2p1$s2p2$']) {
      const quoted = dollarQuote(body);
      const r = await session.client.query(`SELECT ${quoted}::text AS v`);
      expect(r.rows, quoted).toEqual([{ v: body }]);
    }
    await expectSentinel();
  });

  it('the key and foreign-key DDL of names holding quotes, backslashes and dollar tags creates exactly those objects', async () => {
    const schema = `s\\'$$ ${scs}`;
    const parent = plan(schema, "p$$ \\'); DROP TABLE public.foo; --", ['k$$'], []);
    const child = plan(
      schema,
      'c$s2p$ x',
      ['id'],
      [
        {
          name: `fk$$ \\' $s2p$`,
          columns: ['ref$$'],
          references: `${schema}.${parent.target.table}`,
          referencedColumns: ['k$$'],
        },
      ],
    );
    child.unique = [{ name: "u$$\\'", columns: ['ref$$'] }];
    const ddl = [
      `CREATE SCHEMA ${quoteIdent(schema)}`,
      createTableSql(parent),
      createTableSql(child),
      primaryKeySql(parent)!,
      primaryKeySql(child)!,
      ...uniqueSql(child),
      ...foreignKeySql(child),
    ];
    // Twice: every statement after the schema is idempotent.
    for (const sql of [...ddl, ...ddl.slice(1)]) await session.client.query(sql);
    // Keys only: PostgreSQL 18 also lists each NOT NULL in pg_constraint (contype 'n').
    const r = await session.client.query<{ conname: string; contype: string }>(
      `SELECT c.conname, c.contype FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = $1 AND c.contype IN ('p', 'u', 'f') ORDER BY 1, 2`,
      [schema],
    );
    const found = r.rows.map((x) => `${x.contype} ${x.conname}`).sort();
    expect(found).toEqual(
      [`p ${child.target.table}_pkey`, `f fk$$ \\' $s2p$`, "u u$$\\'", `p ${parent.target.table}_pkey`].sort(),
    );
    // The foreign key holds: a child row must point at a parent row.
    await session.client.query(`INSERT INTO ${qualified(schema, parent.target.table)} VALUES ($1)`, ['k']);
    await session.client.query(`INSERT INTO ${qualified(schema, child.target.table)} VALUES (1, $1)`, ['k']);
    await expect(
      session.client.query(`INSERT INTO ${qualified(schema, child.target.table)} VALUES (2, $1)`, ['none']),
    ).rejects.toThrow(/foreign key/);
    await expectSentinel();
  });
});

function column(name: string): ColumnPlan {
  return { name, targetType: 'text', logical: 'text', nullable: true, default: null, serial: false } as ColumnPlan;
}

/** The DDL-relevant part of a table plan. */
function plan(schema: string, table: string, primaryKey: string[], foreignKeys: TablePlan['foreignKeys']): TablePlan {
  const columns = foreignKeys.length ? [column('id'), column('ref$$')] : [column('k$$')];
  return {
    target: { schema, table },
    columns,
    primaryKey,
    unique: [],
    indexes: [],
    foreignKeys,
  } as unknown as TablePlan;
}

describe('quoteLiteral and quoteIdent', () => {
  it('refuse a NUL character, which PostgreSQL text cannot hold', () => {
    expect(() => quoteLiteral('a\0b')).toThrow(/NUL/);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });

  it('write a value without a backslash as a plain literal (the same text under both settings)', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
  });
});

describe('plan --sql', () => {
  it('keeps text from the mapping inside its comment lines (a line break in it would start a line of SQL)', () => {
    const sql = fullSchemaSql({
      mappingName: 'm\nDROP TABLE public.foo;',
      schemaVersion: 1,
      deviations: ['d\r\nDROP TABLE public.foo;\rx'],
      schemas: [],
      tables: [],
      views: [],
    } as unknown as RunPlan);
    const lines = sql.split(/\r\n?|\n/).filter((l) => l !== '');
    expect(lines.every((l) => l.startsWith('--'))).toBe(true);
    expect(sql).toContain('-- Target schema of mapping "m\\nDROP TABLE public.foo;"');
  });
});

describe('the target session', () => {
  it('runs with standard_conforming_strings on even where the database sets it off', async () => {
    const off = await createTestDatabase();
    try {
      await off.query(`ALTER DATABASE ${quoteIdent(off.name)} SET standard_conforming_strings = off`);
      expect((await off.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe('off');
      const target = await connectTarget(off.url, { poolSize: 2, retries: 0, log: silentLogger });
      try {
        const clients = await Promise.all([target.pool.connect(), target.pool.connect()]);
        for (const c of clients)
          expect((await c.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe('on');
        for (const c of clients) c.release();
        // A worker thread's own connection takes the same options.
        const own = new pg.Client({ connectionString: target.settings.url, options: target.settings.options });
        await own.connect();
        expect((await own.query('SHOW standard_conforming_strings')).rows[0].standard_conforming_strings).toBe('on');
        await own.end();
      } finally {
        await target.close();
      }
    } finally {
      await off.drop();
    }
  }, 300_000); // creating a database waits on a busy server
});
