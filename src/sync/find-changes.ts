// Finds what a table's sync must change with verify's own machinery: the streaming pass's segment checksums,
// then localise narrowing the differing segments down to rows by key (missing, extra, changed), every one
// of them kept (verify keeps counts and a few samples). The fast path compares the source's segment sums with
// the ledger's baseline instead of the target's (the target unchanged since, as its fingerprint shows).
import type { TableContext } from '../verify/pass/table-context.js';
import { firstLevel } from '../verify/verify-table.js';
import { checksumPass } from '../verify/pass/checksum-pass.js';
import { firstLevelSegments, type FirstLevelSpec } from '../verify/pass/segments.js';
import { SideTally } from '../verify/pass/side-tally.js';
import type { SegmentSums } from '../verify/pass/segment-sums.js';
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
  /** The first-level segments and the source side's sums over them: the next baseline. */
  spec: FirstLevelSpec;
  sourceSums: SegmentSums;
  /** First-level segments, and how many of them were narrowed down (read on both sides again). */
  segments: { total: number; read: number };
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
  const pending: Pending[] = [];
  if (!source.acc.equals(target.acc))
    firstLevelSegments(spec).forEach((seg, i) => {
      if (!source.sums.same(target.sums, i))
        pending.push({ seg, rows: Math.max(source.sums.counts[i], target.sums.counts[i]) });
    });
  await localise(ctx, pending, findings);
  return {
    candidates: findings.all,
    sourceRows: counts.rows,
    targetRows: target.seen,
    graceSource: source.excluded,
    graceTarget: target.excluded,
    spec,
    sourceSums: source.sums,
    segments: { total: source.sums.size, read: pending.length },
  };
}

/**
 * The fast path: only the source side is read in full (SQLite keeps no change log), over the baseline's
 * segments; a segment whose source sum and count equal the baseline's is unchanged on both sides and skipped,
 * the others are narrowed down by localise as differing segments are (both sides of just those segments).
 */
export async function findChangesSince(
  ctx: TableContext,
  baseline: { spec: FirstLevelSpec; sums: SegmentSums },
  targetRows: number,
): Promise<TableChanges> {
  const { spec } = baseline;
  const r = await ctx.sourceTally(ctx.plan, ctx.source, spec, ctx.cutoffMicros, ctx.onSourceRows);
  const source = SideTally.fromState(r.state, spec);
  const pending: Pending[] = [];
  firstLevelSegments(spec).forEach((seg, i) => {
    // The baseline's count is the target's too, less the rows rejected in the segment: an upper bound.
    if (!source.sums.same(baseline.sums, i))
      pending.push({ seg, rows: Math.max(source.sums.counts[i], baseline.sums.counts[i]) });
  });
  const findings = new AllFindings();
  await localise(ctx, pending, findings);
  return {
    candidates: findings.all,
    sourceRows: r.counts.rows,
    targetRows,
    graceSource: source.excluded,
    graceTarget: ctx.cutoffMicros === null ? 0 : null,
    spec,
    sourceSums: source.sums,
    segments: { total: source.sums.size, read: pending.length },
  };
}
