// Syncs one table in one transaction: compares both sides (find-changes.ts), writes the differing rows
// (apply-rows.ts), moves the table's sequences past the new maximum, and records the sync as the table's
// latest load with the whole of its rejects and changes; a dry run's tables are savepoints of one transaction.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { readRowsByKey } from '../extract/read-rows.js';
import { makeRowConverter } from '../transform/convert-row.js';
import { setSequences } from '../load/sequences.js';
import { pausePoint } from '../runtime/pause-points.js';
import { tableContext, type SourceTallier } from '../verify/pass/table-context.js';
import type { TargetTallier } from '../verify/pass/target-tally.js';
import { carryForward, forgetKeys, recordedKeys, recordSyncTable, type SyncBase } from '../ledger/sync-ledger.js';
import type { SyncBaseline } from '../ledger/sync-baseline.js';
import { baselineSums, findChanges, findChangesSince } from './find-changes.js';
import type { RawTallier } from '../verify/pass/raw-tally.js';
import { keepBaseline, trustBaseline, unsettled } from './baseline.js';
import { applyRows, RowRefused, sourceKeyOf } from './apply-rows.js';
import type { SyncCounts } from './sync-counts.js';

export interface SyncTableInput {
  client: pg.ClientBase;
  plan: TablePlan;
  db: Database.Database | null;
  talliers: { source: SourceTallier; target: TargetTallier; raw: RawTallier };
  runId: string;
  mappingHash: string;
  dryRun: boolean;
  cutoffMicros: number | null;
  base: SyncBase;
  /** What the last sync that settled the table kept (the fast path starts from it when it can be trusted). */
  baseline: SyncBaseline | undefined;
  /** --full: compare both sides in full whatever the ledger says. */
  full: boolean;
  /** A second round over the table in this sync: its records are this run's already. */
  again: boolean;
  defaults: ReadonlyMap<string, string | null>;
  /** Before COMMIT: the run lock's fence (the sync still holds it). */
  fence(client: pg.ClientBase): Promise<void>;
}

export interface SyncedTable {
  plan: TablePlan;
  counts: SyncCounts;
  sourceRows: number;
  targetRowsBefore: number;
  targetRowsAfter: number;
  durationMs: number;
  /** How the table was compared: the fast path (from the baseline) or in full, and why in full. */
  compare: SyncCompare;
}

export interface SyncCompare {
  path: 'fast' | 'full';
  /** Why the table was compared in full (null on the fast path). */
  reason: string | null;
  /** First-level segments, and those narrowed down (read again on both sides). */
  segments: { total: number; read: number };
  /** Why this sync kept no baseline for the next (null: it kept one). */
  noBaseline: string | null;
}

/**
 * Syncs the table; on any error its transaction is rolled back (the table as it was) and the error thrown.
 * A row PostgreSQL refuses rolls back the plain first try: the table is then synced row by row in savepoints.
 */
export async function syncTable(input: SyncTableInput): Promise<SyncedTable> {
  try {
    return await syncTableOnce(input, false);
  } catch (err) {
    if (!(err instanceof RowRefused)) throw err;
    return syncTableOnce(input, true);
  }
}

