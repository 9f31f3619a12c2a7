// Real PostgreSQL: values go into a table with a column of each type, come back through COPY TO STDOUT,
// and the two canonical forms must agree — and must disagree when the value sent was not the source value.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalFromPg, jsonbOutputIsCanonical } from '../../src/verify/canonical/canonical-pg.js';
import { canonicalJsonb, parseJson } from '../../src/verify/canonical/canonical-json.js';
import {
  canonicalFromSource,
  type CanonicalColumn,
  type Logical,
  type SourceValue,
} from '../../src/verify/canonical/canonical-source.js';
import { ChecksumAccumulator } from '../../src/verify/canonical/row-hash.js';
import { openSession, type PgSession } from './pg-session.js';

const TYPES: Record<Logical, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  numeric: 'numeric',
  text: 'text',
  boolean: 'boolean',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  date: 'date',
  jsonb: 'jsonb',
  json: 'json',
  bytea: 'bytea',
};
const LOGICALS = Object.keys(TYPES) as Logical[];

interface Case {
  logical: Logical;
  /** The SQLite value. */
  source: SourceValue;
  /** What a loader sent for it (here: sometimes wrong on purpose). */
  sent: unknown;
  /** SQL reading $1, when PostgreSQL should convert `sent` itself (default `$1::type`). */
  expr?: string;
  column?: Partial<CanonicalColumn>;
}

const f4next = (x: number) =>
  new Float32Array(new Uint32Array([new Uint32Array(new Float32Array([x]).buffer)[0] + 1]).buffer)[0];
const big = '{"n":12345678901234567890,"m":[0.1000000000000000000001]}';

