// A sync's tables, one transaction each, --jobs at a time, a table only once the tables it references have
// committed (inserts and updates need their parents); a delete a child row still refuses is tried again in a
// second round, children first, once the children have had their turn. Refuses (exit 2) tables no migrate
// loaded, or loaded with another mapping.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import { TargetRefusedError } from '../model/errors.js';
import { orderByDependencies } from '../plan/load-order.js';
import { evaluateDefaults } from '../load/defaults.js';
import { syncBases, type SyncBase } from '../ledger/sync-ledger.js';
import { readBaselines } from '../ledger/sync-baseline.js';
import { graceCutoffMicros } from '../verify/pass/grace.js';
import type { SourceTallier } from '../verify/pass/table-context.js';
import type { TargetTallier } from '../verify/pass/target-tally.js';
import type { RawTallier } from '../verify/pass/raw-tally.js';
import { syncTable, type SyncedTable } from './sync-table.js';
import { addCounts } from './sync-counts.js';
import { runInLanes } from '../run/run-tables.js';

export interface SyncRunInput {
  plan: RunPlan;
  tables: readonly TablePlan[];
  sourceDb(file: string): Database.Database | null;
  hosted(file: string): { source: SourceTallier; target: TargetTallier; raw: RawTallier } | null;
  /** The connection for what is not a table's (and a dry run's one transaction, all its tables in it). */
  client: pg.ClientBase;
  /** A connection of a lane's own: tables of different files are synced side by side, `jobs` at a time. */
  withClient<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  jobs: number;
  runId: string;
  dryRun: boolean;
  graceSeconds: number | null;
  /** --full: every table compared in full, whatever baseline the ledger keeps. */
  full: boolean;
  now: Date;
  fence(client: pg.ClientBase): Promise<void>;
  /** Told when each table is done. */
  done?(t: SyncedTable): void;
}

/** What the ledger says each table descends from; refused (exit 2) when a table has no migrate to sync from. */
export async function syncBasesOrRefuse(
  client: pg.ClientBase,
  plan: RunPlan,
  tables: readonly TablePlan[],
): Promise<Map<string, SyncBase>> {
  const bases = await syncBases(
    client,
    tables.map((t) => t.targetName),
  );
  const never = tables.filter((t) => !bases.has(t.targetName)).map((t) => t.targetName);
  if (never.length > 0)
    throw new TargetRefusedError(
      `sync brings a migrated target up to date, and no migrate loaded ${never.join(', ')} into this target: run sqlite2pg migrate first`,
    );
  const other = tables.filter((t) => bases.get(t.targetName)!.migrateMappingHash !== plan.mappingHash);
  if (other.length > 0)
    throw new TargetRefusedError(
      `the mapping is not the one ${other.map((t) => t.targetName).join(', ')} was migrated with: sync writes rows as the migrate's mapping did; migrate again with this mapping (--mode truncate) instead`,
    );
  return bases;
}

/**
 * Syncs the tables; returns each table's outcome, both rounds added up, in load order. A dry run does it all in
 * one transaction, rolled back at the end: its second round sees the first round's deletes, as a sync's would.
 */
export async function syncRun(input: SyncRunInput, bases: Map<string, SyncBase>): Promise<SyncedTable[]> {
  if (!input.dryRun) return syncRounds(input, bases);
  await input.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    return await syncRounds(input, bases);
  } finally {
    await input.client.query('ROLLBACK').catch(() => {});
  }
}

async function syncRounds(input: SyncRunInput, bases: Map<string, SyncBase>): Promise<SyncedTable[]> {
  const { client } = input;
  const cutoffMicros = input.graceSeconds === null ? null : graceCutoffMicros(input.now, input.graceSeconds);
  const defaults = await evaluateDefaults(client, input.plan);
  const ordered = orderByDependencies([...input.tables]);
  const baselines = input.full
    ? new Map()
    : await readBaselines(
        client,
        ordered.map((t) => t.targetName),
      );
  const one = async (plan: TablePlan, base: SyncBase, again: boolean, client: pg.ClientBase) => {
    const talliers = input.hosted(plan.source.file);
    if (!talliers) throw new Error(`sync: source ${plan.source.file} is not hosted in a source worker`);
    return syncTable({
      client,
      plan,
      db: input.sourceDb(plan.source.file),
      talliers,
      runId: input.runId,
      mappingHash: input.plan.mappingHash,
      dryRun: input.dryRun,
      cutoffMicros,
      base,
      baseline: baselines.get(plan.targetName),
      full: input.full,
      again,
      defaults: defaults.get(plan.targetName) ?? new Map(),
      fence: input.fence,
    });
  };
  const results = new Map<string, SyncedTable>();
  const selected = new Set(ordered.map((t) => t.targetName));
  const first = async (plan: TablePlan, c: pg.ClientBase) => {
    const r = await one(plan, bases.get(plan.targetName)!, false, c);
    results.set(plan.targetName, r);
    if (r.counts.blocked === 0) input.done?.(r);
  };
  // A dry run's tables are savepoints of its one transaction: one lane.
  await runInLanes(
    ordered,
    input.dryRun ? 1 : input.jobs,
    {
      ready: (t) => t.dependsOn.every((d) => d === t.targetName || !selected.has(d) || results.has(d)),
      groupOf: (t) => t.source.file,
    },
    (plan) => (input.dryRun ? first(plan, client) : input.withClient((c) => first(plan, c))),
  );
  const blocked = ordered.filter((t) => results.get(t.targetName)!.counts.blocked > 0).reverse();
  if (blocked.length > 0) {
    const now = await syncBases(
      client,
      blocked.map((t) => t.targetName),
    );
    for (const plan of blocked) {
      const before = results.get(plan.targetName)!;
      const base = { ...bases.get(plan.targetName)!, writerTxids: now.get(plan.targetName)?.writerTxids ?? [] };
      const second = await one(plan, base, true, client);
      // The second round sees again what the first left as it is: its rejects (recorded anew), its extra rows.
      const counts = addCounts(before.counts, second.counts);
      counts.newlyRejected = before.counts.newlyRejected;
      counts.stillRejected = before.counts.stillRejected;
      counts.unchanged = before.counts.unchanged;
      counts.inFlight = before.counts.inFlight;
      counts.blocked = second.counts.blocked;
      counts.extraLeft = second.counts.extraLeft;
      const merged = {
        ...second,
        counts,
        targetRowsBefore: before.targetRowsBefore,
        durationMs: before.durationMs + second.durationMs,
        compare: { ...before.compare, noBaseline: second.compare.noBaseline },
      };
      results.set(plan.targetName, merged);
      input.done?.(merged);
    }
  }
  return ordered.map((t) => results.get(t.targetName)!);
}
