// Lossless JSON of original rows: every SQLite value can be told apart and recovered exactly from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../src/transform/json.js';
import { losslessRowJson, losslessValueJson } from '../../src/transform/lossless-json.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

/** Reads one lossless JSON value back into the SQLite value it describes (the reference decoder). */
export function decodeLossless(json: string): SqliteValue {
  if (/^-?[0-9]+$/.test(json)) return BigInt(json);
  const v: unknown = JSON.parse(json);
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') return v;
  const o = v as Record<string, string>;
  if ('$real' in o) return Number(o.$real === 'NaN' ? NaN : o.$real);
  if ('$blob_base64' in o) return Buffer.from(o.$blob_base64, 'base64');
  const bytes = Buffer.from(o.$text_base64, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  return Buffer.from(text, 'utf8').equals(bytes) ? text : new InvalidUtf8Text(bytes);
}

function same(a: SqliteValue, b: SqliteValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (a instanceof InvalidUtf8Text && b instanceof InvalidUtf8Text) return a.bytes.equals(b.bytes);
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

const sqliteValue: fc.Arbitrary<SqliteValue> = fc.oneof(
  fc.constant(null),
  fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n),
  fc.double(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('a', '\u0000', '"', '\\', '\n', 'é') }),
  fc.uint8Array().map((b) => Buffer.from(b)),
  fc
    .uint8Array({ minLength: 1 })
    .map((b) => Buffer.concat([Buffer.from(b), Buffer.from([0xff])]))
    .map((b) => new InvalidUtf8Text(b)),
);

describe('losslessValueJson', () => {
  it('writes each storage class as docs/data-rules.md says', () => {
    const cases: [SqliteValue, string][] = [
      [null, 'null'],
      [9223372036854775807n, '9223372036854775807'],
      [-9223372036854775808n, '-9223372036854775808'],
      [3, '3.0'],
      [0.1, '0.1'],
      [0, '0.0'],
      [5e-324, '5e-324'],
      [1e21, '1000000000000000000000.0'],
      [1.5e22, '15000000000000000000000.0'],
      [-1e16, '-10000000000000000.0'],
      [NaN, '{"$real":"NaN"}'],
      [Infinity, '{"$real":"Infinity"}'],
      [-Infinity, '{"$real":"-Infinity"}'],
      [-0, '{"$real":"-0"}'],
      ['plain "quoted" \\ text\n', '"plain \\"quoted\\" \\\\ text\\n"'],
      ['a\u0000b', '{"$text_base64":"YQBi"}'],
      [new InvalidUtf8Text(Buffer.from([0x63, 0xe9])), '{"$text_base64":"Y+k="}'],
      [Buffer.from('hi'), '{"$blob_base64":"aGk="}'],
      [Buffer.alloc(0), '{"$blob_base64":""}'],
    ];
    for (const [v, json] of cases) expect(losslessValueJson(v), String(v)).toBe(json);
  });
  it('property: valid JSON that jsonb takes (no \\u0000, no lone surrogate escape, no -0) and decodes to the same value', () => {
    fc.assert(
      fc.property(sqliteValue, (v) => {
        const json = losslessValueJson(v);
        const scan = scanJson(json);
        expect(scan.syntax).toBeNull();
        expect(scan.nonFinite).toBeNull();
        expect(scan.nulEscapes).toEqual([]);
        expect(scan.loneSurrogate).toBe(-1);
        expect(scan.negativeZero).toBeNull();
        expect(same(decodeLossless(json), v), json).toBe(true);
        // A REAL always shows a point or a negative exponent, so jsonb's numeric prints it with a point.
        if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) expect(json).toMatch(/\.|e-/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('losslessRowJson', () => {
  it('is an object of every column in order', () => {
    expect(losslessRowJson(['id', 'content', 'score', 'blob', 'gone'], [7n, 'x\ty', 0.5, Buffer.from([1]), null])).toBe(
      '{"id":7,"content":"x\\ty","score":0.5,"blob":{"$blob_base64":"AQ=="},"gone":null}',
    );
    expect(losslessRowJson([], [])).toBe('{}');
    expect(losslessRowJson(['weird "name"'], [1n])).toBe('{"weird \\"name\\"":1}');
  });
  it('refuses mismatched lengths', () => {
    expect(() => losslessRowJson(['a'], [])).toThrow();
  });
  it('property: parses to the same values', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 6 })
          .chain((cols) =>
            fc.tuple(fc.constant(cols), fc.array(sqliteValue, { minLength: cols.length, maxLength: cols.length })),
          ),
        ([cols, values]) => {
          const json = losslessRowJson(cols, values);
          expect(scanJson(json).syntax).toBeNull();
          const parsed = JSON.parse(json) as Record<string, unknown>;
          expect(Object.keys(parsed).sort()).toEqual([...cols].sort());
          cols.forEach((c, i) => {
            expect(json).toContain(`${JSON.stringify(c)}:${losslessValueJson(values[i])}`);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
