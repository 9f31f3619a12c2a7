// The one streaming pass over each side of a table (all that is needed when the data match): both sides
// made canonical and tallied at the same time in the file's source worker, the main thread only feeding
// it the target's COPY output when the worker cannot read it on a connection of its own; in migrate, the
// source side proved from the load's own read of the rows where it can be.
import type { SourceCounts } from './source-side.js';
import { SideTally } from './side-tally.js';
import { ChecksumAccumulator } from '../canonical/row-hash.js';
import type { FirstLevelSpec } from './segments.js';
import { targetTally } from './target-tally.js';
import type { TableContext } from './table-context.js';

/** Both sides' tallies of one table, and the source rows read. */
export interface ChecksumPass {
  source: SideTally;
  target: SideTally;
  /** Source rows read, and how many of them the load rejected. */
  counts: SourceCounts;
}

/**
 * Reads both sides of the table once, at the same time, into their tallies. When the load's own read
 * proved the source side (migrate), only the target is read, and the source is read again only if the
 * two differ: narrowing needs the source's segment sums, which only a pass of its own makes.
 */
export async function checksumPass(ctx: TableContext, spec: FirstLevelSpec): Promise<ChecksumPass> {
  const readSource = async (): Promise<{ source: SideTally; counts: SourceCounts }> => {
    const r = await ctx.sourceTally(ctx.plan, ctx.source, spec, ctx.cutoffMicros, ctx.onSourceRows);
    return { source: SideTally.fromState(r.state, spec), counts: r.counts };
  };
  const readTarget = () =>
    targetTally(ctx.client, ctx.plan, ctx.cutoffMicros, spec, ctx.targetTally, ctx.ownTargetReads);
  if (ctx.provedSource && ctx.cutoffMicros === null) {
    const [p, t] = await Promise.allSettled([ctx.provedSource(ctx.plan, ctx.source), readTarget()]);
    if (p.status === 'rejected') throw p.reason;
    if (t.status === 'rejected') throw t.reason;
    const proved = p.value;
    if (proved && ChecksumAccumulator.fromState(proved.acc).equals(t.value.acc)) {
      const source = new SideTally(spec, null);
      source.acc = ChecksumAccumulator.fromState(proved.acc);
      source.invalid = proved.invalid;
      source.seen = proved.counts.rows - proved.counts.rejected;
      ctx.onSourceRows?.(proved.counts.rows);
      return { source, target: t.value, counts: proved.counts };
    }
    const s = await readSource();
    return { source: s.source, target: t.value, counts: s.counts };
  }
  // Both sides run at once; neither is abandoned half-read when the other fails (the connection is reused).
  const [s, t] = await Promise.allSettled([readSource(), readTarget()]);
  if (s.status === 'rejected') throw s.reason;
  if (t.status === 'rejected') throw t.reason;
  return { source: s.value.source, target: t.value, counts: s.value.counts };
}
