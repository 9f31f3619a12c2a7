// A parent's integer keys as the key guard looks them up (a binary search over a sorted BigInt64Array):
// it must answer exactly as a plain Set of the keys would, for any keys a bigint column can hold.
import { describe, expect, it } from 'vitest';
import { DenseIntKeySet, SortedIntKeys } from '../../src/feed/key-guard.js';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

function sorted(keys: bigint[]): BigInt64Array {
  return BigInt64Array.from([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The same keys as bits from the smallest, the largest `aside` of them in the list of keys outside the bits. */
function dense(keys: bigint[], aside = 0): DenseIntKeySet {
  const all = sorted(keys);
  const inBits = all.slice(0, all.length - aside);
  const low = inBits.length ? inBits[0] : 0n;
  const span = inBits.length ? Number(inBits[inBits.length - 1] - low) + 1 : 1;
  const bits = new Uint8Array(Math.ceil(span / 8));
  for (const k of inBits) {
    const i = Number(k - low);
    bits[i >>> 3] |= 1 << (i & 7);
  }
  return new DenseIntKeySet({ low, bits, outside: all.slice(all.length - aside) });
}

/** Probes around every key and the set's ends, and beyond the safe range, against a Set. */
function probesAgree(keys: bigint[]): void {
  const reference = new Set(keys);
  agree(new SortedIntKeys(sorted(keys)), keys, reference);
  // Bits only where the range is small enough to hold them in a test.
  const range = keys.length ? sorted(keys)[keys.length - 1] - sorted(keys)[0] : 0n;
  if (range < 1_000_000n) agree(dense(keys), keys, reference);
  if (keys.length > 2 && sorted(keys)[keys.length - 3] - sorted(keys)[0] < 1_000_000n)
    agree(dense(keys, 2), keys, reference);
}

function agree(set: { has(k: string | bigint): boolean }, keys: bigint[], reference: Set<bigint>): void {
  const probes = new Set<bigint>([
    0n,
    1n,
    -1n,
    MAX,
    MAX + 1n,
    MAX + 2n,
    -MAX,
    -MAX - 1n,
    -MAX - 2n,
    2n ** 63n - 1n,
    -(2n ** 63n),
  ]);
  for (const k of keys) for (const d of [-2n, -1n, 0n, 1n, 2n]) probes.add(k + d);
  for (const p of probes) {
    if (p >= 2n ** 63n || p < -(2n ** 63n)) continue;
    expect(set.has(p), `has(${p})`).toBe(reference.has(p));
    expect(set.has(String(p)), `has('${p}')`).toBe(reference.has(p));
  }
}

describe('SortedIntKeys and DenseIntKeySet', () => {
  it('answers for an id column 1..n', () => probesAgree(Array.from({ length: 1000 }, (_, i) => BigInt(i + 1))));

  it('answers for a contiguous run of negative keys', () =>
    probesAgree(Array.from({ length: 50 }, (_, i) => BigInt(i - 25))));

  it('answers for sparse keys, negative and past 2^32 too', () =>
    probesAgree([
      1n,
      3n,
      4n,
      10n,
      1000n,
      -7n,
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 32n + 1n,
      -(2n ** 32n),
      -(2n ** 40n) - 3n,
      2n ** 40n + 5n,
      MAX,
      -MAX + 2n ** 32n,
    ]));

  it('answers for sparse keys reaching the ends of the safe range', () => probesAgree([1n, 3n, MAX, -MAX, 2n ** 40n]));

  it('answers for a large sparse set as a Set would (random keys, random probes)', () => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const keys = new Set<bigint>();
    while (keys.size < 20000) keys.add(BigInt(next() % 100000) * BigInt(next() % 3 === 0 ? -1 : 1) * 65537n);
    const set = new SortedIntKeys(sorted([...keys]));
    for (let i = 0; i < 50000; i++) {
      const p = BigInt(next() % 100000) * (next() % 2 ? -1n : 1n) * (next() % 2 ? 65537n : 1n);
      expect(set.has(p)).toBe(keys.has(p));
    }
  });

  it('answers for keys beyond the safe integer range', () =>
    probesAgree([1n, 2n, MAX + 1n, MAX + 2n, 2n ** 62n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n)]));

  it('bits: the slack after the last key answers no, unless a key read aside is there', () => {
    const set = new DenseIntKeySet({
      low: 1n,
      bits: Uint8Array.from([0b1111_1111, 0b0000_0011]),
      outside: BigInt64Array.from([13n, 900n]),
    });
    expect([0n, 1n, 10n, 11n, 12n, 13n, 14n, 16n, 17n, 900n, 901n].map((k) => set.has(k))).toEqual([
      false,
      true,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
      true,
      false,
    ]);
    expect(set.has('13')).toBe(true);
    expect(set.has('x')).toBe(false);
  });

  it('answers for repeated keys: 1, 1, 3 holds no 2', () => {
    const set = new SortedIntKeys(BigInt64Array.from([1n, 1n, 3n]));
    expect(set.has(2n)).toBe(false);
    expect(set.has(1n)).toBe(true);
    expect(set.has(3n)).toBe(true);
  });

  it('holds nothing when empty, and refuses text that is not an integer', () => {
    expect(new SortedIntKeys(new BigInt64Array(0)).has(1n)).toBe(false);
    const set = new SortedIntKeys(BigInt64Array.from([1n, 2n, 3n]));
    expect(set.has('abc')).toBe(false);
    expect(set.has('2.5')).toBe(false);
    expect(set.has('2')).toBe(true);
  });
});
