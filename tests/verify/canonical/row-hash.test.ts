// The row encoding is unambiguous and the table checksum ignores row order without letting duplicates cancel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChecksumAccumulator,
  digestRow,
  digestRowInto,
  hashRow,
  rowWords,
  spansWereAscii,
} from '../../../src/verify/canonical/row-hash.js';
import { murmur3x86_128 } from './murmur3-reference.js';

const row = fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: null }), { maxLength: 5 });

function checksum(rows: (string | null)[][]): string {
  const acc = new ChecksumAccumulator();
  for (const r of rows) acc.add(hashRow(r));
  return acc.digest();
}

describe('row encoding', () => {
  it('tells apart NULL, empty, "NULL" and different splits of the same characters', () => {
    const rows = [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc'],
      [null],
      [''],
      ['NULL'],
      ['N'],
      [null, null],
      ['', ''],
      [],
      ['V1:a'],
      ['a'],
      ['\ud800'],
      ['\ufffd'],
    ];
    const hashes = new Set(rows.map((r) => hashRow(r).toString('hex')));
    expect(hashes.size).toBe(rows.length);
  });
  it('is injective (property): different rows encode differently', () => {
    fc.assert(
      fc.property(row, row, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(rowWords(a).join(',')).not.toBe(rowWords(b).join(','));
        expect(hashRow(a).equals(hashRow(b))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('row digest', () => {
  it('the reference MurmurHash3_x86_128 gives the published test vectors', () => {
    // Vectors of the x86_128 variant, seed 0, as h1 h2 h3 h4 (MurmurHash-Swift's tests).
    expect(murmur3x86_128(Buffer.from('H'))).toBe('f69feb5df45637a0f45637a0f45637a0');
    expect(murmur3x86_128(Buffer.from('Hello'))).toBe('2360ae465e6336c6ad45b3f4ad45b3f4');
    expect(murmur3x86_128(Buffer.from('Hello World!'))).toBe('6bee9883eb1be4f59dfb7172ae3fbea9');
    expect(murmur3x86_128(Buffer.from('Hello World! Hello World!'))).toBe('86163d2b245b8ee23c4d056024166d77');
    expect(murmur3x86_128(Buffer.alloc(0))).toBe('0'.repeat(32));
  });
  it('is MurmurHash3_x86_128 of the row words, streamed (property)', () => {
    const wide = fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: null }), { maxLength: 9 });
    fc.assert(
      fc.property(wide, fc.boolean(), (values, invalid) => {
        const words = rowWords(values, invalid);
        const bytes = Buffer.alloc(words.length * 4);
        words.forEach((w, i) => bytes.writeUInt32LE(w, i * 4));
        const h = Buffer.from(digestRow(values, invalid), 'latin1');
        const asWords = [0, 4, 8, 12].map((at) => h.readUInt32LE(at).toString(16).padStart(8, '0')).join('');
        expect(asWords).toBe(murmur3x86_128(bytes));
      }),
      { numRuns: 3000 },
    );
  });
  it('marks a row holding an invalid value, so it matches no row', () => {
    expect(digestRow(['a', null], true)).not.toBe(digestRow(['a', null]));
    expect(digestRow([], true)).not.toBe(digestRow([]));
  });
});

describe('ChecksumAccumulator', () => {
  it('does not depend on row order (property)', () => {
    const rowsAndPermutation = fc
      .array(row, { maxLength: 30 })
      .chain((rows) =>
        fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length })),
      );
    fc.assert(
      fc.property(rowsAndPermutation, ([rows, shuffled]) => {
        expect(checksum(shuffled)).toBe(checksum(rows));
      }),
    );
  });
  it('does not let duplicate rows cancel, and counts them', () => {
    const a = ['x', null];
    const b = ['y', '1'];
    expect(checksum([a, a])).not.toBe(checksum([]));
    expect(checksum([a, a, b])).not.toBe(checksum([b]));
    expect(checksum([a, a, b])).not.toBe(checksum([a, b, b]));
    expect(checksum([a, a]).split(':')[0]).toBe('2');
    expect(checksum([])).toBe('0:00000000000000000000000000000000');
  });
  it('merges parts into the whole, and addRow equals add(hashRow)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), fc.nat(20), (rows, cut) => {
        const left = new ChecksumAccumulator();
        const right = new ChecksumAccumulator();
        rows.forEach((r, i) => (i < cut ? left.addRow(r) : right.add(hashRow(r))));
        left.merge(right);
        expect(left.digest()).toBe(checksum(rows));
        expect(left.count).toBe(rows.length);
      }),
    );
  });
  it('adds modulo 2^128 with carries across every limb', () => {
    const acc = new ChecksumAccumulator();
    acc.add(Buffer.alloc(16, 0xff)); // 2^128 - 1
    acc.add(Buffer.from([1, ...new Array(15).fill(0)])); // + 1 wraps to 0
    expect(acc.digest()).toBe('2:00000000000000000000000000000000');
    const sum = new ChecksumAccumulator();
    const h = hashRow(['some', 'row']);
    for (let i = 0; i < 3; i++) sum.add(h);
    const expected = (BigInt(`0x${Buffer.from(h).reverse().toString('hex')}`) * 3n) % (1n << 128n);
    expect(sum.digest()).toBe(`3:${expected.toString(16).padStart(32, '0')}`);
  });
});

describe('spansWereAscii', () => {
  it('tells whether the spans just hashed held a code unit beyond ASCII, whatever the other values held', () => {
    const line = 'id\tplain text of some length\tcafé au lait, long enough for a block\tx';
    const starts = Int32Array.from([3, 28, 66]);
    const ends = Int32Array.from([27, 65, 67]);
    const spans = (values: (string | null | undefined)[]) => {
      digestRowInto(values, false, line, starts, ends);
      return spansWereAscii();
    };
    expect(spans([undefined, null, undefined])).toBe(true);
    expect(spans([undefined, undefined, undefined])).toBe(false); // 'café' in the second span (a block of 8)
    expect(spans(['ünï', null, undefined])).toBe(true); // beyond ASCII in a string value, not a span
    expect(spans([undefined, 'é', undefined])).toBe(true);
    const short = 'é';
    digestRowInto([undefined], false, short, Int32Array.from([0]), Int32Array.from([1]));
    expect(spansWereAscii()).toBe(false); // one unit, the tail path
  });
});
