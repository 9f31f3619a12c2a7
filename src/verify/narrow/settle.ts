// Turns a leaf comparison's candidates into findings: each read again first when verify re-checks (up to a
// limit per table), the changed columns named for the rows that make it into the samples.
import { sourceRowsByKey } from '../pass/source-side.js';
import { targetRowsByKey } from './row-lookup.js';
import { differingValues, type Candidate, type Findings } from './findings.js';
import { recheck } from './recheck.js';
import type { TableContext } from '../pass/table-context.js';

/**
 * Rows re-checked per table at most: beyond it (a conversion bug changes every row, say) rows are
 * reported as found, and the report says how many were not re-checked.
 */
export const RECHECK_LIMIT = 10_000;

/** Names the changed columns of the changed candidates that the samples will show (read from verify's snapshots). */
async function nameChangedColumns(ctx: TableContext, candidates: Candidate[], room: number): Promise<void> {
  const shown = candidates
    .slice(0, room)
    .filter((c) => c.kind === 'changed' && c.columns === undefined && c.sourceKey !== null);
  if (shown.length === 0) return;
  const sources = sourceRowsByKey(
    ctx.db,
    ctx.plan,
    ctx.source,
    shown.map((c) => c.sourceKey!),
  );
  const unread = shown.filter((c) => !c.targetValues && c.key !== null).map((c) => c.key!);
  const targets = unread.length > 0 ? await targetRowsByKey(ctx.client, ctx.plan, unread) : new Map();
  for (const c of shown) {
    const s = sources.get(c.sourceKey!);
    const t = c.targetValues ?? targets.get(c.key!)?.values;
    if (s && t) {
      c.values = differingValues(ctx.plan.columns, s.values, t, s.invalid);
      c.columns = c.values.map((v) => v.column);
    } else {
      c.columns = c.invalidColumns ?? [];
    }
  }
}

/** Adds a leaf comparison's candidates to the findings (re-checked first when verify re-checks). */
export async function settle(ctx: TableContext, candidates: Candidate[], findings: Findings): Promise<void> {
  let rest = candidates;
  if (ctx.fresh && ctx.keyKind !== 'none' && candidates.length > 0) {
    const now = candidates.slice(0, Math.max(0, RECHECK_LIMIT - findings.rechecked));
    rest = candidates.slice(now.length);
    findings.rechecked += now.length;
    findings.recheckSkipped += rest.length;
    for (const c of await recheck(ctx, ctx.fresh, now)) {
      if (c) findings.add(c);
      else findings.inFlight++;
    }
  }
  if (ctx.keyKind !== 'none') await nameChangedColumns(ctx, rest, findings.room);
  for (const c of rest) findings.add(c);
}
