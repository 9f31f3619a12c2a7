// Integers, timestamps and doubles hashed by type: the hot paths that make the number without its text hash exactly as
// the canonical text does, and the word stream stays injective.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalSourceValue,
  Refused,
  sourceTypedReader,
  type CanonicalColumn,
  type SourceValue,
} from '../../../src/verify/canonical/canonical-source.js';
import { canonicalFromCopyField } from '../../../src/verify/canonical/canonical-pg.js';
import { copyTypedReader } from '../../../src/verify/canonical/copy-span.js';
import { digestRow, digestRowInto, digestWords, rowWords } from '../../../src/verify/canonical/row-hash.js';
import {
  AS_DOUBLE,
  AS_INTEGER,
  AS_MICROS,
  digestKindsOf,
  typedFromCanonical,
  typedOut,
} from '../../../src/verify/canonical/typed-value.js';
import { murmur3x86_128 } from './murmur3-reference.js';

const col = (logical: CanonicalColumn['logical']): CanonicalColumn => ({
  logical,
  localTimeZone: null,
  emptyAsNull: false,
});

/** The digest digestRowInto left, as digestRow spells it. */
function lastDigest(): string {
  return String.fromCharCode(...[...digestWords].flatMap((w) => [0, 8, 16, 24].map((b) => (w >>> b) & 0xff)));
}

/** One value's hot-path digest: typed where the reader made a number, else its canonical text. */
function hotDigest(kind: number, typed: string | null | Refused | undefined): string | null {
  if (typed instanceof Refused) return null;
  const nums = new Float64Array([typedOut[0]]);
  digestRowInto([typed], false, '', null, null, new Uint8Array([kind]), nums);
  return lastDigest();
}

const sourceValues: fc.Arbitrary<SourceValue> = fc.oneof(
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.integer({ min: -1e12, max: 1e12 }).map((n) => BigInt(n)),
  fc
    .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
  fc.constantFrom('2024-02-29', '2024-02-30', '2024-01-01T10:00:00+02:00', 'NaN', '-inf', '1e5', '0.1', 'x', ''),
);

describe('typed hashing', () => {
  it('a source value read typed hashes as its canonical text (property)', () => {
    for (const [logical, kind] of [
      ['float8', AS_DOUBLE],
      ['timestamp', AS_MICROS],
      ['int8', AS_INTEGER],
      ['int4', AS_INTEGER],
      ['int2', AS_INTEGER],
    ] as const) {
      const read = sourceTypedReader(col(logical), kind);
      fc.assert(
        fc.property(sourceValues, (v) => {
          const text = canonicalSourceValue(col(logical), v);
          const hot = hotDigest(kind, read(v));
          if (text instanceof Refused) expect(hot).toBeNull();
          else expect(hot).toBe(digestRow([text], false, new Uint8Array([kind])));
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('a COPY field read typed where it lies hashes as its canonical text (property)', () => {
    const doubles = fc
      .double()
      .chain((x) => fc.constantFrom(String(x), x.toFixed(3), x.toPrecision(15), x.toExponential(), `${Math.trunc(x)}`));
    const times = fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
      .chain((d) =>
        fc
          .constantFrom('', '.5', '.123456', '+02', '-05:30', '.1+01', ' BC')
          .map((tail) => d.toISOString().slice(0, 19).replace('T', ' ') + tail),
      );
    const integers = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
      fc.integer().map(String),
      fc.constantFrom('-0', '007', '', '-', '1.5', '999999999999999', '9999999999999999'),
    );
    for (const [logical, kind, fields] of [
      ['float8', AS_DOUBLE, doubles],
      ['timestamp', AS_MICROS, times],
      ['int8', AS_INTEGER, integers],
    ] as const) {
      const read = copyTypedReader(kind, logical);
      fc.assert(
        fc.property(fields, fc.string({ maxLength: 3 }), (field, around) => {
          const line = `${around}\t${field}\t${around}`;
          const start = around.length + 1;
          const hot = hotDigest(kind, read(line, start, start + field.length, field.includes('\\')));
          expect(hot).toBe(digestRow([canonicalFromCopyField(logical, field)], false, new Uint8Array([kind])));
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('reads one number from one canonical text only', () => {
    expect(typedFromCanonical(AS_MICROS, '0')).toBe(0);
    expect(typedFromCanonical(AS_MICROS, '-0')).toBeNull();
    expect(typedFromCanonical(AS_MICROS, '007')).toBeNull();
    expect(typedFromCanonical(AS_MICROS, '99999999999999999')).toBeNull(); // beyond 2^53
    expect(typedFromCanonical(AS_MICROS, 'infinity')).toBeNull();
    expect(typedFromCanonical(AS_DOUBLE, '0.1')).toBe(0.1);
    expect(typedFromCanonical(AS_DOUBLE, '0.10')).toBeNull();
    expect(typedFromCanonical(AS_DOUBLE, '-0')).toBe(-0);
    expect(typedFromCanonical(AS_DOUBLE, 'NaN')).toBeNaN();
    expect(typedFromCanonical(AS_DOUBLE, '!unreadable:x')).toBeNull();
  });

  it('is MurmurHash3_x86_128 of the typed row words, and injective (property)', () => {
    const logicals = ['timestamp', 'float8', 'int8', 'text'] as const;
    const kinds = digestKindsOf([...logicals]);
    const value = fc.option(
      fc.oneof(
        fc.double().map((x) => (x === 0 && Object.is(x, -0) ? '-0' : String(x))),
        fc.maxSafeInteger().map(String),
        fc.string({ maxLength: 6 }),
      ),
      { nil: null },
    );
    const row = fc.tuple(value, value, value, value);
    fc.assert(
      fc.property(row, row, fc.boolean(), (a, b, invalid) => {
        const words = rowWords(a, invalid, kinds);
        const bytes = Buffer.alloc(words.length * 4);
        words.forEach((w, i) => bytes.writeUInt32LE(w, i * 4));
        const h = Buffer.from(digestRow(a, invalid, kinds), 'latin1');
        const asWords = [0, 4, 8, 12].map((at) => h.readUInt32LE(at).toString(16).padStart(8, '0')).join('');
        expect(asWords).toBe(murmur3x86_128(bytes));
        if (JSON.stringify(a) !== JSON.stringify(b))
          expect(rowWords(b, invalid, kinds).join(',')).not.toBe(words.join(','));
      }),
      { numRuns: 3000 },
    );
  });
});
