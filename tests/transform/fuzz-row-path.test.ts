// Fuzz of the whole row path with random values and bytes: written into a real SQLite table (any storage
// class, TEXT with bytes that are not UTF-8, NULs, COPY's special characters), read by the extractor,
// converted, COPYed into PostgreSQL and read back. Property: every value is either loaded identical —
// as an oracle reading SQLite on its own (typeof, CAST AS BLOB) and PostgreSQL's own parsers say — or its
// row is rejected with a code and a reason. Never altered. Shrinks to the smallest failing value.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetType } from '../../src/model/mapping-types.js';
import { buildRunPlan } from '../../src/plan/build-plan.js';
import type { TablePlan } from '../../src/model/table-plan.js';
import { readPages } from '../../src/extract/read-rows.js';
import { makeRowConverter } from '../../src/transform/convert-row.js';
import { encodeCopyRow } from '../../src/feed/copy-encode.js';
import { createTableSql } from '../../src/load/ddl.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

/**
 * A fixed seed keeps the suite deterministic; FUZZ_SEED=random explores (the seed is in the test name),
 * FUZZ_SEED=n replays, FUZZ_RUNS=n runs longer.
 */
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 1_000_000 : Number(process.env.FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const REJECT_CODES = [
  'type_mismatch',
  'not_a_number',
  'out_of_range',
  'precision_loss',
  'invalid_timestamp',
  'invalid_boolean',
  'invalid_json',
  'json_non_finite',
  'json_nul',
  'json_negative_zero',
  'json_lone_surrogate',
  'nul_byte',
  'invalid_utf8',
  'not_null',
];

// ---- what goes into SQLite ---------------------------------------------------------------------------

/** A value as it is written into SQLite: `textBytes` are stored as TEXT whatever they hold. */
type Written =
  | { k: 'null' }
  | { k: 'int'; v: bigint }
  | { k: 'real'; v: number }
  | { k: 'text'; v: string }
  | { k: 'blob'; v: Buffer }
  | { k: 'textBytes'; v: Buffer };

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
const copyHazards = fc.string({
  unit: pick('\\', '\t', '\n', '\r', 'N', '.', 'a', 'é', '😀', ' ', '\u0000', '"', "'"),
  maxLength: 10,
});
const decimalText = fc.stringMatching(/^[+-]?([0-9]{1,20}\.?[0-9]{0,12}|\.[0-9]{1,12})([eE][+-]?[0-9]{1,3})?$/);
const timestampText = fc
  .tuple(
    fc.integer({ min: 0, max: 10_500 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    pick(' ', 'T', ''),
    fc.integer({ min: 0, max: 24 }),
    fc.integer({ min: 0, max: 60 }),
    fc.integer({ min: 0, max: 61 }),
    fc.stringMatching(/^(\.[0-9]{1,9})?$/),
    pick('', '', 'Z', '+05:45', '-00:30', '+0200', '-11', '+15:59', ' UTC'),
  )
  .map(([y, mo, d, sep, h, mi, s, frac, off]) => {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const date = `${p(y, 4)}-${p(mo)}-${p(d)}`;
    return sep === '' ? date : `${date}${sep}${p(h)}:${p(mi)}:${p(s)}${frac}${off}`;
  });
const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc
    .tuple(
      fc.jsonValue({ maxDepth: 2 }),
      fc.nat(),
      pick(
        'NaN',
        'Infinity',
        '-0',
        '-0.0',
        '"\\u0000"',
        '"\\ud800"',
        ',',
        '}',
        "'",
        '1e400',
        '1E-7',
        '12345678901234567890',
      ),
    )
    .map(([v, at, token]) => {
      const t = JSON.stringify([v, 0]);
      return t.slice(0, at % t.length) + token + t.slice(at % t.length);
    }),
);
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  copyHazards,
  pick('', '\\N', 't', 'FALSE', '1', '0', 'yes', 'inf', '-Infinity', 'nan', '-0', '1e5', ' 5'),
);
const plausible: Record<string, fc.Arbitrary<string>> = { number: decimalText, time: timestampText, json: jsonText };

function written(kind: keyof typeof plausible | null): fc.Arbitrary<Written> {
  return fc.oneof(
    fc.constant<Written>({ k: 'null' }),
    fc
      .oneof(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.bigInt(-100n, 100n), fc.bigInt(-(10n ** 14n), 10n ** 14n))
      .map((v): Written => ({ k: 'int', v })),
    fc
      .oneof(
        fc.double({ noNaN: true }),
        fc.double({ min: -1e13, max: 1e13, noNaN: true }),
        fc.integer().map((n) => n / 8),
      )
      .map((v): Written => ({ k: 'real', v })),
    anyText.map((v): Written => ({ k: 'text', v })),
    bytes.map((v): Written => ({ k: 'blob', v })),
    bytes.map((v): Written => ({ k: 'textBytes', v })),
    ...(kind
      ? [
          plausible[kind].map((v): Written => ({ k: 'text', v })),
          plausible[kind].map((v): Written => ({ k: 'text', v })),
        ]
      : []),
  );
}

// ---- the oracle: SQLite read on its own, PostgreSQL's parsers ---------------------------------------

/** A source value as the oracle reads it back from SQLite: its storage class and exact content. */
type Src =
  | { cls: 'null' }
  | { cls: 'integer'; v: bigint }
  | { cls: 'real'; v: number }
  | { cls: 'text'; v: string | null; raw: Buffer }
  | { cls: 'blob'; raw: Buffer };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(b: Buffer): string | null {
  try {
    return strictUtf8.decode(b);
  } catch {
    return null;
  }
}

function readSource(db: Database.Database): Map<number, Src> {
  const rows = db.prepare('SELECT id, typeof(v) AS cls, v, CAST(v AS BLOB) AS raw FROM t').safeIntegers(true).all() as {
    id: bigint;
    cls: string;
    v: unknown;
    raw: Buffer | null;
  }[];
  const out = new Map<number, Src>();
  for (const r of rows) {
    const id = Number(r.id);
    if (r.cls === 'null') out.set(id, { cls: 'null' });
    else if (r.cls === 'integer') out.set(id, { cls: 'integer', v: r.v as bigint });
    else if (r.cls === 'real') out.set(id, { cls: 'real', v: r.v as number });
    else if (r.cls === 'blob') out.set(id, { cls: 'blob', raw: r.raw! });
    else {
      let v: string | null = null;
      try {
        v = strictUtf8.decode(r.raw!);
      } catch {
        /* not UTF-8: v stays null */
      }
      out.set(id, { cls: 'text', v, raw: r.raw! });
    }
  }
  return out;
}

/** A decimal number's value as (sign, digits, exponent), normalised; null when `s` is not a decimal. */
function decimal(s: string): string | null {
  const m = /^([+-]?)([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?$/.exec(s);
  if (!m || m[2] + m[3] === '') return null;
  let digits = (m[2] + m[3]).replace(/^0+/, '');
  let exp = BigInt(m[4] ?? 0) - BigInt(m[3].length);
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    exp++;
  }
  return digits === '' ? `${m[1] === '-' ? '-' : ''}0` : `${m[1] === '-' ? '-' : ''}${digits}e${exp}`;
}

/** PostgreSQL's float output for non-finite values. */
const SPECIAL: Record<string, string> = {
  inf: 'Infinity',
  '+inf': 'Infinity',
  infinity: 'Infinity',
  '+infinity': 'Infinity',
  '-inf': '-Infinity',
  '-infinity': '-Infinity',
  nan: 'NaN',
  '+nan': 'NaN',
  '-nan': 'NaN',
};

/** Exact microseconds since the epoch of an epoch number (seconds below 1e11, else milliseconds), or null. */
function epochMicros(text: string): bigint | null {
  const d = decimal(text);
  if (d === null) return null;
  const [mant, e] = d.includes('e') ? d.split('e') : [d, '0'];
  const abs = Math.abs(Number(text));
  let exp = BigInt(e) + (abs < 1e11 ? 6n : 3n);
  let m = BigInt(mant);
  for (; exp > 0n; exp--) m *= 10n;
  for (; exp < 0n; exp++) {
    if (m % 10n !== 0n) return null;
    m /= 10n;
  }
  return m;
}

/** A check done by PostgreSQL: `sql` compares column v of the loaded row with parameter src. */
type PgCheck = { sql: string; src: string };
/** What the oracle says of an accepted value: identical (true), altered (a reason), or PostgreSQL must say. */
type Verdict = true | string | PgCheck;

const isInt = (s: string) => /^[+-]?[0-9]+$/.test(s);
const floatText = (d: number) =>
  Object.is(d, -0) ? '-0' : d === Infinity ? 'Infinity' : d === -Infinity ? '-Infinity' : String(d);
const tsSql = (cast: 'timestamp' | 'timestamptz', src: string): PgCheck => {
  const offset = /(Z|[+-]\d\d(:?\d\d)?)$/.test(src) && src.length > 10;
  return {
    sql: cast === 'timestamp' && offset ? `v = (src::timestamptz AT TIME ZONE 'UTC')` : `v = src::${cast}`,
    src,
  };
};

/** The oracle: is `stored` (PostgreSQL's text output, null for NULL) exactly `src` in type `type`? */
function judge(type: TargetType, src: Src, stored: string | null): Verdict {
  if (src.cls === 'null') return stored === null || `NULL became ${stored}`;
  if (stored === null) return `${src.cls} became NULL`;
  const text = src.cls === 'text' ? src.v : null;
  // data-rules.md: a BLOB in a JSON column is read as UTF-8 text when it is valid UTF-8.
  const jsonText = src.cls === 'blob' ? utf8OrNull(src.raw) : text;
  switch (type) {
    case 'text':
      if (src.cls === 'integer') return stored === src.v.toString() || 'integer text differs';
      if (src.cls === 'real') return Object.is(Number(stored), src.v) || `REAL ${src.v} read back as ${stored}`;
      return Buffer.from(stored, 'utf8').equals(src.raw) || 'bytes differ';
    case 'bytea': {
      const got = Buffer.from(stored.slice(2), 'hex');
      if (src.cls === 'blob' || src.cls === 'text') return got.equals(src.raw) || 'bytes differ';
      // data-rules.md: a number becomes the bytes of its text form.
      if (src.cls === 'integer') return got.toString('utf8') === src.v.toString() || 'integer text bytes differ';
      return Object.is(Number(got.toString('utf8')), src.v) || `REAL ${src.v} read back as ${got.toString('utf8')}`;
    }
    case 'smallint':
    case 'integer':
    case 'bigint':
      if (src.cls === 'integer') return BigInt(stored) === src.v || 'integer differs';
      if (src.cls === 'real')
        return (Number.isInteger(src.v) && BigInt(stored) === BigInt(src.v)) || `REAL ${src.v} became ${stored}`;
      if (text !== null && isInt(text)) return BigInt(stored) === BigInt(text) || 'integer text differs';
      return `${src.cls} ${text ?? ''} accepted as an integer`;
    case 'double precision':
    case 'real': {
      // PostgreSQL prints a real in the shortest form that reads back as the same float4: read it so.
      const back = type === 'real' ? Math.fround(Number(stored)) : Number(stored);
      if (src.cls === 'real') return Object.is(back, src.v) || `REAL ${floatText(src.v)} read back as ${stored}`;
      if (src.cls === 'integer')
        return (Number.isInteger(back) && BigInt(back) === src.v) || `INTEGER ${src.v} read back as ${stored}`;
      if (text === null) return `${src.cls} accepted as a float`;
      const special = SPECIAL[text.toLowerCase()];
      if (special) return stored === special || `${text} read back as ${stored}`;
      return (decimal(text) !== null && decimal(text) === decimal(stored)) || `text ${text} read back as ${stored}`;
    }
    case 'numeric':
      if (src.cls === 'integer') return stored === src.v.toString() || 'integer differs';
      if (src.cls === 'real')
        return Number.isFinite(src.v)
          ? decimal(stored) === decimal(String(src.v)) || `REAL ${src.v} became ${stored}`
          : stored === floatText(src.v) || 'non-finite differs';
      if (text === null) return `${src.cls} accepted as numeric`;
      return { sql: 'v::text = src::numeric::text', src: text };
    case 'boolean': {
      // boolean::text is 'true' / 'false'.
      const want =
        src.cls === 'integer'
          ? src.v === 1n
            ? 'true'
            : src.v === 0n
              ? 'false'
              : null
          : src.cls === 'real'
            ? src.v === 1
              ? 'true'
              : src.v === 0
                ? 'false'
                : null
            : text !== null
              ? ((
                  { true: 'true', t: 'true', '1': 'true', false: 'false', f: 'false', '0': 'false' } as Record<
                    string,
                    string
                  >
                )[text.toLowerCase()] ?? null)
              : null;
      return want === stored || `${src.cls} ${text ?? ''} became ${stored}`;
    }
    case 'timestamp':
    case 'timestamptz':
    case 'date': {
      if (src.cls === 'integer' || src.cls === 'real') {
        if (type === 'date') return 'a number accepted as a date';
        const micros = epochMicros(src.cls === 'integer' ? src.v.toString() : String(src.v));
        if (micros === null) return `epoch ${src.cls} finer than a microsecond accepted`;
        return {
          sql: `v = ${type === 'timestamp' ? "timestamp '1970-01-01'" : "timestamptz '1970-01-01 00:00:00+00'"} + (src || ' microseconds')::interval`,
          src: micros.toString(),
        };
      }
      if (text === null) return `${src.cls} accepted as a timestamp`;
      // A date keeps the whole instant only when it is midnight: compare as timestamps.
      if (type === 'date')
        return { sql: `v::timestamp = (${tsSql('timestamp', text).sql.replace(/^v = /, '')})`, src: text };
      return tsSql(type, text);
    }
    case 'jsonb':
      if (src.cls === 'integer') return { sql: 'v = src::jsonb', src: src.v.toString() };
      if (src.cls === 'real') return { sql: 'v = src::jsonb', src: String(src.v) };
      if (jsonText === null) return `${src.cls} accepted as JSON`;
      return { sql: 'v = src::jsonb', src: jsonText };
    case 'json':
      if (src.cls === 'integer') return stored === src.v.toString() || 'integer differs';
      if (src.cls === 'real') return Object.is(Number(stored), src.v) || 'real differs';
      return jsonText === null ? `${src.cls} accepted as JSON` : stored === jsonText || 'json text altered';
  }
}

// ---- the pipeline under test ---------------------------------------------------------------------------

let db: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({
    connectionString: db.url,
    types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig,
  });
  await client.connect();
  // The loader's session settings: what the values are read back in.
  await client.query(
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SET bytea_output = 'hex'; SET IntervalStyle = 'postgres'",
  );
  await client.query('CREATE SCHEMA fz');
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

/** Writes `values` into a SQLite table and plans it as the loader would, for target type `type`. */
function sqliteTable(type: TargetType, values: Written[]): { sqlite: Database.Database; plan: TablePlan } {
  const sqlite = new Database(':memory:');
  sqlite.defaultSafeIntegers(true);
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)'); // no declared type: every value kept in its storage class
  const plain = sqlite.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const asText = sqlite.prepare('INSERT INTO t (id, v) VALUES (?, CAST(? AS TEXT))');
  values.forEach((w, i) => {
    const id = BigInt(i + 1);
    if (w.k === 'textBytes') asText.run(id, w.v);
    else plain.run(id, w.k === 'null' ? null : w.v);
  });
  const mapping = {
    version: 1 as const,
    name: 'fuzz',
    schemaVersion: 1,
    sources: [
      {
        file: 'f.db',
        schema: 'fz',
        tables: [
          {
            source: 't',
            target: `t_${type.replace(' ', '_')}`,
            columns: [
              { name: 'id', type: 'bigint' as const, from: 'id' },
              { name: 'v', type, from: 'v' },
            ],
          },
        ],
      },
    ],
  };
  const sources = new Map([['f.db', { file: 'f.db', path: ':memory:', db: sqlite, close: () => sqlite.close() }]]);
  const plan = buildRunPlan({ mapping, origin: 'fuzz', hash: 'fuzz' }, '.', sources).tables[0];
  return { sqlite, plan };
}

/** Extract → convert → COPY; then every value judged. Returns a failure description or null. */
async function roundTrip(type: TargetType, values: Written[]): Promise<string | null> {
  const { sqlite, plan } = sqliteTable(type, values);
  try {
    const convert = makeRowConverter(plan);
    const lines: string[] = [];
    const rejected = new Map<number, { code: string; reason: string }>();
    for await (const page of readPages(sqlite, plan)) {
      for (const row of page) {
        const out = convert(row.values);
        if (out.ok) lines.push(encodeCopyRow(out.fields));
        else rejected.set(Number(row.key), { code: out.code, reason: out.reason });
      }
    }
    const table = `fz."${plan.target.table}"`;
    await client.query(`TRUNCATE ${table}`);
    await pipeline(Readable.from([lines.join('')]), client.query(copyFrom(`COPY ${table} (id, v) FROM STDIN`)));
    const loaded = new Map(
      (await client.query(`SELECT id, v::text AS v FROM ${table}`)).rows.map((r) => [
        Number(r.id),
        r.v as string | null,
      ]),
    );
    const source = readSource(sqlite);
    const pgChecks: { id: number; check: PgCheck }[] = [];
    for (const [id, src] of source) {
      const r = rejected.get(id);
      if (r) {
        if (!REJECT_CODES.includes(r.code) || r.reason.trim() === '')
          return `row ${id}: rejected without a known code and a reason (${JSON.stringify(r)})`;
        if (loaded.has(id)) return `row ${id}: both rejected and loaded`;
        continue;
      }
      if (!loaded.has(id)) return `row ${id}: neither loaded nor rejected`;
      const verdict = judge(type, src, loaded.get(id)!);
      if (typeof verdict === 'string') return `row ${id} (${show(src)}): ${verdict}`;
      if (verdict !== true) pgChecks.push({ id, check: verdict });
    }
    for (const { id, check } of pgChecks) {
      const r = await client.query(
        `SELECT (${check.sql}) AS same FROM ${table}, (SELECT $1::text AS src) s WHERE id = $2`,
        [check.src, id],
      );
      if (r.rows[0].same !== 't' && r.rows[0].same !== true)
        return `row ${id} (${show(source.get(id)!)}): PostgreSQL reads ${JSON.stringify(check.src)} differently from what was loaded (${loaded.get(id)})`;
    }
    return null;
  } finally {
    sqlite.close();
  }
}

function show(src: Src): string {
  if (src.cls === 'text')
    return src.v === null ? `TEXT bytes ${src.raw.toString('hex')}` : `TEXT ${JSON.stringify(src.v)}`;
  if (src.cls === 'blob') return `BLOB ${src.raw.toString('hex')}`;
  if (src.cls === 'null') return 'NULL';
  return `${src.cls.toUpperCase()} ${src.cls === 'real' ? floatText(src.v) : src.v}`;
}

const TYPES: { type: TargetType; kind: keyof typeof plausible | null }[] = [
  { type: 'text', kind: null },
  { type: 'bytea', kind: null },
  { type: 'boolean', kind: null },
  { type: 'smallint', kind: 'number' },
  { type: 'integer', kind: 'number' },
  { type: 'bigint', kind: 'number' },
  { type: 'double precision', kind: 'number' },
  { type: 'real', kind: 'number' },
  { type: 'numeric', kind: 'number' },
  { type: 'timestamp', kind: 'time' },
  { type: 'timestamptz', kind: 'time' },
  { type: 'date', kind: 'time' },
  { type: 'jsonb', kind: 'json' },
  { type: 'json', kind: 'json' },
];

describe(`fuzz: SQLite → extract → convert → COPY → PostgreSQL (seed ${SEED}, FUZZ_SEED to replay)`, () => {
  beforeAll(async () => {
    for (const { type } of TYPES) {
      const { sqlite, plan } = sqliteTable(type, []);
      sqlite.close();
      await client.query(createTableSql(plan));
    }
  });

  // Found by this fuzz (seed 102596): 2000000.25 is the float4 nearest to .020000003E8, and lies halfway
  // between 2000000.2 and 2000000.3. PostgreSQL prints it 2.0000002e+06 (Ryu breaks the tie to the even
  // digit); formatFloat4 once took 2000000.3 as its shortest form and so accepted the text, which then
  // read back as 2000000.2: altered. It now breaks the tie to even, as PostgreSQL does.
  it('real: a value halfway between two shortest decimals reads back as sent', async () => {
    expect(await roundTrip('real', [{ k: 'text', v: '.020000003E8' }])).toBeNull();
  });

  it.each(TYPES)('$type: each value loaded identical or rejected with a reason', async ({ type, kind }) => {
    await fc.assert(
      fc.asyncProperty(fc.array(written(kind), { maxLength: 40 }), async (values) => {
        const failure = await roundTrip(type, values);
        expect(failure).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