/** Sent values PostgreSQL stores as the very source value: canonical forms must be equal. */
const SAME: Case[] = [
  { logical: 'int2', source: -32768n, sent: '-32768' },
  { logical: 'int4', source: '+007', sent: '+007' },
  { logical: 'int4', source: 42.0, sent: '42' },
  { logical: 'int8', source: 9223372036854775807n, sent: '9223372036854775807' },
  { logical: 'float4', source: Math.fround(0.1), sent: '0.1' },
  { logical: 'float4', source: 3.4028234663852886e38, sent: '3.4028234663852886e38' },
  { logical: 'float4', source: 2 ** -149, sent: String(2 ** -149) },
  { logical: 'float8', source: 0.1, sent: '0.1' },
  { logical: 'float8', source: 0.30000000000000004, sent: '0.30000000000000004' },
  { logical: 'float8', source: -0, sent: '-0' },
  { logical: 'float8', source: 5e-324, sent: '5e-324' },
  { logical: 'float8', source: 1.7976931348623157e308, sent: '1.7976931348623157e308' },
  { logical: 'float8', source: NaN, sent: 'NaN' },
  { logical: 'float8', source: -Infinity, sent: '-Infinity' },
  { logical: 'float8', source: '1e2', sent: '1e2' },
  { logical: 'float8', source: 9007199254740992n, sent: '9007199254740992' },
  { logical: 'numeric', source: '1.50', sent: '1.50' },
  { logical: 'numeric', source: '1.50', sent: '1.5' }, // equal values: numeric compares by value (see canonical-number.ts)
  {
    logical: 'numeric',
    source: '-12345678901234567890.000000000000000000001',
    sent: '-12345678901234567890.000000000000000000001',
  },
  { logical: 'numeric', source: '1.5e-7', sent: '1.5e-7' },
  { logical: 'numeric', source: 1e21, sent: '1e+21' },
  { logical: 'numeric', source: 123456789012345678901234567890n, sent: '123456789012345678901234567890' },
  { logical: 'numeric', source: NaN, sent: 'NaN' },
  { logical: 'text', source: 'trailing space ', sent: 'trailing space ' },
  { logical: 'text', source: '\\N', sent: '\\N' },
  { logical: 'text', source: 'tab\tnl\ncr\r\\back', sent: 'tab\tnl\ncr\r\\back' },
  { logical: 'text', source: 'é😀&#x27;', sent: 'é😀&#x27;' },
  { logical: 'text', source: '', sent: '' },
  { logical: 'text', source: 1.0, sent: '1.0' },
  { logical: 'text', source: Buffer.from('from a blob'), sent: 'from a blob' },
  { logical: 'boolean', source: 'TRUE', sent: 'TRUE' },
  { logical: 'boolean', source: 0n, sent: 'f' },
  {
    logical: 'timestamp',
    source: '2024-06-01T12:00:00.123456+02:00',
    sent: '2024-06-01T12:00:00.123456+02:00',
    expr: "$1::timestamptz AT TIME ZONE 'UTC'",
  },
  { logical: 'timestamp', source: '0001-01-01 00:00:00', sent: '0001-01-01 00:00:00' },
  { logical: 'timestamp', source: '9999-12-31 23:59:59.999999', sent: '9999-12-31 23:59:59.999999' },
  { logical: 'timestamp', source: '2024-06-01 12:00', sent: '2024-06-01 12:00' },
  { logical: 'timestamptz', source: '2024-06-01 12:00:00.5-04', sent: '2024-06-01 12:00:00.5-04' },
  { logical: 'timestamptz', source: 1700000000n, sent: 1700000000, expr: 'to_timestamp($1)' },
  { logical: 'timestamptz', source: 1700000000123n, sent: 1700000000.123, expr: 'to_timestamp($1)' },
  {
    logical: 'timestamptz',
    source: '2024-07-15T12:00:00',
    sent: '2024-07-15T12:00:00',
    expr: "$1::timestamp AT TIME ZONE 'America/New_York'",
    column: { localTimeZone: 'America/New_York' },
  },
  {
    logical: 'timestamptz',
    source: '2024-07-15 12:00:00',
    sent: '2024-07-15 12:00:00',
    column: { localTimeZone: 'America/New_York' },
  },
  { logical: 'date', source: '2024-02-29', sent: '2024-02-29' },
  { logical: 'date', source: '2024-02-29 00:00:00', sent: '2024-02-29' },
  { logical: 'jsonb', source: '{"b":1,"a":2}', sent: '{"b":1,"a":2}' },
  { logical: 'jsonb', source: '{"b":1,"a":2}', sent: '{"a": 2, "b": 1}' },
  { logical: 'jsonb', source: '{"a":1,"a":2}', sent: '{"a":1,"a":2}' },
  { logical: 'jsonb', source: '{"a":1,"a":2}', sent: '{"a":2}' },
  { logical: 'jsonb', source: '[1e2, 1.0, 1.50, 1E-2]', sent: '[1e2, 1.0, 1.50, 1E-2]' },
  { logical: 'jsonb', source: '[1e2, 1.0]', sent: '[100, 1]' },
  { logical: 'jsonb', source: '"\\u00e9\\ud83d\\ude00\\/"', sent: '"\\u00e9\\ud83d\\ude00\\/"' },
  { logical: 'jsonb', source: '"\\u00e9"', sent: '"é"' },
  { logical: 'jsonb', source: big, sent: big },
  {
    logical: 'jsonb',
    source: '{"aa":1,"b":2,"é":3,"z":{"y":[true,null,"\\t"]},"":0}',
    sent: '{"aa":1,"b":2,"é":3,"z":{"y":[true,null,"\\t"]},"":0}',
  },
  { logical: 'jsonb', source: 12345678901234567890n, sent: '12345678901234567890' },
  {
    logical: 'jsonb',
    source: `${'['.repeat(5000)}1${']'.repeat(5000)}`,
    sent: `${'['.repeat(5000)}1${']'.repeat(5000)}`,
  },
  { logical: 'json', source: '{"b":1,  "a":2, "a":3, "n":1.50}', sent: '{"b":1,  "a":2, "a":3, "n":1.50}' },
  { logical: 'json', source: '"\\u0000 \\ud800"', sent: '"\\u0000 \\ud800"' },
  { logical: 'bytea', source: Buffer.from([0, 255, 92, 10]), sent: Buffer.from([0, 255, 92, 10]) },
  { logical: 'bytea', source: 'é', sent: Buffer.from('é') },
  { logical: 'int4', source: null, sent: null },
  { logical: 'text', source: '', sent: null, column: { emptyAsNull: true } },
];

