// Round trip through real PostgreSQL: what the converters accept, COPY stores and gives back unchanged;
// what they reject, PostgreSQL would refuse or alter.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import type { TargetType } from '../../src/model/mapping-types.js';
import type { Conversion, ConvertOptions } from '../../src/transform/conversion.js';
import { encodeCopyRow } from '../../src/feed/copy-encode.js';
import { BINARY_HEADER, BINARY_TRAILER, BinaryRows, binaryCopyPossible } from '../../src/feed/copy-binary.js';
import { fieldText, type Field } from '../../src/transform/field.js';
import { TYPE_RULES } from '../../src/transform/logical-types.js';
import { losslessValueJson } from '../../src/transform/lossless-json.js';
import { formatDouble, formatFloat4, parseDecimal } from '../../src/transform/numbers.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';
import { useTestClient } from '../support/pg.js';

const SEED = 20261121;
const N = 300;
const sample = <T>(arb: fc.Arbitrary<T>, n = N): T[] => fc.sample(arb, { numRuns: n, seed: SEED });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MIN_MS = new Date('0001-01-01T00:00:00Z').getTime();
const MAX_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

// ---- value generators --------------------------------------------------------------------------

const anyInt = fc.bigInt(INT64_MIN, INT64_MAX);
const anyText = fc.string({ unit: 'binary', maxLength: 60 });
const copyHazards = fc.string({
  unit: fc.constantFrom('\\', '\t', '\n', '\r', 'N', '.', 'a', 'é', '😀', ' ', '\u0000'),
  maxLength: 12,
});
const blob = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const decimalText = fc.stringMatching(/^[+-]?([0-9]{1,20}\.?[0-9]{0,20}|\.[0-9]{1,20})([eE][+-]?[0-9]{1,3})?$/);

