// Loads a table again, from zero, when the connection to the target was lost under it (server restarted,
// backend terminated, network cut, crash recovery): within the retry budget (retry-budget.ts). Any other error (data,
// constraint, disk full, statement timeout) is never retried. pgcopydb does the same; the table's load is
// one transaction, so a retry can never leave half a table twice.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { TablePlan } from '../model/table-plan.js';
import { loadTable } from './load-table.js';
import { RejectBudget, type LoadContext, type TableLoadResult } from './load-context.js';
import { isRecovering, RetryBudget, sleep } from '../pg/retry-budget.js';
import { explainTargetError } from '../pg/explain-error.js';

/** Counts what one attempt adds to the run's reject budget, so a rolled-back attempt can take it back. */
class AttemptBudget extends RejectBudget {
  counted = 0;
  constructor(private readonly run: RejectBudget) {
    super(run.max);
  }
  override add(n: number, where: string): void {
    this.counted += n;
    this.run.add(n, where);
  }
}

/**
 * The load of `plan` this run already committed, if any. A connection lost while COMMIT was on its way
 * leaves it unknown whether the commit happened: the ledger row, written in the same transaction, says.
 */
async function committedLoad(ctx: LoadContext, plan: TablePlan): Promise<TableLoadResult | null> {
  return ctx.transaction(async (client: pg.ClientBase) => {
    const r = await client.query(
      'SELECT source_rows, loaded_rows, rejected_rows, changed_values FROM sqlite2pg.table_loads WHERE run_id = $1 AND target_table = $2',
      [ctx.runId, plan.targetName],
    );
    if (r.rows.length === 0) return null;
    const codes = await client.query(
      'SELECT reason_code, count(*)::int AS n FROM sqlite2pg.rejects WHERE run_id = $1 AND target_table = $2 GROUP BY 1',
      [ctx.runId, plan.targetName],
    );
    const row = r.rows[0];
    return {
      plan,
      sourceRows: Number(row.source_rows),
      loadedRows: Number(row.loaded_rows),
      rejectedRows: Number(row.rejected_rows),
      changedValues: Number(row.changed_values),
      rejectsByCode: Object.fromEntries(codes.rows.map((c) => [c.reason_code, c.n])),
      durationMs: 0,
      stages: { extractMs: 0, transformMs: 0, copyMs: 0, rejectsMs: 0 },
      keptFromRun: null,
      copyFormat: null,
    };
  });
}

/** {@link loadTable}, retried within a {@link RetryBudget} of `retries` attempts when the connection is lost. */
export async function loadTableWithRetries(
  ctx: LoadContext,
  plan: TablePlan,
  retries: number,
): Promise<TableLoadResult> {
  const t0 = performance.now();
  const retry = new RetryBudget(retries);
  let recoveringLogged = false;
  for (let attempt = 0; ; attempt++) {
    const budget = new AttemptBudget(ctx.rejectBudget);
    try {
      if (attempt > 0) {
        const done = await committedLoad(ctx, plan);
        if (done) {
          ctx.rejectBudget.total += done.rejectedRows;
          ctx.log.warn({ table: plan.targetName }, 'the lost connection had committed the table: kept');
          return { ...done, durationMs: Math.round(performance.now() - t0) };
        }
      }
      return await loadTable({ ...ctx, rejectBudget: budget }, plan);
    } catch (err) {
      // The attempt rolled back: its rejects are not in the ledger, so they do not count.
      ctx.rejectBudget.total -= budget.counted;
      // The run lock is lost for good: nothing more is tried.
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const delayMs = retry.next(err);
      if (delayMs === null) throw err;
      if (isRecovering(err)) {
        if (!recoveringLogged)
          ctx.log.warn(
            { table: plan.targetName, error: explainTargetError(err) },
            'the target is in crash recovery or starting up: waiting for it',
          );
        recoveringLogged = true;
      } else {
        recoveringLogged = false;
        ctx.log.warn(
          { table: plan.targetName, attempt: retry.spent, of: retries, delayMs, error: explainTargetError(err) },
          'connection lost while loading a table: loading it again from zero',
        );
      }
      await sleep(delayMs);
    }
  }
}
