// Segments cover what they split exactly, and every row finds the one segment that holds it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIRST_LEVEL_PARTS,
  SegmentIndex,
  firstLevelSegments,
  firstLevelSize,
  integerRoute,
  keyHash,
  rangeSpans,
  segmentLocator,
  splitSegment,
  type FirstLevelSpec,
  type Segment,
} from '../../../src/verify/pass/segments.js';

type Range = Extract<Segment, { kind: 'range' }>;

describe('integer key ranges', () => {
  it('a split covers its range exactly, in order, without overlap (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
        fc.integer({ min: 1, max: 300 }),
        (lo, width, parts) => {
          const hi = lo + width > 2n ** 63n - 1n ? 2n ** 63n - 1n : lo + width;
          const children = splitSegment({ kind: 'range', lo, hi }, parts) as Range[] | null;
          if (hi === lo) {
            expect(children).toBeNull();
            return;
          }
          expect(children!.length).toBeLessThanOrEqual(Math.max(parts, 2));
          expect(children![0].lo).toBe(lo);
          expect(children![children!.length - 1].hi).toBe(hi);
          for (let i = 1; i < children!.length; i++) expect(children![i].lo).toBe(children![i - 1].hi + 1n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the first level covers every int8 and the rows without an integer key', () => {
    const segs = firstLevelSegments({ kind: 'ranges', lo: '10', hi: '100000' });
    const locate = segmentLocator(segs, true);
    for (const key of [
      '-9223372036854775808',
      '-1',
      '9',
      '10',
      '11',
      '55555',
      '100000',
      '100001',
      '9223372036854775807',
    ]) {
      const i = locate(key, '');
      expect(i, key).toBeGreaterThanOrEqual(0);
      const s = segs[i] as Range;
      expect(BigInt(key) >= s.lo && BigInt(key) <= s.hi, key).toBe(true);
    }
    expect(segs[locate(null, '')].kind).toBe('misfit');
    expect(segs[locate('abc', '')].kind).toBe('misfit');
    expect(segs.length).toBeLessThanOrEqual(FIRST_LEVEL_PARTS + 3);
  });

  it('routes big keys exactly (beyond 2^53)', () => {
    expect(integerRoute('9007199254740993')).toBe(9007199254740993n);
    expect(integerRoute('123')).toBe(123);
    expect(integerRoute('1.5')).toBeNull();
    const index = new SegmentIndex([
      { kind: 'range', lo: 9007199254740992n, hi: 9007199254740992n },
      { kind: 'range', lo: 9007199254740993n, hi: 9007199254740993n },
    ]);
    expect(index.range(9007199254740993n)).toBe(1);
    expect(index.range(5)).toBe(-1);
  });

  it('a pass reads its ranges as at most N spans, closest ones merged', () => {
    const r = (lo: bigint, hi: bigint): Segment => ({ kind: 'range', lo, hi });
    expect(rangeSpans([r(1n, 10n), r(11n, 20n), r(100n, 110n), r(1000n, 1001n)], 10)).toEqual([
      [1n, 20n],
      [100n, 110n],
      [1000n, 1001n],
    ]);
    expect(rangeSpans([r(1n, 10n), r(100n, 110n), r(1000n, 1001n)], 2)).toEqual([
      [1n, 110n],
      [1000n, 1001n],
    ]);
    expect(rangeSpans([r(1n, 10n), { kind: 'misfit' }], 2)).toBeNull();
  });
});

describe('hash buckets', () => {
  it('children partition their bucket: every hash lands in exactly one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 2, max: 300 }),
        fc.nat(2 ** 32 - 1),
        (bits, parts, hash) => {
          const parent = { kind: 'bucket' as const, bits, prefix: hash % 2 ** bits };
          const children = splitSegment(parent, parts)!;
          const index = new SegmentIndex(children);
          const i = index.bucket(hash);
          expect(i).toBeGreaterThanOrEqual(0);
          expect(children.filter((c) => c.kind === 'bucket' && hash % 2 ** c.bits === c.prefix)).toHaveLength(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a 32-bit bucket cannot be split; key hashes spread', () => {
    expect(splitSegment({ kind: 'bucket', bits: 32, prefix: 5 }, 16)).toBeNull();
    const buckets = new Set(Array.from({ length: 1000 }, (_, i) => keyHash(`item-${i}`) % 64));
    expect(buckets.size).toBe(64);
  });
});

describe('firstLevelSize', () => {
  it('counts the first level without making it', () => {
    const specs: FirstLevelSpec[] = [
      { kind: 'keys' },
      { kind: 'rows' },
      { kind: 'ranges', lo: '1', hi: '1' },
      { kind: 'ranges', lo: '1', hi: '2' },
      { kind: 'ranges', lo: '-5', hi: '4100' },
      { kind: 'ranges', lo: '1', hi: '121200' },
      { kind: 'ranges', lo: '-9223372036854775808', hi: '9223372036854775807' },
      { kind: 'ranges', lo: '0', hi: '9223372036854775807' },
      { kind: 'ranges', lo: '7', hi: '4102' },
    ];
    for (const spec of specs) expect(firstLevelSize(spec)).toBe(firstLevelSegments(spec).length);
  });
});
