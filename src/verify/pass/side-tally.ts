// What the one streaming pass learns about each side of a table: rows seen, rows --grace left out, the
// order-independent checksum of the rows compared, and the checksums of the first level of segments
// (where narrowing a difference down starts, without another pass).
import type { TablePlan } from '../../model/table-plan.js';
import { ChecksumAccumulator, digestRowInto, digestWords, type AccumulatorState } from '../canonical/row-hash.js';
import type { CanonicalRow } from './source-side.js';
import { firstLevelSegments, firstLevelSize, segmentLocatorByWord, type FirstLevelSpec } from './segments.js';
import { SegmentSums } from './segment-sums.js';
import type { RecentTest } from './grace.js';
import type { DigestKinds } from '../canonical/typed-value.js';

/** How a table's rows are told apart: an integer key (ranges), another key (hash buckets), or none. */
export type KeyKind = 'integer' | 'hashed' | 'none';

/** How the plan's primary key tells rows apart. */
export function keyKindOf(plan: TablePlan): KeyKind {
  if (plan.primaryKey.length === 0) return 'none';
  if (plan.primaryKey.length > 1) return 'hashed';
  const col = plan.columns.find((c) => c.name === plan.primaryKey[0]);
  return col && (col.logical === 'int2' || col.logical === 'int4' || col.logical === 'int8') ? 'integer' : 'hashed';
}

/** A SideTally as plain data (it comes back from a worker thread this way). */
export interface TallyState {
  seen: number;
  excluded: number;
  invalid: number;
  acc: AccumulatorState;
  limbs: Float64Array;
  counts: Float64Array;
}

const TWO_32 = 0x1_0000_0000;

/** `a − b` modulo 2^128, rows counted likewise: the rows of `a` without those of `b` (which `a` holds). */
export function subtractState(a: AccumulatorState, b: AccumulatorState): AccumulatorState {
  const out: AccumulatorState = [0, 0, 0, 0, a[4] - b[4]];
  let borrow = 0;
  for (let k = 0; k < 4; k++) {
    const d = a[k] - b[k] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[k] = d + borrow * TWO_32; // the borrow out of 2^128 is dropped
  }
  return out;
}

/** One side's tally, filled row by row during the streaming pass. */
export class SideTally {
  /** Rows that reached the tally (on the source side: not rejected). */
  seen = 0;
  /** Rows --grace left out. */
  excluded = 0;
  /** Source rows holding a value the target type cannot hold (they can never match). */
  invalid = 0;
  acc = new ChecksumAccumulator();
  sums: SegmentSums;
  /** Made on the first row: a tally rebuilt from its state (fromState) never locates a row. */
  #locate: ((key: string | null, word0: number) => number) | null = null;

  constructor(
    readonly spec: FirstLevelSpec,
    readonly recent: RecentTest | null,
  ) {
    this.sums = new SegmentSums(firstLevelSize(spec));
  }

  add(row: CanonicalRow): void {
    this.seen++;
    if (this.recent?.(row.values)) {
      this.excluded++;
      return;
    }
    if (row.invalid) this.invalid++;
    // The digest as words, not as a string: no object per row (the same digest as canonicalDigest's).
    digestRowInto(row.values, row.invalid !== null, '', null, null, row.kinds, row.nums ?? null);
    this.#addDigest(row.targetKey);
  }

  /**
   * A target row whose values `undefined` are nums[i] in a column `kinds` types, else the text of
   * line[starts[i], ends[i]) (digestRowInto), its key already sliced out: the same as add() of the row with
   * those values. Never with a --grace test.
   */
  addSpans(
    line: string,
    starts: Int32Array,
    ends: Int32Array,
    values: readonly (string | null | undefined)[],
    targetKey: string | null,
    kinds: DigestKinds,
    nums: Float64Array,
  ): void {
    this.seen++;
    digestRowInto(values, false, line, starts, ends, kinds, nums);
    this.#addDigest(targetKey);
  }

  /** A target row whose digest digestRowInto made last (the binary target side, target-binary.ts). */
  addDigested(targetKey: string | null): void {
    this.seen++;
    this.#addDigest(targetKey);
  }

  /** Adds the digest digestRowInto made last. */
  #addDigest(targetKey: string | null): void {
    this.#locate ??= segmentLocatorByWord(firstLevelSegments(this.spec), this.spec.kind !== 'rows');
    const a0 = digestWords[0] >>> 0;
    const a1 = digestWords[1] >>> 0;
    const a2 = digestWords[2] >>> 0;
    const a3 = digestWords[3] >>> 0;
    this.acc.addWords(a0, a1, a2, a3);
    this.sums.addWords(this.#locate(targetKey, a0), a0, a1, a2, a3);
  }

  state(): TallyState {
    return {
      seen: this.seen,
      excluded: this.excluded,
      invalid: this.invalid,
      acc: this.acc.state(),
      limbs: this.sums.limbs,
      counts: this.sums.counts,
    };
  }

  static fromState(s: TallyState, spec: FirstLevelSpec): SideTally {
    const t = new SideTally(spec, null);
    Object.assign(t, { seen: s.seen, excluded: s.excluded, invalid: s.invalid });
    t.acc = ChecksumAccumulator.fromState(s.acc);
    t.sums = new SegmentSums(t.sums.size, s.limbs, s.counts);
    return t;
  }
}