/** A loader bug each: PostgreSQL holds something other than the source value, and it must show. */
const DIFFERENT: Case[] = [
  { logical: 'jsonb', source: big, sent: JSON.stringify(JSON.parse(big)) }, // big integer rounded by JSON.parse
  { logical: 'jsonb', source: '{"n":12345678901234567890}', sent: '{"n":12345678901234567891}' },
  { logical: 'jsonb', source: '{"a":1,"a":2}', sent: '{"a":1}' },
  { logical: 'jsonb', source: '"\\u00e9"', sent: '"e"' },
  { logical: 'jsonb', source: '[1.5]', sent: '[1.51]' },
  { logical: 'jsonb', source: '{"a":"1"}', sent: '{"a":1}' },
  { logical: 'json', source: '{"b":1,"a":2}', sent: '{"a": 2, "b": 1}' },
  { logical: 'timestamp', source: '2024-06-01 12:00:00', sent: '2024-06-01 13:00:00' },
  { logical: 'timestamptz', source: '2024-06-01 12:00:00.000001', sent: '2024-06-01 12:00:00' },
  {
    logical: 'timestamptz',
    source: '2024-07-15T12:00:00',
    sent: '2024-07-15 12:00:00',
    column: { localTimeZone: 'America/New_York' },
  },
  { logical: 'timestamptz', source: 1700000000123n, sent: 1700000000123, expr: 'to_timestamp($1)' }, // ms read as seconds
  { logical: 'float8', source: 0.1, sent: '0.10000000000000002' },
  { logical: 'float8', source: -0, sent: '0' },
  { logical: 'float8', source: 0.30000000000000004, sent: '0.3' },
  { logical: 'float4', source: Math.fround(0.1), sent: String(f4next(Math.fround(0.1))) },
  { logical: 'numeric', source: '1.5', sent: '1.50001' },
  { logical: 'numeric', source: '12345678901234567890', sent: '12345678901234567000' },
  { logical: 'int8', source: 9007199254740993n, sent: '9007199254740992' },
  { logical: 'text', source: 'abc ', sent: 'abc' },
  { logical: 'text', source: 'é', sent: 'e\u0301' },
  { logical: 'text', source: '', sent: null },
  { logical: 'text', source: null, sent: 'NULL' },
  { logical: 'text', source: '\\N', sent: null },
  { logical: 'text', source: 1.0, sent: '1' },
  { logical: 'bytea', source: Buffer.from([1, 2]), sent: Buffer.from([1, 3]) },
  { logical: 'boolean', source: 'f', sent: 'true' },
  { logical: 'date', source: '2024-02-29', sent: '2024-03-01' },
];

const ALL = [...SAME, ...DIFFERENT];
let pg: PgSession;
let rows: (string | null)[][];

function sourceCanon(c: Case): string | null {
  const r = canonicalFromSource({ logical: c.logical, localTimeZone: null, emptyAsNull: false, ...c.column }, c.source);
  if (!r.ok) throw new Error(`source value not representable: ${r.reason}`);
  return r.value;
}

function pgCanon(c: Case, row: (string | null)[]): string | null {
  return canonicalFromPg(c.logical, row[1 + LOGICALS.indexOf(c.logical)]);
}

beforeAll(async () => {
  pg = await openSession();
  const cols = LOGICALS.map((l) => `c_${l} ${TYPES[l]}`).join(', ');
  await pg.client.query(`CREATE TABLE every_type (id integer PRIMARY KEY, ${cols})`);
  for (const [i, c] of ALL.entries()) {
    const expr = c.expr ?? `$2::${TYPES[c.logical]}`;
    await pg.client.query(`INSERT INTO every_type (id, c_${c.logical}) VALUES ($1, ${expr.replaceAll('$1', '$2')})`, [
      i,
      c.sent,
    ]);
  }
  rows = await pg.copyRows(`SELECT id, ${LOGICALS.map((l) => `c_${l}`).join(', ')} FROM every_type ORDER BY id`);
});

afterAll(async () => {
  await pg?.close();
});

