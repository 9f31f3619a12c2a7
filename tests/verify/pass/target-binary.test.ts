// The streaming pass reads the target side in COPY's binary format; narrowing, --grace and every earlier
// proof read the text format. Both must give every row the same digest, or a segment the pass finds
// different would narrow down to no row (and a matching one could hide a difference). Checked against a
// real server: a table of every logical type with their edge values, long values read apart in pieces,
// the binary output cut at random places (rows and long fields split between chunks).
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { TablePlan } from '../../../src/model/table-plan.js';
import { copyOut, CopyLines } from '../../../src/pg/copy-out.js';
import type { Logical } from '../../../src/verify/canonical/canonical-source.js';
import { SideTally } from '../../../src/verify/pass/side-tally.js';
import { binaryCopyOutSql, binaryTargetTally } from '../../../src/verify/pass/target-binary.js';
import { copyOutSql, targetCopyLines, targetLineTallier } from '../../../src/verify/pass/target-side.js';
import type { FirstLevelSpec } from '../../../src/verify/pass/segments.js';
import { useTestClient } from '../../support/pg.js';

const COLUMNS: [string, string, Logical][] = [
  ['id', 'int8', 'int8'],
  ['i2', 'int2', 'int2'],
  ['i4', 'int4', 'int4'],
  ['i8', 'int8', 'int8'],
  ['f4', 'real', 'float4'],
  ['f8', 'double precision', 'float8'],
  ['num', 'numeric', 'numeric'],
  ['txt', 'text', 'text'],
  ['flag', 'boolean', 'boolean'],
  ['ts', 'timestamp', 'timestamp'],
  ['tstz', 'timestamptz', 'timestamptz'],
  ['day', 'date', 'date'],
  ['doc', 'jsonb', 'jsonb'],
  ['raw', 'json', 'json'],
  ['bin', 'bytea', 'bytea'],
];

/** Edge values per column (SQL literals), cycled through the rows so each meets the others. */
const EDGES: Record<string, string[]> = {
  i2: ['0', '-32768', '32767', '-1'],
  i4: ['0', '-2147483648', '2147483647', '42'],
  i8: [
    '0',
    '9007199254740991',
    '9007199254740992',
    '-9007199254740993',
    '9223372036854775807',
    '-9223372036854775808',
    '-7',
  ],
  f4: ['0', '-0', '1.5', "'NaN'", "'Infinity'", '3.4028235e38', '1e-45'],
  f8: ['0', "'-0'", '0.1', "'NaN'", "'-Infinity'", "'Infinity'", '1e300', '5e-324', '123456789012345678', '-2.5'],
  num: ['0', '1.50', '-0.000', "'NaN'", '123456789012345678901234567890.123', '1e-20'],
  txt: ["''", "'plain'", "E'tab\\there\\nnew line \\\\ back'", "'ünïcödé 漢字 😀'", "'\\N'", "E'\\\\N'"],
  flag: ['true', 'false'],
  ts: [
    "'2024-02-29 12:34:56.789012'",
    "'infinity'",
    "'-infinity'",
    "'0044-03-15 12:00:00 BC'",
    "'1500-01-01 00:00:00'",
    "'2300-06-01 00:00:00.5'",
    "'20000-01-01 00:00:00'",
    "'1970-01-01 00:00:00'",
    "'1969-12-31 23:59:59.999999'",
  ],
  tstz: ["'2024-02-29 12:34:56+05:30'", "'infinity'", "'1600-01-01 00:00:00+00'", "'2000-01-01 00:00:00+00'"],
  day: ["'2024-02-29'", "'0001-12-31 BC'", "'infinity'"],
  doc: [`'{}'`, `'{"a": 1.50}'`, `'{"b": -0, "a": [1, 2.0]}'`, `'"ünï"'`, `'{"e": 1e5}'`, `'[null, true]'`],
  raw: [`'{"b":1, "a":2}'`, `'"\\\\u0041 ü"'`, `'[]'`],
  bin: ["''", "'\\x00ff10'", "'\\xdeadbeef'"],
};

const ROWS = 3000;

function valueSql(column: string, row: number): string {
  const edges = EDGES[column];
  // Every fifth value is NULL; the others cycle through the edges at their own pace.
  return row % 5 === column.length % 5 ? 'NULL' : `(${edges[(row * 7 + column.length) % edges.length]})`;
}

const session = useTestClient(async (c) => {
  await c.query(
    `SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET bytea_output = 'hex'`,
  );
  await c.query(`CREATE TABLE t (${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}, PRIMARY KEY (id))`);
  const rows: string[] = [];
  for (let r = 1; r <= ROWS; r++)
    rows.push(
      `(${r}, ${COLUMNS.slice(1)
        .map(([n, type]) => `${valueSql(n, r)}::${type}`)
        .join(', ')})`,
    );
  await c.query(`INSERT INTO t VALUES ${rows.join(', ')}`);
  // Long values: text read apart in pieces (3.5 MiB of ASCII), text gathered whole yet long in canonical
  // form (1.5 MiB, multi-byte), a bytea read apart (1 MiB: 2 Mi hex digits) and one gathered (200 KB).
  await c.query(`INSERT INTO t (id, txt, raw, bin, doc) VALUES
    (100001, repeat('abcdefg', 524288), NULL, NULL, NULL),
    (100002, repeat('ü', 786432) || 'x', to_json(repeat('漢', 400000)), decode(repeat('0aff', 262144), 'hex'), NULL),
    (100003, 'short', NULL, decode(repeat('ab', 200000), 'hex'), jsonb_build_object('k', repeat('z', 2000000))),
    (-5, repeat('é', 1048576), NULL, NULL, NULL)`);
});

