// Segments of a table's rows, which is how verify narrows a checksum difference down: ranges of an integer
// key, or buckets of a 32-bit hash (of the key, or of the whole row when there is no key); a differing
// segment is split into smaller ones, down to segments small enough to compare row by row.
import { digestBucket } from '../canonical/row-hash.js';

/**
 * `range`: rows whose integer key is in [lo, hi]. `bucket`: rows whose 32-bit route hash ≡ prefix
 * (mod 2^bits). `misfit`: rows of an integer-keyed table whose key is not an integer (NULL, or a source
 * value the target type cannot hold), which no range holds.
 */
export type Segment =
  { kind: 'range'; lo: bigint; hi: bigint } | { kind: 'bucket'; bits: number; prefix: number } | { kind: 'misfit' };

/** Where a row goes: its integer key (a number when exact, else a bigint) or its 32-bit hash; null: no integer key. */
export type Route = number | bigint | null;

const INTEGER = /^-?[0-9]+$/;

/** The route of a canonical integer key; null when the key is not an integer. */
export function integerRoute(key: string | null): Route {
  if (key === null || !INTEGER.test(key)) return null;
  return key.length <= 15 ? Number(key) : BigInt(key); // 15 digits are always exact in a double
}

/** A 32-bit hash of a key (FNV-1a, then murmur3's finaliser so that every bit depends on every character). */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits a segment into about `parts` children covering it exactly; null when it cannot be split. */
export function splitSegment(seg: Segment, parts: number): Segment[] | null {
  if (seg.kind === 'misfit') return null;
  if (seg.kind === 'range') {
    const width = seg.hi - seg.lo + 1n;
    if (width <= 1n) return null;
    const n = BigInt(parts) < width ? BigInt(Math.max(parts, 2)) : width;
    const step = (width + n - 1n) / n;
    const out: Segment[] = [];
    for (let lo = seg.lo; lo <= seg.hi; lo += step)
      out.push({ kind: 'range', lo, hi: lo + step - 1n < seg.hi ? lo + step - 1n : seg.hi });
    return out;
  }
  const extra = Math.min(Math.max(1, Math.ceil(Math.log2(parts))), 32 - seg.bits);
  if (extra <= 0) return null;
  const out: Segment[] = [];
  for (let j = 0; j < 2 ** extra; j++)
    out.push({ kind: 'bucket', bits: seg.bits + extra, prefix: seg.prefix + j * 2 ** seg.bits });
  return out;
}

/** Finds the segment (among a pass's disjoint segments) that holds a route. */
export class SegmentIndex {
  readonly #lo: number[] = [];
  readonly #hi: number[] = [];
  readonly #loBig: bigint[] = [];
  readonly #hiBig: bigint[] = [];
  /** Index into the segments given, per sorted range. */
  readonly #rangeAt: number[] = [];
  /**
   * Per bucket size (bits): prefix → index into the segments given, as a table indexed by prefix up to
   * 16 bits (this runs once per row), else a Map.
   */
  readonly #bucketBits: number[] = [];
  readonly #bucketPrefixes: (Int32Array | Map<number, number>)[] = [];
  readonly #misfit: number;

  constructor(segments: readonly Segment[]) {
    const ranges = segments
      .map((s, i) => ({ s, i }))
      .filter((x): x is { s: Extract<Segment, { kind: 'range' }>; i: number } => x.s.kind === 'range')
      .sort((a, b) => (a.s.lo < b.s.lo ? -1 : a.s.lo > b.s.lo ? 1 : 0));
    for (const { s, i } of ranges) {
      this.#lo.push(Number(s.lo));
      this.#hi.push(Number(s.hi));
      this.#loBig.push(s.lo);
      this.#hiBig.push(s.hi);
      this.#rangeAt.push(i);
    }
    segments.forEach((s, i) => {
      if (s.kind !== 'bucket') return;
      let g = this.#bucketBits.indexOf(s.bits);
      if (g < 0) {
        g = this.#bucketBits.length;
        this.#bucketBits.push(s.bits);
        this.#bucketPrefixes.push(s.bits <= 16 ? new Int32Array(2 ** s.bits).fill(-1) : new Map());
      }
      const prefixes = this.#bucketPrefixes[g];
      if (prefixes instanceof Int32Array) prefixes[s.prefix] = i;
      else prefixes.set(s.prefix, i);
    });
    this.#misfit = segments.findIndex((s) => s.kind === 'misfit');
  }

  /** Index of the segment holding an integer-key route (null: the misfit segment), or -1. */
  range(route: Route): number {
    if (route === null) return this.#misfit;
    // A number route has at most 15 digits, so comparing it with Number(bound) is exact even when the
    // bound itself is not; a bigint route is compared with the exact bounds.
    const big = typeof route === 'bigint';
    let a = 0;
    let b = this.#rangeAt.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      if (big ? route < this.#loBig[m] : route < this.#lo[m]) b = m - 1;
      else if (big ? route > this.#hiBig[m] : route > this.#hi[m]) a = m + 1;
      else return this.#rangeAt[m];
    }
    return -1;
  }

