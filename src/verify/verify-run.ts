// Verifies every table of a plan against the target, accounting for the rejects and recorded changes of
// the load that put each table's rows there, and records the result in sqlite2pg.verifications.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import PQueue from 'p-queue';
import type { RunPlan, TablePlan } from '../plan/table-plan.js';
import type { TableReport } from '../report/report.js';
import { latestLoads, recordedChanges, rejectedKeys } from '../load/ledger.js';
import { verifyTable, verificationReport, type TableVerification } from './verify-table.js';
import type { SourceSideOptions } from './source-side.js';

export interface VerifyRunInput {
  plan: RunPlan;
  tables?: readonly TablePlan[];
  sourceDb(file: string): Database.Database | null;
  /** Runs `fn` with a connection (its own from a pool, or the dry run's single one). */
  withClient<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  jobs: number;
  sampleRows: number;
  /** Builds the --grace row filter for a table, if any. */
  exclude?: (plan: TablePlan) => SourceSideOptions['exclude'];
  /** Loaded-row counts of the current run, when verification follows a migrate. */
  loadedRows?: ReadonlyMap<string, number>;
  /** The migrate run being verified (its loads count even in a dry run). */
  currentRunId?: string;
}

export interface VerifiedTable {
  plan: TablePlan;
  verification: TableVerification;
  report: TableReport;
  /** The run whose load is being verified, when the ledger knows it. */
  loadRunId: string | null;
}

export async function verifyRun(input: VerifyRunInput): Promise<VerifiedTable[]> {
  const tables = input.tables ?? input.plan.tables;
  const loads = await input.withClient((c) => latestLoads(c, tables.map((t) => t.targetName), input.currentRunId ?? null));
  const queue = new PQueue({ concurrency: input.jobs });
  const results = await Promise.all(
    tables.map((plan) =>
      queue.add(() =>
        input.withClient(async (client) => {
          const load = loads.get(plan.targetName) ?? null;
          const source: SourceSideOptions = {
            rejected: load ? await rejectedKeys(client, load.runId, plan.targetName) : new Set(),
            changes: load ? await recordedChanges(client, load.runId, plan.targetName) : new Map(),
            exclude: input.exclude?.(plan),
          };
          const verification = await verifyTable({ plan, db: input.sourceDb(plan.source.file), client, source, sampleRows: input.sampleRows });
          const loaded = input.loadedRows?.get(plan.targetName) ?? load?.loadedRows ?? verification.targetRows;
          const report = verificationReport(plan, verification, loaded, verification.durationMs);
          return { plan, verification, report, loadRunId: load?.runId ?? null };
        }),
      ),
    ),
  );
  return results as VerifiedTable[];
}

/** Writes the verification results into the ledger under `runId`. */
export async function recordVerifications(client: pg.ClientBase, runId: string, results: VerifiedTable[]): Promise<void> {
  for (const r of results) {
    const v = r.verification;
    await client.query(
      `INSERT INTO sqlite2pg.verifications (run_id, target_table, source_table, status, source_rows, target_rows, rejected_rows, source_checksum, target_checksum, missing, extra, changed, samples)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (run_id, target_table) DO UPDATE SET status = EXCLUDED.status, source_rows = EXCLUDED.source_rows, target_rows = EXCLUDED.target_rows,
         rejected_rows = EXCLUDED.rejected_rows, source_checksum = EXCLUDED.source_checksum, target_checksum = EXCLUDED.target_checksum,
         missing = EXCLUDED.missing, extra = EXCLUDED.extra, changed = EXCLUDED.changed, samples = EXCLUDED.samples, verified_at = now()`,
      [runId, r.plan.targetName, r.plan.sourceName, v.checksum.match ? 'match' : 'differences', v.sourceRows, v.targetRows, v.rejectedRows,
        v.checksum.source, v.checksum.target, v.differences.missing, v.differences.extra, v.differences.changed, JSON.stringify(v.differences.samples)],
    );
  }
}
