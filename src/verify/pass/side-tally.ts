// What the one streaming pass learns about each side of a table: rows seen, rows --grace left out, the
// order-independent checksum of the rows compared, and the checksums of the first level of segments
// (where narrowing a difference down starts, without another pass).
import type { TablePlan } from '../../model/table-plan.js';
import { ChecksumAccumulator, type AccumulatorState } from '../canonical/row-hash.js';
import { canonicalDigest, type CanonicalRow } from './source-side.js';
import { firstLevelSegments, segmentLocator, type FirstLevelSpec } from './segments.js';
import { SegmentSums } from './segment-sums.js';
import type { RecentTest } from './grace.js';

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
  readonly #locate: (key: string | null, digest: string) => number;

  constructor(
    readonly spec: FirstLevelSpec,
    readonly recent: RecentTest | null,
  ) {
    const segments = firstLevelSegments(spec);
    this.sums = new SegmentSums(segments.length);
    this.#locate = segmentLocator(segments, spec.kind !== 'rows');
  }

  add(row: CanonicalRow): void {
    this.seen++;
    if (this.recent?.(row.values)) {
      this.excluded++;
      return;
    }
    if (row.invalid) this.invalid++;
    const digest = canonicalDigest(row);
    this.acc.addDigest(digest);
    this.sums.add(this.#locate(row.targetKey, digest), digest);
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
