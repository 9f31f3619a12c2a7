// Finds what a table's sync must change with verify's own machinery: the streaming pass's segment checksums,
// then localise narrowing the differing segments down to rows by key (missing, extra, changed), every one
// of them kept (verify keeps counts and a few samples). The fast path compares the source's segment sums with
// the ledger's baseline instead of the target's (the target unchanged since, as its fingerprint shows).
import type { TableContext } from '../verify/pass/table-context.js';
import { firstLevel } from '../verify/verify-table.js';
import { checksumPass } from '../verify/pass/checksum-pass.js';
import { FIRST_LEVEL_PARTS, firstLevelSegments, type FirstLevelSpec } from '../verify/pass/segments.js';
import { SideTally } from '../verify/pass/side-tally.js';
import { SegmentSums } from '../verify/pass/segment-sums.js';
import type { RawTallier } from '../verify/pass/raw-tally.js';
import { localise, type Pending } from '../verify/narrow/localise.js';
import { Findings, type Candidate } from '../verify/narrow/findings.js';

/** Findings that keep every differing row, for the sync to act on. */
class AllFindings extends Findings {
  readonly all: Candidate[] = [];

  constructor() {
    super(0);
  }

  override add(c: Candidate): void {
    super.add(c);
    this.all.push(c);
  }
}

/** What a baseline's sums are of: the values as SQLite holds them, or verify's canonical form (no key). */
export type SumsDigest = 'raw' | 'canonical';

/** What comparing a table found. */
export interface TableChanges {
  candidates: Candidate[];
  /** Source rows read. */
  sourceRows: number;
  /** Target rows read (the fast path: counted). */
  targetRows: number;
  /** Source rows --grace left out (for a later sync). */
  graceSource: number;
  /** Target rows --grace left out; null when not known (the fast path reads only some segments). */
  graceTarget: number | null;
  /** The first-level segments and the source side's sums over them (`digest`: of what), for the next baseline. */
  spec: FirstLevelSpec;
  sourceSums: SegmentSums;
  digest: SumsDigest;
  /** First-level segments, and how many of them were narrowed down (read on both sides again). */
  segments: { total: number; read: number };
}

/** The first-level segments whose sums differ, each with the larger of its two row counts. */
function differing(spec: FirstLevelSpec, ours: SegmentSums, theirs: SegmentSums): Pending[] {
  const pending: Pending[] = [];
  firstLevelSegments(spec).forEach((seg, i) => {
    if (!ours.same(theirs, i)) pending.push({ seg, rows: Math.max(ours.counts[i], theirs.counts[i]) });
  });
  return pending;
}

/**
 * Compares the table's two sides (the context's source file snapshot, and its client's transaction on the
 * target) and returns every row that differs. The context's `source` options name no rejects and no
 * changes: rows the earlier load rejected or changed by policy are compared as they are, so they come back
 * as candidates and are looked at again (a reject that now converts is loaded, a changed original is seen).
 */
export async function findChanges(ctx: TableContext): Promise<TableChanges> {
  const spec = await firstLevel(ctx);
  const { source, target, counts } = await checksumPass(ctx, spec);
  const findings = new AllFindings();
  const pending = source.acc.equals(target.acc) ? [] : differing(spec, source.sums, target.sums);
  await localise(ctx, pending, findings);
  return {
    candidates: findings.all,
    sourceRows: counts.rows,
    targetRows: target.seen,
    graceSource: source.excluded,
    graceTarget: target.excluded,
    spec,
    sourceSums: source.sums,
    digest: 'canonical',
    segments: { total: source.sums.size, read: pending.length },
  };
}

/**
 * The fast path: only the source side is read in full (SQLite keeps no change log), over the baseline's
 * segments, as the baseline's sums were made (raw: no canonical form, which is most of a source pass's cost);
 * a segment whose sum and count equal the baseline's is unchanged on both sides and skipped, the others are
 * narrowed down by localise as differing segments are (both sides of just those segments).
 */
export async function findChangesSince(
  ctx: TableContext,
  baseline: { spec: FirstLevelSpec; sums: SegmentSums; digest: SumsDigest; targetRows: number },
  raw: RawTallier,
): Promise<TableChanges> {
  const { spec } = baseline;
  const read =
    baseline.digest === 'raw'
      ? await raw(ctx.plan, spec, ctx.cutoffMicros)
      : await ctx.sourceTally(ctx.plan, ctx.source, spec, ctx.cutoffMicros, ctx.onSourceRows);
  if (!read) throw new Error(`sync: no raw sums for ${ctx.plan.targetName}, whose baseline has them`);
  const source = SideTally.fromState(read.state, spec);
  // The baseline's count is the target's too, less the rows rejected in the segment: an upper bound.
  const pending = differing(spec, source.sums, baseline.sums);
  const findings = new AllFindings();
  await localise(ctx, pending, findings);
  return {
    candidates: findings.all,
    sourceRows: read.counts.rows,
    targetRows: baseline.targetRows,
    // Raw sums leave no row out (--grace acts in the segments read, in localise); the recent ones are counted.
    graceSource: source.excluded,
    graceTarget: ctx.cutoffMicros === null ? 0 : null,
    spec,
    sourceSums: source.sums,
    digest: baseline.digest,
    segments: { total: source.sums.size, read: pending.length },
  };
}

/**
 * The sums a baseline keeps: raw ones for a table with a key (read once more, in the file's worker, unless
 * the fast path read them already), else the canonical ones the comparison made.
 */
export async function baselineSums(
  ctx: TableContext,
  found: TableChanges,
  raw: RawTallier,
): Promise<{ spec: FirstLevelSpec; sums: SegmentSums; digest: SumsDigest }> {
  if (found.digest === 'raw') return { spec: found.spec, sums: found.sourceSums, digest: 'raw' };
  const spec = finerSpec(found.spec, found.sourceRows);
  const r = ctx.keyKind === 'none' ? null : await raw(ctx.plan, spec, null);
  if (!r) return { spec: found.spec, sums: found.sourceSums, digest: 'canonical' };
  return { spec, sums: new SegmentSums(r.state.counts.length, r.state.limbs, r.state.counts), digest: 'raw' };
}

/** Rows per first-level segment a baseline aims at: each change then costs reading a few rows, not hundreds. */
const BASELINE_SEGMENT_ROWS = 16;
/** At most this many segments (16-bit buckets still index as an array; 2.6 MB of sums). */
const BASELINE_MAX_PARTS = 65_536;

/**
 * The comparison's segments made finer for a baseline (verify's ~4096 leave hundreds of rows in each segment
 * of a large table, and 0.1 % of rows changed at random then touches a fifth of the segments).
 */
function finerSpec(spec: FirstLevelSpec, rows: number): FirstLevelSpec {
  if (spec.kind === 'rows') return spec;
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, rows / BASELINE_SEGMENT_ROWS)));
  return { ...spec, parts: Math.min(BASELINE_MAX_PARTS, Math.max(FIRST_LEVEL_PARTS, want)) };
}
