// migrate's last steps: the closing verify, from the same source snapshot the load read (each table's rows
// verified in its load lane, its structure at the close), and the record of the run (its report, in the
// ledger with the verifications).
import type { SequenceSet } from '../load/sequences.js';
import type { TableLoadResult } from '../load/load-context.js';
import type { LoadDecision } from '../load/preflight.js';
import { countRows } from '../extract/introspect.js';
import { statusOf, type RunReport, type TableReport } from '../model/run-report.js';
import { finishRun } from '../ledger/ledger.js';
import { completeInventory, inventoryWarnings, markRefused } from '../report/inventory-report.js';
import {
  recordVerifications,
  verifyLoadedRows,
  verifyRun,
  type VerifiedTable,
  type VerifyRunInput,
} from '../verify/verify-run.js';
import type { TablePlan } from '../model/table-plan.js';
import { writesOf, type MigrateRun } from './migrate-steps.js';

/** A table's report from its load alone (before verification, or when the run stopped). */
export function tableReport(r: TableLoadResult): TableReport {
  return {
    source: r.plan.sourceName,
    target: r.plan.targetName,
    sourceRows: r.sourceRows,
    loadedRows: r.loadedRows,
    rejectedRows: r.rejectedRows,
    targetRows: r.loadedRows,
    checksum: { source: null, target: null, match: false },
    differences: { missing: 0, extra: 0, changed: 0, samples: [] },
    durationMs: r.durationMs,
    changedValues: r.changedValues,
    rejectsByCode: r.rejectsByCode,
    emptySource: r.plan.emptyReason,
    keptFromRun: r.keptFromRun,
    copyFormat: r.copyFormat,
    stagesMs: { ...r.stages },
  };
}

/** The migrate report's own fields, after those every run has (run-envelope.ts). */
export function migrateFields(run: MigrateRun, error: string | null): Partial<RunReport> {
  return {
    mode: run.config.mode,
    error,
    warnings: run.env.warnings,
    deviations: run.plan.deviations,
    stagesMs: run.env.stagesMs,
  };
}

/** How the closing verify, and a lane's verify of a table's rows, read the run's tables. */
function verifyInput(run: MigrateRun): VerifyRunInput {
  const { plan, sources, config, target, log } = run;
  const writes = writesOf(run);
  return {
    plan,
    sourceDb: (f) => sources.db(f),
    hosted: (f) => sources.hosted(f)?.verify ?? null,
    // The source side as the load read it (one SQLite read): tables a resume kept are read again.
    provedByLoad: true,
    withClient: (fn) => writes.transaction(fn),
    jobs: writes.lanes,
    sampleRows: config.sampleRows,
    currentRunId: run.env.runId,
    loadedRows: new Map(run.results.map((r) => [r.plan.targetName, r.loadedRows])),
    // The expected-objects check; a dry run leaves sequences as they were (setval is not transactional).
    structure: { sequences: writes.setsSequences },
    // Outside a dry run the verify's connection holds no transaction: the source workers may read each
    // table's COPY on connections of their own, with the same settings (else through the run's).
    ownTargetReads: !writes.ownTargetReads
      ? null
      : {
          settings: target.settings,
          refused: (table, reason) =>
            log.warn(
              { table, reason: run.env.redact(reason) },
              "the closing verify could not open a worker's own target connection: reading the table through the run's connection",
            ),
        },
  };
}

/**
 * A table's rows verified in its load lane, right after its keys: the target read back while the other
 * lanes load. Not in a dry run, whose one lane would wait for it (its tables are verified at the close). A
 * failure here is the closing verify's: the run stops with exit 3 and a resume repeats it.
 */
export async function verifyInLane(run: MigrateRun, t: TablePlan): Promise<void> {
  if (!writesOf(run).ownTargetReads) return;
  run.early.set(t.targetName, await verifyLoadedRows(verifyInput(run), t));
}

/** closing verify: every table of the mapping, through the run's transactions (a dry run's rows are only there). */
export async function closingVerify(run: MigrateRun, sizes: Map<string, number>): Promise<VerifiedTable[]> {
  const { plan, sources, progress } = run;
  const verifySizes = new Map(
    plan.tables.map((t) => [
      t.targetName,
      sizes.get(t.targetName) ?? (t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0),
    ]),
  );
  progress.phase(
    'verifying',
    plan.tables.length,
    [...verifySizes.values()].reduce((a, b) => a + b, 0),
  );
  const verified = await verifyRun({
    ...verifyInput(run),
    progress,
    expectedRows: (t) => verifySizes.get(t.targetName) ?? 0,
    // Tables verified in their lanes: their structure now, with the foreign keys, sequences and views made.
    early: run.early,
  });
  progress.stop();
  return verified;
}

/** What the run's steps found, for its report. */
export interface MigrateFindings {
  decision: LoadDecision;
  sequences: SequenceSet[];
  refusedViews: string[];
  verified: VerifiedTable[];
}

/** record: the run's report, and the ledger's record of it with each table's verification, in one transaction. */
export async function recordRun(run: MigrateRun, found: MigrateFindings): Promise<RunReport> {
  const { plan, env, refusedObjects } = run;
  const tables = plan.tables.map((t) => {
    const r = run.results.find((x) => x.plan.targetName === t.targetName)!;
    const v = found.verified.find((x) => x.plan.targetName === t.targetName)!;
    return {
      ...tableReport(r),
      ...v.report,
      loadedRows: r.loadedRows,
      durationMs: r.durationMs + v.verification.durationMs,
      changedValues: r.changedValues,
      rejectsByCode: r.rejectsByCode,
      emptySource: t.emptyReason,
      keptFromRun: r.keptFromRun,
      copyFormat: r.copyFormat,
      stagesMs: { ...r.stages, verifyMs: v.verification.durationMs },
    };
  });
  const inventory = markRefused(completeInventory(plan.inventory, tables, 'not loaded by this run'), refusedObjects);
  // What PostgreSQL refused is warned about already, in its own words.
  env.warnings.push(...inventoryWarnings(inventory.filter((e) => !(e.target && refusedObjects.has(e.target)))));
  // A view the mapping requires that PostgreSQL refused is a difference, as a missing row would be.
  const status = found.refusedViews.length === 0 ? statusOf(tables, inventory) : 'differences';
  const final = env.report(status, tables, migrateFields(run, null));
  final.inventory = inventory;
  final.resumedFrom = found.decision.resumedFrom;
  if (run.backup) final.backups = run.backup.files;
  final.sequences = found.sequences.map((s) => ({ table: s.table, column: s.column, next: s.next }));
  await writesOf(run).transaction(async (c) => {
    await recordVerifications(c, env.runId, found.verified);
    await finishRun(c, env.runId, status, final, null);
  });
  return final;
}
