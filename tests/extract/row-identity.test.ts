// A source row's identity is typed and injective: values of different storage classes (integer 1, real 1.0,
// text '1', BLOB X'31') never share one, every identity reads back as exactly the values it was made of,
// and SQLite itself reads each one as the same value of the same storage class.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { identityValues, keyIdentity, parseIdentity, rawRowKey, valueLiteral } from '../../src/extract/row-identity.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

const db = new Database(':memory:');
db.defaultSafeIntegers(true);
afterAll(() => db.close());

/** A value with its storage class spelled out, so that equal-looking values of two classes compare unequal. */
function typed(v: SqliteValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `integer ${v}`;
  if (typeof v === 'number') return `real ${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'string') return `text ${Buffer.from(v, 'utf8').toString('hex')}`;
  if (v instanceof InvalidUtf8Text) return `text ${v.bytes.toString('hex')}`;
  return `blob ${Buffer.from(v).toString('hex')}`;
}

const invalidUtf8 = fc
  .uint8Array({ minLength: 1, maxLength: 8 })
  .map((b) => Buffer.concat([Buffer.from(b), Buffer.from([0xff])]))
  .map((b) => new InvalidUtf8Text(b));
const value: fc.Arbitrary<SqliteValue> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }).map((n) => n / 4), // reals with integral values among them: 1.0, -0.0
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom("'", "''", ', ', ')', '(', '1', '1.0', "X'31'", 'NULL', 'a\u0000b', '\u0000'),
  fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
  invalidUtf8,
);
const tuple = fc.integer({ min: 1, max: 3 }).chain((n) => fc.array(value, { minLength: n, maxLength: n }));

describe('row identity', () => {
  it('gives integer 1, real 1.0, text 1 and BLOB X31 four identities, each a SQLite literal', () => {
    const ids = [1n, 1, '1', Buffer.from('1')].map((v) => keyIdentity([v]));
    expect(ids).toEqual(['1', '1.0', "'1'", "X'31'"]);
    expect(keyIdentity(['a, b', 2n, null])).toBe("('a, b', 2, NULL)");
    expect(keyIdentity(["it's"])).toBe("'it''s'");
    expect(keyIdentity(['a\u0000b'])).toBe("CAST(X'610062' AS TEXT)");
    expect(keyIdentity([-0, Infinity, -Infinity, 1e21, 0.1])).toBe('(-0.0, 9.0e+999, -9.0e+999, 1e+21, 0.1)');
  });

  it('reads every identity back as the values it was made of (so no two tuples share one)', () => {
    fc.assert(
      fc.property(tuple, (values) => {
        const back = parseIdentity(keyIdentity(values), values.length);
        expect(back?.map(typed)).toEqual(values.map(typed));
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective: as many identities as distinct typed values, among values that look alike', () => {
    // Look-alikes of one number in every storage class: where JSON or text would merge them.
    const lookAlikes = fc
      .integer({ min: -1e6, max: 1e6 })
      .map(
        (n) =>
          [
            BigInt(n),
            n,
            n + 0.5,
            String(n),
            `${n}.0`,
            `'${n}'`,
            Buffer.from(String(n)),
            Buffer.from(`${n}.0`),
            new InvalidUtf8Text(Buffer.from([...Buffer.from(String(n)), 0xff])),
          ] as SqliteValue[],
      );
    fc.assert(
      fc.property(lookAlikes, fc.array(tuple, { maxLength: 30 }), (alike, tuples) => {
        const all = [...alike.map((v) => [v]), ...alike.flatMap((a) => alike.map((b) => [a, b])), ...tuples];
        const ids = new Set(all.map(keyIdentity));
        const distinct = new Set(all.map((t) => `${t.length}:${JSON.stringify(t.map(typed))}`));
        expect(ids.size).toBe(distinct.size);
      }),
      { numRuns: 300 },
    );
  });

  it('is what SQLite reads as the same value of the same storage class, and what quote() writes', () => {
    fc.assert(
      fc.property(value, (v) => {
        const lit = valueLiteral(v);
        const [cls, got] = db.prepare(`SELECT typeof(${lit}), ${lit}`).raw(true).get() as [string, SqliteValue];
        const want =
          v instanceof InvalidUtf8Text
            ? 'text'
            : v === null
              ? 'null'
              : typeof v === 'bigint'
                ? 'integer'
                : typeof v === 'number'
                  ? 'real'
                  : typeof v === 'string'
                    ? 'text'
                    : 'blob';
        expect(cls).toBe(want);
        if (v instanceof InvalidUtf8Text) {
          expect(db.prepare(`SELECT hex(${lit})`).pluck().get()).toBe(v.bytes.toString('hex').toUpperCase());
        } else if (typeof v === 'number') {
          expect(Object.is(got, v) || (v === 0 && got === 0)).toBe(true); // SQLite may store -0.0 as 0.0
        } else {
          expect(typed(got)).toBe(typed(v));
        }
        if (
          typeof v !== 'number' &&
          !(v instanceof InvalidUtf8Text) &&
          !(typeof v === 'string' && v.includes('\u0000'))
        ) {
          expect(lit).toBe(db.prepare('SELECT quote(?)').pluck().get(v));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses what it never writes: other spellings, the JSON keys of older versions, a wrong width', () => {
    for (const s of [
      '01',
      '1.50',
      '+1',
      '1.',
      "x'31'",
      "X'3'",
      "X'3g'",
      '["1"]',
      '[1]',
      '{"type":"Buffer","data":[49]}',
      "'a",
      "'a''",
      'null',
      ' 1',
      '-0',
      '1e21',
      "CAST(X'61' AS TEXT)",
    ]) {
      expect(parseIdentity(s, 1), s).toBeNull();
    }
    for (const [s, w] of [
      ['(1,2)', 2],
      ['(1, 2)', 3],
      ['(1, 2)', 1],
      ['1, 2', 2],
      ['(1, 2) ', 2],
      ['(1)', 1],
    ] as const)
      expect(parseIdentity(s, w), s).toBeNull();
    expect(parseIdentity("(1, 'a')", 2)).toEqual([1n, 'a']);
  });

  it("keeps a rowid table's identity its rowid, and reads only integers back for it", () => {
    const rowid = { hasRowid: true, sourceKey: [] as string[] };
    const noRowid = { hasRowid: false, sourceKey: ['id'] };
    expect(rawRowKey(rowid, [42n, 'x'])).toBe('42');
    expect(identityValues(rowid, '42')).toEqual([42n]);
    expect(identityValues(rowid, "'42'")).toBeNull();
    expect(rawRowKey(noRowid, [Buffer.from([0xab, 1]), 'x'])).toBe("X'AB01'");
    expect(identityValues(noRowid, "X'AB01'")).toEqual([Buffer.from([0xab, 1])]);
    expect(rawRowKey({ hasRowid: false, sourceKey: ['a', 'b'] }, ['k', 2.5, 'x'])).toBe("('k', 2.5)");
  });
});
