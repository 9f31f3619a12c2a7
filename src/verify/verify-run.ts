// Verifies every table of a plan against the target, accounting for the rejects and recorded changes of
// the load that put each table's rows there, and records the result in sqlite2pg.verifications.
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import type { TableReport } from '../model/run-report.js';
import { latestLoads, recordedChanges, rejectedKeys, type LatestLoad } from '../ledger/ledger.js';
import { runInLanes } from '../run/run-tables.js';
import { verifyTable, verificationReport, withStructure, type TableVerification } from './verify-table.js';
import { tableContext } from './pass/table-context.js';
import type { OwnTargetReads, TargetTallier } from './pass/target-tally.js';
import { graceCutoffMicros } from './pass/grace.js';
import type { FreshSides } from './narrow/recheck.js';
import type { StructureOptions } from './structure/structure-check.js';
import type { ProvedSource, SourceTallier } from './pass/table-context.js';
import { pausePoint } from '../runtime/pause-points.js';
import type { ProgressReporter } from '../run/progress.js';

/** What verifying a run's tables needs; `verify` and `migrate` fill it in differently. */
export interface VerifyRunInput {
  plan: RunPlan;
  tables?: readonly TablePlan[];
  sourceDb(file: string): Database.Database | null;
  /**
   * The file's source worker (src/worker/): the streaming pass's source side is tallied there, on the
   * file's snapshot, and its target side too. Every verified file must be hosted in one.
   */
  hosted(file: string): { source: SourceTallier; target: TargetTallier; proved?: ProvedSource } | null;
  /**
   * migrate: each table's source side as this run's load read it (its source worker tallied the rows the
   * feed read), where there is one; the streaming pass reads the source again otherwise, or when they differ.
   */
  provedByLoad?: boolean;
  /** Runs `fn` with a connection (its own from a pool, or the dry run's single one). */
  withClient<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T>;
  jobs: number;
  sampleRows: number;
  /** Loaded-row counts of the current run, when verification follows a migrate. */
  loadedRows?: ReadonlyMap<string, number>;
  /** The migrate run being verified (its loads count even in a dry run). */
  currentRunId?: string;
  /** verify --grace: rows whose timestamp columns fall within the last this many seconds are left out. */
  graceSeconds?: number | null;
  /** "Now" for --grace (default: when verification starts). */
  now?: Date;
  /** Read each differing row again, outside the snapshots, before reporting it (verify; not migrate). */
  fresh?: FreshSides | null;
  /** Read each table of the target in one REPEATABLE READ snapshot (not inside migrate's transactions). */
  targetSnapshot?: boolean;
  /**
   * The target's connection settings, when the streaming pass may read a table's COPY on a worker's own
   * connection: where `withClient`'s connection holds no transaction, or with targetSnapshot (the worker
   * then imports the table's exported snapshot); never in a dry run, whose rows only its own transaction sees.
   */
  ownTargetReads?: OwnTargetReads | null;
  /** Compare each table's structure with the plan (null: do not). */
  structure?: StructureOptions | null;
  /**
   * migrate: tables whose rows were verified in their load lanes (verifyLoadedRows), by target name: only
   * their structure is checked now.
   */
  early?: ReadonlyMap<string, VerifiedTable>;
  /** Told when each table starts and ends (the rows it holds, from `expectedRows`). */
  progress?: ProgressReporter;
  expectedRows?(plan: TablePlan): number;
}

/** One table's verification, and its entry for the report. */
export interface VerifiedTable {
  plan: TablePlan;
  verification: TableVerification;
  report: TableReport;
  /** The run whose load is being verified, when the ledger knows it. */
  loadRunId: string | null;
}

/**
 * Runs `fn` inside a read-only REPEATABLE READ transaction: every pass over the table sees the same
 * target. With `exported`, the snapshot is exported first (its id given to `fn`), so a worker's own
 * connection can read the streaming pass's COPY in it; where the server cannot export one (a standby
 * before PostgreSQL 10, say) `notExported` hears why, `fn` gets null and the passes read through `client` alone.
 */