describe('canonical forms against PostgreSQL (COPY TO STDOUT)', () => {
  it('reads back every row', () => {
    expect(rows.map((r) => Number(r[0]))).toEqual(ALL.map((_, i) => i));
  });

  it.each(SAME.map((c, i) => [i, c.logical, c] as const))(
    'agrees on what PostgreSQL stores as sent: #%i %s',
    (i, _l, c) => {
      expect(pgCanon(c, rows[i])).toBe(sourceCanon(c));
    },
  );

  it.each(DIFFERENT.map((c, i) => [SAME.length + i, c.logical, c] as const))(
    'disagrees on a changed value: #%i %s',
    (i, _l, c) => {
      expect(pgCanon(c, rows[i])).not.toBe(sourceCanon(c));
    },
  );

  it('gives equal table checksums for the same rows, and different ones when one value changed', () => {
    const rowOf = (c: Case, value: string | null) => LOGICALS.map((l) => (l === c.logical ? value : null));
    const source = new ChecksumAccumulator();
    const target = new ChecksumAccumulator();
    SAME.forEach((c, i) => {
      source.addRow(rowOf(c, sourceCanon(c)));
      target.addRow(rowOf(c, pgCanon(c, rows[i])));
    });
    expect(target.digest()).toBe(source.digest());
    const c = DIFFERENT[0];
    source.addRow(rowOf(c, sourceCanon(c)));
    target.addRow(rowOf(c, pgCanon(c, rows[SAME.length])));
    expect(target.digest()).not.toBe(source.digest());
  });

  it('reads timestamptz the same whatever the session time zone', async () => {
    await pg.client.query("SET TimeZone = 'Asia/Kolkata'");
    try {
      const shifted = await pg.copyRows(
        'SELECT id, c_timestamptz FROM every_type WHERE c_timestamptz IS NOT NULL ORDER BY id',
      );
      expect(shifted.length).toBeGreaterThan(3);
      for (const [id, text] of shifted) {
        expect(text).toMatch(/\+05:30$/);
        expect(canonicalFromPg('timestamptz', text)).toBe(
          canonicalFromPg('timestamptz', rows[Number(id)][1 + LOGICALS.indexOf('timestamptz')]),
        );
      }
    } finally {
      await pg.client.query("SET TimeZone = 'UTC'");
    }
  });
});

describe('jsonb output read without parsing', () => {
  it("takes PostgreSQL's jsonb text as it is exactly when parsing and printing it again would not change it", async () => {
    const written = [
      '[1.50, 0.0, -0.0, 1e2, 1E-2, 100, 10.10, 0.5, -0.25, 1e-7, 123.4560]',
      '{"b": 1, "a": {"é": "x\\u0001\\"\\\\ y", "aa": [true, false, null, "1.50", "e", "-0"]}, "": -0.0}',
      '{"n": 12345678901234567890.000, "m": [0.1000000000000000000001]}',
      '"\\u00e9\\ud83d\\ude00\\/ 2.50"',
      '{}',
      '[]',
      '0',
      '-0.000',
      '3.0e0',
    ];
    const generated = fc.sample(fc.json({ maxDepth: 3 }), { numRuns: 400, seed: 42 });
    const texts = [...written, ...generated];
    const { rows: back } = await pg.client.query<{ t: string }>(
      'SELECT x::text AS t FROM unnest($1::jsonb[]) WITH ORDINALITY AS u(x, n) ORDER BY n',
      [texts],
    );
    expect(back).toHaveLength(texts.length);
    let fast = 0;
    for (const { t } of back) {
      const parsed = parseJson(t, 'json');
      if (!parsed.ok) throw new Error(`PostgreSQL printed JSON the reader refuses: ${t}`);
      const slow = canonicalJsonb(parsed.value);
      expect(jsonbOutputIsCanonical(t)).toBe(slow === t);
      expect(canonicalFromPg('jsonb', t)).toBe(slow);
      if (slow === t) fast++;
    }
    // Both ways are exercised: most values need no second look, the written numbers with a display scale do.
    expect(fast).toBeGreaterThan(texts.length / 2);
    expect(fast).toBeLessThan(texts.length);
  });
});
