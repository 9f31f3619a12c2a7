// Long values stand in the canonical form as their length and digest: the same stand-in whether made from
// a string, from a BLOB's bytes in pieces, or from COPY output read piece by piece (long-line.ts), and a
// different one for a value one unit apart.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexOfBytes, keptValue, LONG_VALUE_UNITS, LongValueDigest } from '../../../src/verify/canonical/long-value.js';
import { longLineReader } from '../../../src/verify/pass/long-line.js';
import { canonicalFromCopyField } from '../../../src/verify/canonical/canonical-pg.js';
import { canonicalSourceValue, type Logical } from '../../../src/verify/canonical/canonical-source.js';
import { CopyLines } from '../../../src/pg/copy-out.js';
import { encodeCopyField } from '../../../src/feed/copy-encode.js';
import { rowWords } from '../../../src/verify/canonical/row-hash.js';
import { murmur3x86_128 } from './murmur3-reference.js';

const HALF = LONG_VALUE_UNITS / 2;

/** The reference digest of a value's code units (rowWords without the length word), bytes in order. */
function referenceDigest(v: string): string {
  const words = rowWords([v]).slice(1);
  const bytes = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => bytes.writeUInt32LE(w, i * 4));
  const h = murmur3x86_128(bytes);
  return [0, 8, 16, 24]
    .map((at) =>
      Buffer.from(h.slice(at, at + 8), 'hex')
        .reverse()
        .toString('hex'),
    )
    .join('');
}

describe('stand-ins', () => {
  it('a value shorter than LONG_VALUE_UNITS is itself; a longer one its length and MurmurHash3 digest', () => {
    const short = 'x'.repeat(LONG_VALUE_UNITS - 1);
    expect(keptValue(short)).toBe(short);
    const long = `é${'ab'.repeat(HALF)}`;
    expect(keptValue(long)).toBe(`\u0000long ${long.length}:${referenceDigest(long)}`);
  });
  it('a BLOB hashed from its bytes in pieces stands in as its hex would (also a view into a larger buffer)', () => {
    for (const n of [HALF - 1, HALF, HALF + 1, 3 * HALF + 12345]) {
      const big = randomBytes(n + 10);
      const view = big.subarray(7, 7 + n);
      expect(hexOfBytes(view)).toBe(keptValue(view.toString('hex')));
      expect(canonicalSourceValue({ logical: 'bytea', localTimeZone: null, emptyAsNull: false }, view)).toBe(
        keptValue(view.toString('hex')),
      );
    }
  });
  it('any split into pieces gives the digest of the whole, and one unit changed gives another (property)', () => {
    const value = `${randomBytes(LONG_VALUE_UNITS).toString('base64')}é€𝄞`;
    const whole = keptValue(value);
    fc.assert(
      fc.property(fc.array(fc.nat(value.length), { maxLength: 12 }), fc.nat(value.length - 1), (cuts, at) => {
        const points = [...new Set([0, ...cuts, value.length])].sort((a, b) => a - b);
        const d = new LongValueDigest();
        for (let i = 1; i < points.length; i++) d.units(value.slice(points[i - 1], points[i]));
        expect(d.standIn()).toBe(whole);
        const changed = value.slice(0, at) + String.fromCharCode(value.charCodeAt(at) ^ 1) + value.slice(at + 1);
        expect(keptValue(changed)).not.toBe(whole);
      }),
      { numRuns: 40 },
    );
  });
});

describe('a long COPY line read piece by piece', () => {
  const logical: Logical[] = ['int8', 'bytea', 'text', 'text'];
  const blob = randomBytes(3 * LONG_VALUE_UNITS);
  // Every character COPY escapes, and characters of 2, 3 and 4 UTF-8 bytes, split anywhere by the chunks.
  const text = 'a\tb\nc\\d\re é € 𝄞 \\N '.repeat(LONG_VALUE_UNITS / 8);
  const line = `42\t\\\\x${blob.toString('hex')}\t${encodeCopyField(text)}\t${encodeCopyField('tail\\')}\n7\t\\N\tshort\t\\N\n`;
  const bytes = Buffer.from(line, 'utf8');
  const expected = [
    ['42', keptValue(blob.toString('hex')), keptValue(text), 'tail\\'],
    ['7', null, 'short', null],
  ];
  const canonical = (l: string) => l.split('\t').map((f, i) => canonicalFromCopyField(logical[i], f));

  function read(lines: CopyLines, chunkSizes: number[]): string[] {
    const out: string[] = [];
    let at = 0;
    for (let i = 0; at < bytes.length; i++) {
      const n = chunkSizes[i % chunkSizes.length];
      out.push(...lines.push(Uint8Array.prototype.slice.call(bytes, at, at + n)));
      at += n;
    }
    out.push(...lines.end());
    return out;
  }

  it('gives the source side canonical values, in chunks of any size (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 5 }), (sizes) => {
        const got = read(new CopyLines(longLineReader(logical)), sizes);
        expect(got.map(canonical)).toEqual(expected);
        // The line that comes out is short: the long values were never held whole.
        expect(got[0].length).toBeLessThan(200);
      }),
      { numRuns: 8 },
    );
    expect(expected[0][2]).toBe(
      canonicalSourceValue({ logical: 'text', localTimeZone: null, emptyAsNull: false }, text),
    );
  });
  it('gives the same canonical values as the line read whole', () => {
    expect(read(new CopyLines(), [65536]).map(canonical)).toEqual(expected);
  });
  it('marks a long text field holding an escape PostgreSQL never writes, so it matches no source value', () => {
    const odd = Buffer.from(`1\t\\\\x00\t${'x'.repeat(9 * LONG_VALUE_UNITS)}\\101\tz\n`, 'utf8');
    const lines = new CopyLines(longLineReader(logical));
    const got: string[] = [];
    for (let at = 0; at < odd.length; at += 65536) got.push(...lines.push(odd.subarray(at, at + 65536)));
    const values = canonical(got[0]);
    expect(values[2]!.startsWith('\u0000unreadable')).toBe(true);
    expect(values[2]).not.toBe(keptValue(`${'x'.repeat(9 * LONG_VALUE_UNITS)}A`));
  });
});