async function inSnapshot<T>(
  client: pg.ClientBase,
  exported: boolean,
  notExported: (reason: string) => void,
  fn: (snapshot: string | null) => Promise<T>,
): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let snapshot: string | null = null;
  if (exported) {
    try {
      // The transaction's first statement: the snapshot it exports is the one every later pass reads.
      snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
    } catch (err) {
      notExported(`the server could not export the table's snapshot: ${(err as Error).message}`);
      // An error ends the transaction: start it again, without an exported snapshot.
      await client.query('ROLLBACK');
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    }
  }
  try {
    const out = await fn(snapshot);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Verifies one table on `client`, with the rejects and changes of the load that filled it. */
async function verifyOne(
  input: VerifyRunInput,
  plan: TablePlan,
  client: pg.ClientBase,
  load: LatestLoad | null,
  cutoffMicros: number | null,
  ownTargetReads: OwnTargetReads | null,
  structure: StructureOptions | null,
): Promise<VerifiedTable> {
  await pausePoint(`verify-table:${plan.targetName}`); // a test changes the table here, after the snapshot
  const hosted = input.hosted(plan.source.file);
  if (!hosted) throw new Error(`verify: source ${plan.source.file} is not hosted in a source worker`);
  const source = {
    rejected: load ? await rejectedKeys(client, load.runId, plan.targetName) : new Set<string>(),
    changes: load ? await recordedChanges(client, load.runId, plan.targetName) : new Map(),
  };
  const ctx = tableContext({
    plan,
    db: input.sourceDb(plan.source.file),
    sourceTally: hosted.source,
    client,
    source,
    cutoffMicros,
    targetTally: hosted.target,
    ownTargetReads,
    sampleRows: input.sampleRows,
    fresh: input.fresh ?? null,
    onSourceRows: (rows) => input.progress?.update(plan.targetName, rows),
    provedSource: (input.provedByLoad && hosted.proved) || null,
  });
  const verification = await verifyTable(ctx, structure);
  const loaded = input.loadedRows?.get(plan.targetName) ?? load?.loadedRows ?? verification.targetRows;
  const report = verificationReport(plan, verification, loaded, verification.durationMs);
  return { plan, verification, report, loadRunId: load?.runId ?? null };
}

/**
 * migrate: one table's rows verified in its load lane as soon as its keys are built, while the other lanes
 * still load. Its structure is checked by the closing verify (verifyRun with `early`), once the foreign keys,
 * sequences and views it expects exist.
 */
export async function verifyLoadedRows(input: VerifyRunInput, plan: TablePlan): Promise<VerifiedTable> {
  const loads = await input.withClient((c) => latestLoads(c, [plan.targetName], input.currentRunId ?? null));
  return input.withClient((client) =>
    verifyOne(input, plan, client, loads.get(plan.targetName) ?? null, null, input.ownTargetReads ?? null, null),
  );
}

/** Verifies the tables, `jobs` at a time, each with the rejects and changes of the load that filled it. */
export async function verifyRun(input: VerifyRunInput): Promise<VerifiedTable[]> {
  const tables = input.tables ?? input.plan.tables;
  const cutoffMicros =
    input.graceSeconds == null ? null : graceCutoffMicros(input.now ?? new Date(), input.graceSeconds);
  const loads = await input.withClient((c) =>
    latestLoads(
      c,
      tables.map((t) => t.targetName),
      input.currentRunId ?? null,
    ),
  );
  // Both sides of the streaming pass are tallied in the file's source worker: checked before any table starts.
  for (const t of tables)
    if (!input.hosted(t.source.file))
      throw new Error(`verify: source ${t.source.file} is not hosted in a source worker`);
  // In a table's snapshot a worker reads on its own connection only in that snapshot, exported.
  const ownReads = (snapshot: string | null): OwnTargetReads | null => {
    if (!input.ownTargetReads) return null;
    if (!input.targetSnapshot) return input.ownTargetReads;
    return snapshot === null ? null : { ...input.ownTargetReads, snapshot };
  };
  const structure = input.structure ?? null;
  // Tables of different files side by side: a hosted file's rows are read by one worker thread.
  return runInLanes(tables, input.jobs, { ready: () => true, groupOf: (t) => t.source.file }, (plan) =>
    input.withClient(async (client) => {
      input.progress?.start(plan.targetName, input.expectedRows?.(plan) ?? 0);
      const load = loads.get(plan.targetName) ?? null;
      const early = input.early?.get(plan.targetName);
      const run = async (snapshot: string | null) => {
        if (early && structure) {
          const v = await withStructure(client, plan, early.verification, structure);
          if (v) {
            const loaded = input.loadedRows?.get(plan.targetName) ?? load?.loadedRows ?? v.targetRows;
            return { ...early, verification: v, report: verificationReport(plan, v, loaded, v.durationMs) };
          }
        }
        return verifyOne(input, plan, client, load, cutoffMicros, ownReads(snapshot), structure);
      };
      const own = input.ownTargetReads ?? null;
      const out = input.targetSnapshot
        ? await inSnapshot(client, own !== null, (reason) => own?.refused(plan.targetName, reason), run)
        : await run(null);
      input.progress?.finish(plan.targetName);
      return out;
    }),
  );
}

/** Writes the verification results into the ledger under `runId`. */
export async function recordVerifications(
  client: pg.ClientBase,
  runId: string,
  results: VerifiedTable[],
): Promise<void> {
  for (const r of results) {
    const v = r.verification;
    await client.query(
      `INSERT INTO sqlite2pg.verifications (run_id, target_table, source_table, status, source_rows, target_rows, rejected_rows, source_checksum, target_checksum, missing, extra, changed, samples)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (run_id, target_table) DO UPDATE SET status = EXCLUDED.status, source_rows = EXCLUDED.source_rows, target_rows = EXCLUDED.target_rows,
         rejected_rows = EXCLUDED.rejected_rows, source_checksum = EXCLUDED.source_checksum, target_checksum = EXCLUDED.target_checksum,
         missing = EXCLUDED.missing, extra = EXCLUDED.extra, changed = EXCLUDED.changed, samples = EXCLUDED.samples, verified_at = now()`,
      [
        runId,
        r.plan.targetName,
        r.plan.sourceName,
        v.status,
        v.sourceRows,
        v.targetRows,
        v.rejectedRows,
        v.checksum.source,
        v.checksum.target,
        v.differences.missing,
        v.differences.extra,
        v.differences.changed,
        JSON.stringify(v.differences.samples),
      ],
    );
  }
}