  /** Index of the bucket holding a 32-bit hash, or -1. */
  bucket(hash: number): number {
    for (let g = 0; g < this.#bucketBits.length; g++) {
      const bits = this.#bucketBits[g];
      const prefixes = this.#bucketPrefixes[g];
      const prefix = bits === 32 ? hash : hash % 2 ** bits;
      const i = prefixes instanceof Int32Array ? prefixes[prefix] : (prefixes.get(prefix) ?? -1);
      if (i >= 0) return i;
    }
    return -1;
  }
}

/**
 * The key ranges of a pass as at most `max` inclusive spans (the closest ranges merged first): the
 * superset of rows a pass reads through an index. Null when the pass needs every row (a misfit segment).
 */
export function rangeSpans(segments: readonly Segment[], max: number): [bigint, bigint][] | null {
  if (segments.some((s) => s.kind !== 'range')) return null;
  const spans = (segments as Extract<Segment, { kind: 'range' }>[])
    .map((s): [bigint, bigint] => [s.lo, s.hi])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [bigint, bigint][] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1] + 1n) last[1] = s[1] > last[1] ? s[1] : last[1];
    else merged.push([s[0], s[1]]);
  }
  while (merged.length > max) {
    let best = 1;
    for (let i = 2; i < merged.length; i++)
      if (merged[i][0] - merged[i - 1][1] < merged[best][0] - merged[best - 1][1]) best = i;
    merged[best - 1][1] = merged[best][1];
    merged.splice(best, 1);
  }
  return merged;
}

/** Segments the one streaming pass already keeps checksums of. */
export const FIRST_LEVEL_PARTS = 4096;

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * The first level of segments, fixed before the streaming pass (plain data: a worker builds it too).
 * `ranges`: the integer key's known range in equal parts, plus the keys below and above it and the rows
 * without an integer key. `keys`: buckets of the key's hash. `rows`: buckets of the row's digest (no key).
 */
export type FirstLevelSpec =
  { kind: 'ranges'; lo: string; hi: string; parts?: number } | { kind: 'keys'; parts?: number } | { kind: 'rows' };

/** How many parts the spec's range or hash space is split into: `parts` (sync's finer baselines) or the default. */
const partsOf = (spec: FirstLevelSpec) => (spec.kind !== 'rows' && spec.parts) || FIRST_LEVEL_PARTS;

/** The first level's segments, in the order their checksums are kept. */
export function firstLevelSegments(spec: FirstLevelSpec): Segment[] {
  if (spec.kind !== 'ranges') return splitSegment({ kind: 'bucket', bits: 0, prefix: 0 }, partsOf(spec))!;
  const lo = BigInt(spec.lo);
  const hi = BigInt(spec.hi);
  const out: Segment[] = [];
  if (lo > INT8_MIN) out.push({ kind: 'range', lo: INT8_MIN, hi: lo - 1n });
  out.push(...(splitSegment({ kind: 'range', lo, hi }, partsOf(spec)) ?? [{ kind: 'range', lo, hi }]));
  if (hi < INT8_MAX) out.push({ kind: 'range', lo: hi + 1n, hi: INT8_MAX });
  out.push({ kind: 'misfit' });
  return out;
}

/**
 * segmentLocator for the streaming pass, which has the row's digest as words (row-hash.ts's digestWords):
 * `word0` is its first word, unsigned (digestBucket of its string).
 */
export function segmentLocatorByWord(
  segments: readonly Segment[],
  keyed: boolean,
): (key: string | null, word0: number) => number {
  const index = new SegmentIndex(segments);
  if (segments.some((s) => s.kind !== 'bucket')) return (key) => index.range(integerRoute(key));
  if (keyed) return (key) => index.bucket(keyHash(key ?? '\u0000'));
  return (_key, word0) => index.bucket(word0);
}

/** How many segments firstLevelSegments(spec) has, without making them. */
export function firstLevelSize(spec: FirstLevelSpec): number {
  if (spec.kind !== 'ranges') return 2 ** Math.min(Math.max(1, Math.ceil(Math.log2(partsOf(spec)))), 32);
  const lo = BigInt(spec.lo);
  const hi = BigInt(spec.hi);
  const width = hi - lo + 1n;
  // As splitSegment counts the parts of [lo, hi]: one when it cannot be split.
  let parts = 1;
  if (width > 1n) {
    const n = BigInt(partsOf(spec)) < width ? BigInt(partsOf(spec)) : width;
    const step = (width + n - 1n) / n;
    parts = Number((width + step - 1n) / step);
  }
  return parts + (lo > INT8_MIN ? 1 : 0) + (hi < INT8_MAX ? 1 : 0) + 1;
}

/**
 * Finds a row's segment among `segments`: by its integer key when they are ranges, else by a hash of its key or digest.
 */
export function segmentLocator(
  segments: readonly Segment[],
  keyed: boolean,
): (key: string | null, digest: string) => number {
  const index = new SegmentIndex(segments);
  if (segments.some((s) => s.kind !== 'bucket')) return (key) => index.range(integerRoute(key));
  if (keyed) return (key) => index.bucket(keyHash(key ?? '\u0000'));
  return (_key, digest) => index.bucket(digestBucket(digest));
}