/** An instant as one of the accepted text forms, sometimes with an offset. */
const timestampText = fc
  .tuple(
    fc.integer({ min: MIN_MS + 86_400_000, max: MAX_MS - 86_400_000 }),
    fc.stringMatching(/^[0-9]{0,6}(000)?$|^[0-9]{7,9}$/),
    fc.constantFrom(' ', 'T'),
    fc.constantFrom('', '', 'Z', '+05:45', '-00:30', '+0200', '-11', '+15:59'),
  )
  .map(([ms, frac, sep, offset]) => {
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}${frac ? `.${frac}` : ''}${offset}`;
  });

const epoch = fc.oneof(
  fc.bigInt(-62135596800n, 99999999999n),
  fc.bigInt(100000000000n, 253402300799999n),
  fc
    .integer({ min: -2e9, max: 4e9 })
    .chain((s) => fc.integer({ min: 0, max: 999999 }).map((us) => Number(`${s}.${us}`))),
  fc.double({ min: -1e12, max: 1e14, noNaN: true }),
);

/** Naive T-separated wall times near DST changes in Paris, and anywhere from 1900 to 2100. */
const parisWallTime = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('2024-03-31', '2024-10-27', '1976-03-28', '2023-10-29'),
      fc.integer({ min: 0, max: 23 }),
      fc.integer({ min: 0, max: 59 }),
    )
    .map(([d, h, m]) => `${d}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`),
  fc
    .integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) })
    .map((ms) => new Date(ms).toISOString().slice(0, 26)),
);

const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 2)),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.bigInt(-(10n ** 30n), 10n ** 30n))
    .map(([v, b]) => `{"v": ${JSON.stringify(v)}, "big": ${b}}`),
  fc
    .tuple(
      fc.jsonValue({ maxDepth: 2 }),
      fc.nat(),
      fc.constantFrom('NaN', 'Infinity', '-0', '-0.0', '"\\u0000"', '"\\ud800"', ',', '}', "'", '1e400', '1E-7'),
    )
    .map(([v, at, token]) => {
      const t = JSON.stringify([v, 0]);
      const i = at % t.length;
      return t.slice(0, i) + token + t.slice(i);
    }),
);

const sqliteValue: fc.Arbitrary<SqliteValue> = fc.oneof(
  fc.constant(null),
  anyInt,
  fc.double(),
  anyText,
  copyHazards,
  blob,
  fc
    .uint8Array({ minLength: 1, maxLength: 20 })
    .map((b) => new InvalidUtf8Text(Buffer.concat([Buffer.from(b), Buffer.from([0xc3])]))),
);

// ---- the columns -------------------------------------------------------------------------------

type Compare = 'exact' | 'float8' | 'float4' | 'numeric' | 'jsonb' | 'lossless';

interface Column {
  name: string;
  type: TargetType;
  compare: Compare;
  options: ConvertOptions;
  values: SqliteValue[];
}

const naive: ConvertOptions = { localTimeZone: null };
const intEdges = (min: bigint, max: bigint): SqliteValue[] => [
  min,
  max,
  min - 1n,
  max + 1n,
  0n,
  -0,
  3.5,
  1e30,
  Infinity,
  -Infinity,
  NaN,
  '+5',
  '007',
  ' 5',
  '-0',
  Number(max),
  Number(min),
  2n ** 53n + 1n,
  INT64_MIN,
  INT64_MAX,
  String(max),
  String(max + 1n),
  Buffer.from([1]),
];
const intValues = (min: bigint, max: bigint) => [
  ...intEdges(min, max),
  ...sample(
    fc.oneof(
      fc.bigInt(min - 10n, max + 10n),
      anyInt,
      fc.double(),
      fc.integer().map((n) => n / 2),
      fc.bigInt(min, max).map(String),
      anyText,
    ),
  ),
];

const COLUMNS: Column[] = [
  { name: 'c_int2', type: 'smallint', compare: 'exact', options: naive, values: intValues(-32768n, 32767n) },
  { name: 'c_int4', type: 'integer', compare: 'exact', options: naive, values: intValues(-2147483648n, 2147483647n) },
  { name: 'c_int8', type: 'bigint', compare: 'exact', options: naive, values: intValues(INT64_MIN, INT64_MAX) },
  {
    name: 'c_float4',
    type: 'real',
    compare: 'float4',
    options: naive,
    values: [
      Math.fround(0.1),
      0.1,
      Math.fround(1e-45),
      Math.fround(3.4028234663852886e38),
      16777216n,
      16777217n,
      '0.1',
      '45813710',
      '45813712',
      '3.4028236e38',
      '1e-46',
      Infinity,
      -Infinity,
      NaN,
      -0,
      5e-324,
      Math.fround(1.1754943508222875e-38),
      45813712,
      ...sample(
        fc.oneof(
          fc.float(),
          fc.double(),
          anyInt,
          fc.bigInt(-(2n ** 30n), 2n ** 30n),
          fc.float().map(formatFloat4),
          fc.float().map((f) => f.toPrecision(9)),
          decimalText,
        ),
      ),
    ],
  },
  {
    name: 'c_float8',
    type: 'double precision',
    compare: 'float8',
    options: naive,
    values: [
      5e-324,
      -0,
      1e308,
      0.1 + 0.2,
      1.7976931348623157e308,
      Infinity,
      -Infinity,
      NaN,
      2n ** 53n,
      2n ** 53n + 1n,
      INT64_MIN,
      INT64_MAX,
      '0.1',
      '0.10000000000000000001',
      '34262784306106928',
      '34262784306106930',
      34262784306106928,
      '1e-400',
      '1e400',
      'inf',
      '-nan',
      '-0',
      ...sample(
        fc.oneof(
          fc.double(),
          anyInt,
          decimalText,
          fc.double().map(formatDouble),
          fc.double().map((d) => d.toPrecision(17)),
        ),
      ),
    ],
  },
  {
    name: 'c_numeric',
    type: 'numeric',
    compare: 'numeric',
    options: naive,
    values: [
      INT64_MIN,
      INT64_MAX,
      0.1,
      5e-324,
      1e308,
      -0,
      NaN,
      Infinity,
      -Infinity,
      34262784306106928,
      '1.50',
      '+5',
      '.5',
      '5.',
      '-0.000',
      '1e-16383',
      '12345678901234567890.12345678901234567890',
      'NaN',
      '1e-16384',
      '1e131072',
      ...sample(fc.oneof(anyInt, fc.double(), decimalText)),
    ],
  },
  {
    name: 'c_text',
    type: 'text',
    compare: 'exact',
    options: naive,
    values: [
      '\\N',
      '\\\\N',
      '\\.',
      'a\tb',
      'line\r\nnext\rold\n',
      'Tom &amp; Jerry&#x27;s',
      '',
      'x\u0000y',
      '\ufeffBOM',
      'a\ud800b',
      'x'.repeat(100_000),
      new InvalidUtf8Text(Buffer.from([0x63, 0xe9])),
      Buffer.from('blob é ✓'),
      Buffer.from([0xff]),
      Buffer.from([0x61, 0x00]),
      1,
      1e16,
      0.1,
      NaN,
      -0,
      Infinity,
      5e-324,
      INT64_MIN,
      ...sample(fc.oneof(anyText, copyHazards, fc.double(), anyInt, blob)),
    ],
  },
  {
    name: 'c_bool',
    type: 'boolean',
    compare: 'exact',
    options: naive,
    values: ['t', 'TRUE', 'f', 'False', '0', '1', 'yes', 0n, 1n, 2n, 0, 1, -0, 0.5, Buffer.from([1])],
  },
  {
    name: 'c_ts',
    type: 'timestamp',
    compare: 'exact',
    options: naive,
    values: [
      '0001-01-01 00:00:00',
      '9999-12-31 23:59:59.999999',
      '1970-01-01',
      '2024-02-29T12:00',
      '2024-02-30 10:00:00',
      '2023-02-29',
      '2024-01-01 23:59:60',
      '2024-01-01 24:00:00',
      '2024-03-01 10:00:00.1234567',
      '2024-03-01 10:00:00.123456000',
      '2024-03-01 10:00:00+05:45',
      '2024-03-01 10:00:00-00:30',
      '0001-01-01 00:30:00+01:00',
      1700000000n,
      1700000000123n,
      1700000000.123456,
      1700000000.1234567,
      -0.5,
      1e11,
      ...sample(fc.oneof(timestampText, epoch)),
    ],
  },
  { name: 'c_tstz', type: 'timestamptz', compare: 'exact', options: naive, values: [] },
  {
    name: 'c_tstz_paris',
    type: 'timestamptz',
    compare: 'exact',
    options: { localTimeZone: 'Europe/Paris' },
    values: [
      '2024-03-31T02:30:00',
      '2024-10-27T02:30:00',
      '2024-07-01T12:00:00',
      '2024-07-01 12:00:00',
      '1900-01-01T00:00:00',
      ...sample(parisWallTime),
    ],
  },
  {
    name: 'c_date',
    type: 'date',
    compare: 'exact',
    options: naive,
    values: [
      '0001-01-01',
      '9999-12-31',
      '2024-02-29',
      '2023-02-29',
      '2024-03-01 00:00:00',
      '2024-03-01 10:00:00',
      '2024-03-01T00:00:00Z',
      '2024-03-02T01:00:00+01:00',
      '2024-03-01T00:00:00+02:00',
      19000n,
      ...sample(
        fc.oneof(
          timestampText,
          timestampText.map((t) => t.slice(0, 10)),
        ),
      ),
    ],
  },
  {
    name: 'c_jsonb',
    type: 'jsonb',
    compare: 'jsonb',
    options: naive,
    values: [
      '{"id": 12345678901234567890, "min": -9223372036854775809}',
      '{"p": 0.1, "eps": 1e-07, "huge": 1e+300}',
      '{"name": "Caf\\u00e9", "mood": "\\ud83d\\ude00"}',
      '{"k": 1, "k": 2}',
      '{}',
      '1e131071',
      '1e-16383',
      '{"score": NaN}',
      '{"score": -Infinity}',
      '{"note": "a\\u0000b"}',
      '{"delta": -0.0}',
      '',
      "{'a': 1}",
      '{"s": "\\ud800"}',
      '[1e131072]',
      `${'['.repeat(1000)}${']'.repeat(1000)}`,
      '"\\t\\\\N\\n"',
      'a',
      12345678901234567890n,
      0.1,
      -0,
      NaN,
      Buffer.from('{"a": 1}'),
      ...sample(jsonText),
    ],
  },
  { name: 'c_json', type: 'json', compare: 'exact', options: naive, values: [] },
  {
    name: 'c_bytea',
    type: 'bytea',
    compare: 'exact',
    options: naive,
    values: [
      Buffer.alloc(0),
      Buffer.from([0, 0x5c, 0x0a, 0xff]),
      '\\x00',
      'é\u0000',
      new InvalidUtf8Text(Buffer.from([0xff, 0x00])),
      1n,
      1.5,
      '\ud800',
      ...sample(
        fc.oneof(
          blob,
          anyText,
          fc.uint8Array({ maxLength: 30 }).map((b) => new InvalidUtf8Text(Buffer.from(b))),
        ),
      ),
    ],
  },
];
COLUMNS.find((c) => c.name === 'c_tstz')!.values = COLUMNS.find((c) => c.name === 'c_ts')!.values;
COLUMNS.find((c) => c.name === 'c_json')!.values = COLUMNS.find((c) => c.name === 'c_jsonb')!.values;

/** Original values for the lossless-JSON column: its JSON is sent to a jsonb column and decoded back. */
const LOSSLESS: SqliteValue[] = [
  null,
  INT64_MIN,
  INT64_MAX,
  3,
  0,
  -0,
  5e-324,
  1e21,
  1.7976931348623157e308,
  NaN,
  Infinity,
  -Infinity,
  'a\u0000b',
  '\\N',
  new InvalidUtf8Text(Buffer.from([0xff])),
  Buffer.from([0, 1]),
  ...sample(sqliteValue),
];

// ---- comparison in the sense of each type ------------------------------------------------------

/** Two decimal texts (or NaN/±Infinity) with the same value; zero's sign counts unless `anyZero`. */
function sameDecimal(a: string, b: string, anyZero = false): boolean {
  const x = parseDecimal(a.trim());
  const y = parseDecimal(b.trim());
  if (x === null || y === null) return a.trim().toLowerCase() === b.trim().toLowerCase();
  const zeroSignMatters = !anyZero && x.digits === '';
  return (
    x.digits === y.digits &&
    x.exponent === y.exponent &&
    (x.negative === y.negative || (!zeroSignMatters && x.digits === ''))
  );
}

function decodeLossless(json: string): SqliteValue {
  if (/^-?[0-9]+$/.test(json)) return BigInt(json);
  const v: unknown = JSON.parse(json);
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  const o = v as Record<string, string>;
  if ('$real' in o) return Number(o.$real);
  if ('$blob_base64' in o) return Buffer.from(o.$blob_base64, 'base64');
  const bytes = Buffer.from(o.$text_base64, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : new InvalidUtf8Text(bytes);
}

function sameValue(a: SqliteValue, b: SqliteValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a instanceof InvalidUtf8Text && b instanceof InvalidUtf8Text) return a.bytes.equals(b.bytes);
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/** JSON numbers and -0 compared exactly enough to see jsonb's changes (JSON.parse keeps -0). */
function sameJson(a: string, b: string): boolean {
  const eq = (x: unknown, y: unknown): boolean => {
    if (typeof x === 'number' && typeof y === 'number') return Object.is(x, y);
    if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => eq(v, y[i]));
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      return eq(kx, ky) && kx.every((k) => eq((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]));
    }
    return x === y;
  };
  return eq(JSON.parse(a), JSON.parse(b));
}

// ---- the database ------------------------------------------------------------------------------

interface Sent {
  column: Column;
  value: SqliteValue;
  text: string;
}

const converted = COLUMNS.map((column) => ({
  column,
  results: column.values.map((value) => ({
    value,
    r: TYPE_RULES[column.type].convert(value, column.options) as Conversion,
  })),
}));
const accepted: Sent[][] = converted.map(({ column, results }) =>
  results.flatMap(({ value, r }) => (r.ok && r.text !== null ? [{ column, value, text: r.text }] : [])),
);
const losslessSent = LOSSLESS.map((value) => ({ value, json: losslessValueJson(value) }));

const session = useTestClient(async (c) => {
  // Output as the converters write input: ISO dates, UTC, shortest floats (PostgreSQL 12+ default).
  await c.query(
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SET bytea_output = 'hex'",
  );
  const cols = COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ');
  await c.query(`CREATE TABLE rt (id integer PRIMARY KEY, ${cols}, c_jsonb_sent text, c_lossless jsonb)`);
});

describe('round trip through PostgreSQL', () => {
  it('every sample set has accepted and rejected values', () => {
    converted.forEach(({ column, results }, i) => {
      expect(accepted[i].length, column.name).toBeGreaterThan(10);
      if (column.name !== 'c_bool')
        expect(
          results.some(({ r }) => !r.ok),
          column.name,
        ).toBe(true);
    });
  });

  it('COPY takes every accepted value, and each reads back identical in the sense of its type', async () => {
    const rowCount = Math.max(losslessSent.length, ...accepted.map((a) => a.length));
    const rows: string[] = [];
    const jsonbIndex = COLUMNS.findIndex((c) => c.name === 'c_jsonb');
    for (let i = 0; i < rowCount; i++) {
      const fields = [String(i), ...accepted.map((a) => a[i]?.text ?? null), accepted[jsonbIndex][i]?.text ?? null];
      const lossless = losslessSent[i];
      if (lossless) {
        const r = TYPE_RULES.jsonb.convert(lossless.json, naive);
        expect(r, lossless.json).toEqual({ ok: true, text: lossless.json });
      }
      fields.push(lossless?.json ?? null);
      rows.push(encodeCopyRow(fields));
    }
    const names = ['id', ...COLUMNS.map((c) => c.name), 'c_jsonb_sent', 'c_lossless'].join(', ');
    await pipeline(Readable.from(rows), session.client.query(copyFrom(`COPY rt (${names}) FROM STDIN`)));

    const select = COLUMNS.map((c) => `${c.name}::text`).join(', ');
    const back = await session.client.query<Record<string, string | null>>(
      `SELECT id, ${select}, c_lossless::text, c_jsonb IS NOT DISTINCT FROM c_jsonb_sent::jsonb AS jsonb_same FROM rt ORDER BY id`,
    );
    expect(back.rows.length).toBe(rowCount);
    let compared = 0;
    for (const row of back.rows) {
      const i = Number(row.id);
      COLUMNS.forEach((column, c) => {
        const sent = accepted[c][i];
        const got = row[column.name];
        if (!sent) return expect(got).toBeNull();
        const label = `${column.name} ${JSON.stringify(sent.text).slice(0, 120)} → ${JSON.stringify(got).slice(0, 120)}`;
        expect(got, label).not.toBeNull();
        compared++;
        switch (column.compare) {
          case 'exact':
            return expect(got, label).toBe(sent.text);
          case 'float8':
            expect(Object.is(Number(got), Number(sent.text)), label).toBe(true);
            return expect(sameDecimal(got!, sent.text), label).toBe(true);
          case 'float4':
            expect(Object.is(Math.fround(Number(got)), Math.fround(Number(sent.text))), label).toBe(true);
            return expect(sameDecimal(got!, sent.text), label).toBe(true);
          case 'numeric':
            return expect(sameDecimal(got!, sent.text, true), label).toBe(true);
          case 'jsonb': {
            expect(row.jsonb_same, label).toBe(true);
            expect(sameJson(got!, sent.text), label).toBe(true);
            // Big integers survive digit for digit.
            for (const big of sent.text.match(/-?[0-9]{16,}(?![0-9.eE])/g) ?? []) expect(got, label).toContain(big);
            return;
          }
          default:
            throw new Error(`unexpected comparison ${column.compare}`);
        }
      });
      const lossless = losslessSent[i];
      if (lossless) {
        const decoded = decodeLossless(row.c_lossless!);
        expect(sameValue(decoded, lossless.value), `${lossless.json} → ${row.c_lossless}`).toBe(true);
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it('binary COPY stores every accepted value exactly as text COPY does, numbers kept by the fast path included', async () => {
    const binary = COLUMNS.map((c, i) => ({ c, i })).filter(({ c }) =>
      binaryCopyPossible([TYPE_RULES[c.type].logical]),
    );
    expect(binary.map(({ c }) => c.name)).toEqual([
      'c_int2',
      'c_int4',
      'c_int8',
      'c_float8',
      'c_text',
      'c_bool',
      'c_ts',
      'c_tstz',
      'c_tstz_paris',
      'c_date',
      'c_jsonb',
      'c_json',
      'c_bytea',
    ]);
    const cols = binary.map(({ c }) => `${c.name} ${c.type}`).join(', ');
    await session.client.query(
      `CREATE TABLE rt_text (id integer PRIMARY KEY, ${cols}); CREATE TABLE rt_binary (LIKE rt_text)`,
    );
    const logical = ['int4' as const, ...binary.map(({ c }) => TYPE_RULES[c.type].logical)];
    // A small chunk size, so that rows cross many chunks and the 100,000-character text grows the buffer.
    const encoder = new BinaryRows(logical, 4096);
    const chunks: Uint8Array[] = [BINARY_HEADER];
    const textRows: string[] = [];
    const rowCount = Math.max(...binary.map(({ i }) => accepted[i].length));
    let typed = 0;
    for (let r = 0; r < rowCount; r++) {
      const texts = binary.map(({ i }) => accepted[i][r]?.text ?? null);
      // Where the load's fast path would keep the SQLite number itself, the binary row gets that number.
      const fields: Field[] = binary.map(({ c, i }, k) => {
        const v = accepted[i][r]?.value;
        const keep =
          (typeof v === 'bigint' && /^int/.test(TYPE_RULES[c.type].logical) && texts[k] === String(v)) ||
          (typeof v === 'number' && c.type === 'double precision');
        if (keep) typed++;
        return keep ? (v as bigint | number) : texts[k];
      });
      fields.forEach((f, k) => expect(fieldText(f), binary[k].c.name).toBe(texts[k]));
      encoder.row([BigInt(r), ...fields]);
      if (encoder.length >= 4096) chunks.push(encoder.take());
      textRows.push(encodeCopyRow([String(r), ...texts]));
    }
    chunks.push(encoder.take(), BINARY_TRAILER);
    expect(chunks.length).toBeGreaterThan(10);
    expect(typed).toBeGreaterThan(200);
    const names = ['id', ...binary.map(({ c }) => c.name)].join(', ');
    await pipeline(Readable.from(textRows), session.client.query(copyFrom(`COPY rt_text (${names}) FROM STDIN`)));
    await pipeline(
      Readable.from(chunks),
      session.client.query(copyFrom(`COPY rt_binary (${names}) FROM STDIN (FORMAT binary)`)),
    );
    // Compared as PostgreSQL prints them: a timestamp a µs off, -0 for 0, a changed jsonb would all show.
    const select = binary.map(({ c }) => `${c.name}::text`).join(', ');
    const a = await session.client.query(`SELECT id, ${select} FROM rt_text ORDER BY id`);
    const b = await session.client.query(`SELECT id, ${select} FROM rt_binary ORDER BY id`);
    expect(b.rows.length).toBe(rowCount);
    expect(b.rows).toEqual(a.rows);
  });

  it('binary COPY is chosen only for types it has a form for, and defaults it can read', () => {
    expect(binaryCopyPossible(['int8', 'float8', 'text', 'jsonb', 'timestamp'])).toBe(true);
    expect(binaryCopyPossible(['int8', 'numeric'])).toBe(false);
    expect(binaryCopyPossible(['float4'])).toBe(false);
    expect(binaryCopyPossible(['timestamp', 'int8'], ['2024-01-01 10:00:00.5', null])).toBe(true);
    expect(binaryCopyPossible(['timestamp'], ['infinity'])).toBe(false);
    expect(binaryCopyPossible(['timestamptz'], ['2024-01-01 10:00:00+01'])).toBe(false);
    expect(binaryCopyPossible(['date'], ['2024-01-01 BC'])).toBe(false);
    expect(binaryCopyPossible(['boolean'], ['t'])).toBe(false);
    expect(binaryCopyPossible(['float8'], ['-Infinity'])).toBe(true);
  });

  it('what the converters reject, PostgreSQL would refuse or alter', async () => {
    // Rejections that are the rules' own strictness (a space around a number, 'yes' for true, a lower-case
    // 't' separator, a BLOB in a number column) are not PostgreSQL's doing; nor is an ambiguous local time,
    // which PostgreSQL silently resolves to one of its two instants.
    const checked = new Set([
      'out_of_range',
      'precision_loss',
      'nul_byte',
      'invalid_utf8',
      'invalid_json',
      'json_non_finite',
      'json_nul',
      'json_negative_zero',
      'json_lone_surrogate',
    ]);
    const calendar = /not a real date|leap second|hour 24|does not exist/;
    let tried = 0;
    for (const { column, results } of converted) {
      await session.client.query(`SET TimeZone = '${column.options.localTimeZone ?? 'UTC'}'`);
      for (const { value, r } of results) {
        if (r.ok) continue;
        if (!checked.has(r.code) && !(r.code === 'invalid_timestamp' && calendar.test(r.reason))) continue;
        if (r.reason.includes('deeper than')) continue; // our margin below PostgreSQL's stack limit
        if (Buffer.isBuffer(value) || (typeof value === 'bigint' && column.type.includes('time'))) continue;
        if (typeof value === 'number' && (column.type.includes('time') || column.type === 'date')) continue;
        tried++;
        const label = `${column.name} ${r.code}: ${r.reason.slice(0, 160)}`;
        let back: string | null;
        try {
          if (value instanceof InvalidUtf8Text) {
            back = (await session.client.query<{ v: string }>("SELECT convert_from($1, 'UTF8') AS v", [value.bytes]))
              .rows[0].v;
          } else {
            const naiveText =
              typeof value === 'string'
                ? value
                : typeof value === 'bigint'
                  ? String(value)
                  : formatDouble(value as number);
            back = (await session.client.query<{ v: string }>(`SELECT ($1::${column.type})::text AS v`, [naiveText]))
              .rows[0].v;
            expect(
              keptByPostgres(column, value, naiveText, back),
              `${label} → PostgreSQL kept ${JSON.stringify(back).slice(0, 80)}`,
            ).toBe(false);
          }
        } catch (err) {
          if ((err as { code?: string }).code === undefined) throw err; // not a server error: a test bug
          continue; // refused by PostgreSQL
        }
        if (value instanceof InvalidUtf8Text) expect.fail(`${label}: PostgreSQL accepted the bytes as ${back}`);
      }
    }
    await session.client.query("SET TimeZone = 'UTC'");
    expect(tried).toBeGreaterThan(150);
  });
});

/** True when PostgreSQL stored what a naive migration would have sent without changing the value. */
function keptByPostgres(column: Column, value: SqliteValue, naiveText: string, back: string): boolean {
  switch (column.type) {
    case 'real':
      if (typeof value === 'number') return Object.is(Math.fround(Number(back)), value);
      if (typeof value === 'bigint')
        return Number.isFinite(Number(back)) && BigInt(Math.fround(Number(back))) === value;
      return sameDecimal(naiveText, back);
    case 'double precision':
    case 'numeric':
    case 'smallint':
    case 'integer':
    case 'bigint':
      return sameDecimal(naiveText, back);
    case 'jsonb':
      return sameJson(naiveText, back);
    case 'timestamp':
    case 'timestamptz':
    case 'date':
      // Compare the wall time written with the one PostgreSQL shows (in the column's zone).
      return back.startsWith(
        naiveText
          .replace('T', ' ')
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, ''),
      );
    default:
      return back === naiveText;
  }
}
