// Decides, before anything is written, which tables a migrate loads and refuses what the mode forbids:
// `fresh` never writes into tables holding rows; `resume` keeps tables a previous run of the same
// mapping finished and never truncates rows sqlite2pg did not load.
import type pg from 'pg';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import type { Mode } from '../runtime/config.js';
import { TargetRefusedError } from '../model/errors.js';
import { inspectTargetTables } from './apply-schema.js';
import { latestLoads, type LatestLoad } from '../ledger/ledger.js';
import { canTellRowsOf, rowOrigins } from '../ledger/row-origin.js';

export interface LoadDecision {
  /** Tables to (re)load, in load order. */
  load: TablePlan[];
  /** Tables kept as a previous run loaded them (--mode resume). */
  kept: { plan: TablePlan; load: LatestLoad }[];
  /** The run a resume carries on from. */
  resumedFrom: string | null;
}

export async function decideLoads(client: pg.ClientBase, plan: RunPlan, mode: Mode): Promise<LoadDecision> {
  const existing = await inspectTargetTables(client, plan);
  const holding = plan.tables.filter((t) => existing.get(t.targetName)?.rows);
  if (mode === 'fresh') {
    if (holding.length > 0) {
      throw new TargetRefusedError(
        `--mode fresh refuses target tables that already hold rows: ${holding.map((t) => t.targetName).join(', ')}; use --mode truncate to replace them, or --mode resume to carry on a previous run`,
      );
    }
    return { load: [...plan.tables], kept: [], resumedFrom: null };
  }
  if (mode === 'truncate') return { load: [...plan.tables], kept: [], resumedFrom: null };

  const loads = await latestLoads(
    client,
    plan.tables.map((t) => t.targetName),
  );
  const kept: LoadDecision['kept'] = [];
  const load: TablePlan[] = [];
  for (const t of plan.tables) {
    const last = loads.get(t.targetName);
    if (last && last.mappingHash === plan.mappingHash && existing.has(t.targetName)) kept.push({ plan: t, load: last });
    else load.push(t);
  }
  const foreign = load.filter((t) => existing.get(t.targetName)?.rows && !loads.has(t.targetName));
  if (foreign.length > 0) {
    throw new TargetRefusedError(
      `--mode resume will not replace rows sqlite2pg did not load: ${foreign.map((t) => t.targetName).join(', ')}; use --mode truncate to replace them`,
    );
  }
  // A table to reload may also hold rows written after sqlite2pg loaded it (a dual-writing application).
  const writtenSince: string[] = [];
  for (const t of load) {
    const last = loads.get(t.targetName);
    if (!last || !existing.get(t.targetName)?.rows || !(await canTellRowsOf(client, last.loadTxid))) continue;
    const { others } = await rowOrigins(client, t.target.schema, t.target.table, last.loadTxid!);
    if (others > 0) writtenSince.push(`${t.targetName} (${others} rows written after run ${last.runId} loaded it)`);
  }
  if (writtenSince.length > 0) {
    throw new TargetRefusedError(
      `--mode resume will not replace rows sqlite2pg did not load: ${writtenSince.join(', ')}; use --mode truncate to replace them`,
    );
  }
  const newest = kept.map((k) => k.load).sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime())[0];
  return { load, kept, resumedFrom: newest?.runId ?? null };
}