const plan = {
  columns: COLUMNS.map(([name, , logical]) => ({ name, logical })),
  primaryKey: ['id'],
  target: { schema: 'public', table: 't' },
} as unknown as TablePlan;

async function chunksOf(client: pg.Client, sql: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of client.query(copyOut(sql)) as AsyncIterable<Buffer>) out.push(Buffer.from(chunk));
  return out;
}

/** A deterministic PRNG (mulberry32), so a failing split can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes cut again at random places, pieces of 1 byte to `most` bytes. */
function resplit(chunks: Buffer[], seed: number, most: number): Buffer[] {
  const all = Buffer.concat(chunks);
  const next = random(seed);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length;) {
    const size = 1 + Math.floor(next() ** 3 * most);
    out.push(Buffer.from(all.subarray(at, at + size)));
    at += size;
  }
  return out;
}

const SPECS: FirstLevelSpec[] = [{ kind: 'ranges', lo: '-5', hi: '100003' }, { kind: 'keys' }, { kind: 'rows' }];

function binaryTally(spec: FirstLevelSpec, chunks: Buffer[]): SideTally {
  const tally = new SideTally(spec, null);
  const reader = binaryTargetTally(plan, tally);
  for (const c of chunks) reader.push(c);
  reader.end();
  return tally;
}

function textTally(spec: FirstLevelSpec, chunks: Buffer[]): SideTally {
  const tally = new SideTally(spec, null);
  const lines: CopyLines = targetCopyLines(plan);
  const tallyLines = targetLineTallier(plan);
  for (const c of chunks) tallyLines(lines.push(c), tally);
  tallyLines(lines.end(), tally);
  return tally;
}

const summary = (t: SideTally) => ({
  seen: t.seen,
  digest: t.acc.digest(),
  limbs: Array.from(t.sums.limbs),
  counts: Array.from(t.sums.counts),
});

describe('binaryTargetTally', () => {
  it('gives every row the digest the text format gives it, in every segment', async () => {
    const text = await chunksOf(session.client, copyOutSql(plan));
    const binary = await chunksOf(session.client, binaryCopyOutSql(plan));
    for (const spec of SPECS) {
      const expected = summary(textTally(spec, text));
      expect(expected.seen).toBe(ROWS + 4);
      expect(summary(binaryTally(spec, binary))).toEqual(expected);
    }
  });

  it('gives the same tally however the output is cut (rows and long fields split between chunks)', async () => {
    const binary = await chunksOf(session.client, binaryCopyOutSql(plan));
    const expected = summary(binaryTally({ kind: 'keys' }, binary));
    for (const [seed, most] of [
      [1, 64],
      [2, 4096],
      [3, 300_000],
    ])
      expect(summary(binaryTally({ kind: 'keys' }, resplit(binary, seed, most)))).toEqual(expected);
  });

  it("reads a column whose type is not the plan's as unreadable values, without reading past its field", async () => {
    const binary = await chunksOf(session.client, binaryCopyOutSql(plan));
    // The plan's types as if the columns had been altered since: text and bytea (the last column: a row
    // split between chunks ends with it) read as int8, boolean as a double.
    const as: Record<string, Logical> = { txt: 'int8', bin: 'int8', flag: 'float8' };
    const altered = {
      ...plan,
      columns: plan.columns.map((c) => (as[c.name] ? { ...c, logical: as[c.name] } : c)),
    } as TablePlan;
    const tally = new SideTally({ kind: 'keys' }, null);
    const reader = binaryTargetTally(altered, tally);
    for (const c of resplit(binary, 4, 5000)) reader.push(c);
    reader.end();
    expect(tally.seen).toBe(ROWS + 4);
    expect(tally.acc.digest()).not.toBe(binaryTally({ kind: 'keys' }, binary).acc.digest());
  });

  it('tells one changed value apart, in each type', async () => {
    const c = session.client;
    const spec: FirstLevelSpec = { kind: 'keys' };
    const before = summary(binaryTally(spec, await chunksOf(c, binaryCopyOutSql(plan))));
    for (const [column, , logical] of COLUMNS.slice(1)) {
      await c.query('BEGIN');
      try {
        // Row 100003 holds NULL or a plain value in every column: set it to one of the column's edges.
        const edge = logical === 'text' ? "'other'" : logical === 'json' ? `'"other"'` : EDGES[column][1];
        const type = COLUMNS.find(([n]) => n === column)![1];
        await c.query(`UPDATE t SET ${column} = (${edge})::${type} WHERE id = 100003`);
        const after = summary(binaryTally(spec, await chunksOf(c, binaryCopyOutSql(plan))));
        expect(after.digest, column).not.toBe(before.digest);
        expect(after, column).toEqual(summary(textTally(spec, await chunksOf(c, copyOutSql(plan)))));
      } finally {
        await c.query('ROLLBACK');
      }
    }
  });
});