async function syncTableOnce(input: SyncTableInput, careful: boolean): Promise<SyncedTable> {
  const { client, plan } = input;
  const t0 = performance.now();
  const startedAt = new Date();
  // A dry run is one transaction, rolled back at its end (sync-run.ts): each table a savepoint in it.
  const tx = input.dryRun
    ? { begin: 'SAVEPOINT sqlite2pg_sync_table', rollback: 'ROLLBACK TO SAVEPOINT sqlite2pg_sync_table' }
    : { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ', rollback: 'ROLLBACK' };
  await client.query(tx.begin);
  try {
    const ctx = tableContext({
      plan,
      db: input.db,
      sourceTally: input.talliers.source,
      targetTally: input.talliers.target,
      client,
      // No rejects, no changes: rows the earlier load rejected or changed come back as candidates.
      source: { rejected: new Set<string>(), changes: new Map<string, ReadonlyMap<string, string | null>>() },
      cutoffMicros: input.cutoffMicros,
      sampleRows: 0,
      fresh: null,
    });
    const trusted = input.full
      ? { reason: '--full' }
      : input.again
        ? { reason: 'second round' }
        : await trustBaseline(client, plan, input.base, input.baseline, input.mappingHash);
    const found =
      'reason' in trusted ? await findChanges(ctx) : await findChangesSince(ctx, trusted, input.talliers.raw);
    const before = await recordedKeys(client, input.base.latest.runId, plan.targetName);
    // The full comparison sees every earlier reject as missing and tries it again (a parent may have come,
    // a duplicate gone): the fast path does the same for those in segments it skipped. A table without a key
    // names its missing rows by `key` (`rowid N`), not `sourceKey`: sourceKeyOf reads both, or a reject whose
    // segment was read would be a candidate twice (inserted twice).
    if (!('reason' in trusted)) {
      const seen = new Set(found.candidates.map(sourceKeyOf));
      for (const k of before.rejected)
        if (!seen.has(k)) found.candidates.push({ kind: 'missing', key: null, sourceKey: k });
    }
    const tCompare = performance.now();
    const at = {
      runId: input.runId,
      sourceFile: plan.source.file,
      sourceTable: plan.source.table,
      targetTable: plan.targetName,
    };
    if (input.again && !input.dryRun)
      await forgetKeys(
        client,
        input.runId,
        plan.targetName,
        found.candidates.map(sourceKeyOf).filter((k): k is string => k !== null),
      );
    const applied = await applyRows(
      {
        client,
        plan,
        db: input.db,
        convert: makeRowConverter(plan, input.defaults),
        at,
        txids: input.base.writerTxids,
        rejectedBefore: before.rejected,
        careful,
        record: !input.dryRun,
      },
      found.candidates,
    );
    const counts = applied.counts;
    counts.inFlight = found.graceSource;
    counts.unchanged = Math.max(
      0,
      found.sourceRows -
        found.graceSource -
        counts.inserted -
        counts.reloaded -
        counts.updated -
        counts.newlyRejected -
        counts.stillRejected,
    );
    if (!input.again && !input.dryRun) {
      // Rejects and changes of rows not looked at again (left by --grace) go on under this run, if still in the source.
      const untouched = [...new Set([...before.rejected, ...before.changed])].filter((k) => !applied.processed.has(k));
      const still = readRowsByKey(input.db, plan, untouched).map((r) => r.key);
      await carryForward(client, { runId: input.base.latest.runId, table: plan.targetName }, input.runId, still);
    }
    await setSequences(client, [plan], !input.dryRun);
    const targetRowsAfter = found.targetRows + counts.inserted + counts.reloaded - counts.deleted;
    const ms = (t: number) => Math.round(t);
    let noBaseline: string | null = 'dry run';
    if (!input.dryRun) {
      await recordSyncTable(client, {
        runId: input.runId,
        targetTable: plan.targetName,
        sourceFile: plan.source.file,
        sourceTable: plan.source.table,
        mappingHash: input.mappingHash,
        sourceRows: found.sourceRows,
        loadedRows: targetRowsAfter,
        startedAt,
        xids: [...applied.xmins],
        stageMs: { compareMs: ms(tCompare - t0), writeMs: ms(performance.now() - tCompare) },
      });
      noBaseline = await keepBaseline(client, plan, input, found, unsettled(found, counts), () =>
        baselineSums(ctx, found, input.talliers.raw),
      );
      await pausePoint(`sync:${plan.targetName}`); // a kill test stops the sync here, before the table commits
      await input.fence(client);
      await client.query('COMMIT');
    } else {
      await client.query('RELEASE SAVEPOINT sqlite2pg_sync_table');
    }
    return {
      plan,
      counts,
      sourceRows: found.sourceRows,
      targetRowsBefore: found.targetRows,
      targetRowsAfter,
      durationMs: ms(performance.now() - t0),
      compare: {
        path: 'reason' in trusted ? 'full' : 'fast',
        reason: 'reason' in trusted ? trusted.reason : null,
        segments: found.segments,
        noBaseline,
      },
    };
  } catch (err) {
    await client.query(tx.rollback).catch(() => {});
    throw err;
  }
}
