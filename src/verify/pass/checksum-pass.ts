// The one streaming pass over each side of a table (all that is needed when the data match): both sides
// made canonical and tallied at the same time in the file's source worker, the main thread only feeding
// it the target's COPY output when the worker cannot read it on a connection of its own.
import type { SourceCounts } from './source-side.js';
import { SideTally } from './side-tally.js';
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

/** Reads both sides of the table once, at the same time, into their tallies. */
export async function checksumPass(ctx: TableContext, spec: FirstLevelSpec): Promise<ChecksumPass> {
  const readSource = async (): Promise<{ source: SideTally; counts: SourceCounts }> => {
    const r = await ctx.sourceTally(ctx.plan, ctx.source, spec, ctx.cutoffMicros, ctx.onSourceRows);
    return { source: SideTally.fromState(r.state, spec), counts: r.counts };
  };
  // Both sides run at once; neither is abandoned half-read when the other fails (the connection is reused).
  const [s, t] = await Promise.allSettled([
    readSource(),
    targetTally(ctx.client, ctx.plan, ctx.cutoffMicros, spec, ctx.targetTally, ctx.ownTargetReads),
  ]);
  if (s.status === 'rejected') throw s.reason;
  if (t.status === 'rejected') throw t.reason;
  return { source: s.value.source, target: t.value, counts: s.value.counts };
}
