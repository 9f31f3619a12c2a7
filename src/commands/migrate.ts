// sqlite2pg migrate: plan → refuse or decide what to load → schema → tables in parallel → keys, indexes,
// foreign keys, sequences → verify from the same source snapshot → report. Every step leaves the ledger
// able to tell a later --mode resume where to start.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT, Sqlite2pgError, SourceReadError, TargetError, TooManyRejectsError, type ExitCode } from '../model/errors.js';
import type { TablePlan } from '../model/table-plan.js';
import { planSources, openTarget, runProgress, TOOL_VERSION } from './session.js';
import { ensureLedger, finishRun, insertRun, recordBackups } from '../ledger/ledger.js';
import { decideLoads } from '../load/preflight.js';
import { applySchema } from '../load/apply-schema.js';
import { createViews } from '../load/views.js';
import { dropUnloadedTables } from '../load/drop-unloaded.js';
import { addForeignKeys, buildKeysAndIndexes, dropForeignKeys, finishTable } from '../load/post-load.js';
import { setSequences } from '../load/sequences.js';
import { loadTableWithRetries } from '../load/table-retry.js';
import { RunLock } from '../ledger/run-lock.js';
import { explainTargetError } from '../pg/explain-error.js';
import { recordEnd, resumeNote, takeBackups } from './migrate-outcome.js';
import { pausePoint } from '../runtime/pause-points.js';
import { captureSequences, restoreSequences, type SequenceState } from '../load/dry-run-sequences.js';
import { emptyForDryRun, existingRelations, lockedOut } from '../load/dry-run-locks.js';
import { RejectBudget, type LoadContext, type TableLoadResult } from '../load/load-context.js';
import { runInDependencyOrder } from '../run/run-tables.js';
import { evaluateDefaults } from '../load/defaults.js';
import { redactText } from '../pg/target.js';
import { countRows } from '../extract/introspect.js';
import { statusOf, totalsOf, type RunReport, type TableReport } from '../model/run-report.js';
import { completeInventory, inventoryWarnings, markRefused } from '../report/inventory-report.js';
import { recordVerifications, verifyRun } from '../verify/verify-run.js';

export interface CommandResult {
  report: RunReport | null;
  exitCode: ExitCode;
  /** Text for a person (stdout, unless --json). */
  text?: string;
}

function ignoreClientError(): void {}

/**
 * Transactions: each on its own pool connection, its COMMIT behind the run lock's fence (run-lock.ts); in a
 * dry run, all on one connection that is rolled back.
 */
function transactions(pool: pg.Pool, dryRunClient: pg.PoolClient | null, lock: RunLock) {
  return async function transaction<T>(fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (dryRunClient) return fn(dryRunClient);
    await lock.check();
    const client = await pool.connect();
    // A checked-out client whose socket closes between two queries emits 'error'; unheard, that would
    // crash the process. Heard, the next query fails instead, and that failure is handled below.
    client.on('error', ignoreClientError);
    const untrack = lock.track(client);
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await lock.fence(client);
      await client.query('COMMIT');
      client.removeListener('error', ignoreClientError);
      client.release();
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      client.removeListener('error', ignoreClientError);
      client.release(true);
      // Once the lock is lost for good, whatever failed in its wake (a COPY stopped, a session ended) is that loss.
      throw lock.lost ?? err;
    } finally {
      untrack();
    }
  };
}

function tableReport(r: TableLoadResult): TableReport {
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

export async function runMigrate(config: Config, log: Logger): Promise<CommandResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const runId = randomUUID();
  const backup = await takeBackups(config, runId, log);
  if (backup) await pausePoint('backed-up');
  // With --backup-dir, the run reads (and verifies against) the copies, the sources as they were backed up.
  const fromBackup = backup ? { ...config, sourceDir: backup.dir, files: config.files.map((f) => path.join(backup.dir, path.basename(f))) } : config;
  const { loaded, sources, plan } = planSources(fromBackup, { log });
  const jobs = config.dryRun ? 1 : config.jobs;
  const session = await openTarget(config, log, jobs + 2).catch(async (err) => {
    await sources.close();
    throw err;
  });
  const { pool } = session.target;
  const progress = runProgress(config, log);
  let lock: RunLock | null = null;
  let dryClient: pg.PoolClient | null = null;
  let drySequences: SequenceState[] = [];
  let dryExisting: string[] = [];
  let runRecorded = false;
  /** The schemas and tables this run created (dropped again if still empty when the source fails). */
  let created: { kind: string; name: string }[] = [];
  /** The run's fenced transactions, once it holds the lock: even a cleanup after a failure writes only through them. */
  let fenced: (<T>(fn: (c: pg.ClientBase) => Promise<T>) => Promise<T>) | null = null;
  const results: TableLoadResult[] = [];
  const warnings: string[] = [];
  // What PostgreSQL refused to create (a ported index, a view, a deferred foreign key), for the inventory.
  const refusedObjects = new Map<string, string>();
  const warn = (message: string, refused?: { target: string; reason: string }) => {
    if (refused) refusedObjects.set(refused.target, refused.reason);
    warnings.push(message);
    log.warn(message);
  };
  const stagesMs: Record<string, number> = {};
  const timed = async <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    try {
      return await fn();
    } finally {
      stagesMs[stage] = (stagesMs[stage] ?? 0) + Math.round(performance.now() - s);
    }
  };
  const report = (status: RunReport['status'], tables: TableReport[], error: string | null): RunReport => ({
    command: 'migrate', runId, status, dryRun: config.dryRun, startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0), tables, totals: totalsOf(tables),
    target: session.target.displayUrl, mode: config.mode, error, warnings, deviations: plan.deviations, stagesMs,
  });

  try {
    lock = await RunLock.acquire(pool, log, 'this migrate', config.retries);
    const runLock = lock;
    if (config.dryRun) {
      dryClient = await pool.connect();
      dryClient.on('error', ignoreClientError);
      drySequences = await captureSequences(dryClient);
      await dryClient.query('BEGIN');
      dryExisting = await existingRelations(dryClient);
    }
    const transaction = transactions(pool, dryClient, runLock);
    fenced = transaction;
    const once = <T>(fn: (c: pg.ClientBase) => Promise<T>) => (dryClient ? fn(dryClient) : transaction(fn));

    // One transaction: the fence claimed first (a run that lost the lock commits nothing after it), then the
    // decision on what the target holds now, then the run's record. A refusal rolls it all back: the target
    // stays untouched, ledger included.
    const decision = await once(async (c) => {
      await ensureLedger(c, true);
      await runLock.claim(c, config.dryRun ? null : runId, 'migrate');
      const d = await decideLoads(c, plan, config.mode);
      await insertRun(c, { runId, command: 'migrate', mappingName: plan.mappingName, mappingHash: plan.mappingHash, mode: config.mode, dryRun: config.dryRun, resumedFrom: d.resumedFrom, sourceDir: plan.sourceDir, toolVersion: TOOL_VERSION });
      if (backup) await recordBackups(c, runId, backup.files);
      return d;
    });
    runRecorded = true;
    if (config.mode === 'resume') {
      log.info({ resumedFrom: decision.resumedFrom, kept: decision.kept.map((k) => k.plan.targetName), loading: decision.load.map((t) => t.targetName) }, 'resuming: tables a previous run committed are kept, the rest loaded');
    }
    log.info({ runId, target: session.target.displayUrl, server: session.target.serverVersion, mode: config.mode, dryRun: config.dryRun, tables: decision.load.length, kept: decision.kept.length }, 'migrate started');

    await timed('schema', () => once(async (c) => {
      created = await applySchema(c, plan, runId);
      if (config.dryRun) {
        // DELETE, foreign keys kept: no lock that stops the application's readers (dry-run-locks.ts).
        await emptyForDryRun(c, decision.load);
      } else {
        // Foreign keys touching reloaded tables come off first (TRUNCATE refuses referenced tables); they return after the load.
        const reloaded = new Set(decision.load.map((t) => t.targetName));
        await dropForeignKeys(plan.tables.filter((t) => reloaded.has(t.targetName) || t.foreignKeys.some((fk) => reloaded.has(fk.references))), c);
      }
      await pausePoint('schema');
    }));
    const defaults = await once((c) => evaluateDefaults(c, plan));
    // Row counts, once, before any table loads: the load order (longest chain of tables first) and progress use them.
    const sizes = new Map(decision.load.map((t) => [t.targetName, t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0]));
    const ctx: LoadContext = {
      runId, mappingHash: plan.mappingHash, log, transaction, progress, signal: runLock.signal,
      expectedRows: (t) => sizes.get(t.targetName) ?? 0,
      feed: (t, setup) => sources.hosted(t.source.file)!.feed(t, setup),
      rejectBudget: new RejectBudget(config.maxRejects),
      copyFormat: config.copyFormat,
      dryRun: config.dryRun,
      defaults: (t) => defaults.get(t.targetName) ?? new Map(),
    };
    progress.phase('loading', decision.load.length, [...sizes.values()].reduce((a, b) => a + b, 0));
    for (const k of decision.kept) {
      results.push({ plan: k.plan, sourceRows: k.load.sourceRows, loadedRows: k.load.loadedRows, rejectedRows: k.load.rejectedRows, changedValues: 0, rejectsByCode: {}, durationMs: 0, stages: { extractMs: 0, transformMs: 0, copyMs: 0, rejectsMs: 0 }, keptFromRun: k.load.runId, copyFormat: null });
      ctx.rejectBudget.total += k.load.rejectedRows;
    }
    // Tables whose keys, indexes and foreign keys are built: the lanes start their children.
    const finished = new Set<string>();
    await timed('load', () =>
      runInDependencyOrder(decision.load, jobs, (t) => sizes.get(t.targetName)!, async (t) => {
        await runLock.check();
        // A dry run's single transaction does not survive a lost connection: nothing to retry there.
        const r = await loadTableWithRetries(ctx, t, config.dryRun ? 0 : config.retries);
        // One line a table; a warning, with the reasons, when rows were rejected.
        if (r.rejectedRows > 0) log.warn({ table: t.targetName, rows: r.loadedRows, rejected: r.rejectedRows, byCode: r.rejectsByCode, ms: r.durationMs }, 'table loaded, rows rejected (listed in sqlite2pg.rejects)');
        else log.info({ table: t.targetName, rows: r.loadedRows, rejected: 0, ms: r.durationMs }, 'table loaded');
        results.push(r);
        await pausePoint(`committed:${t.targetName}`);
        await runLock.check();
        const built = await finishTable(t, (name) => finished.has(name), (fn) => transaction(fn), warn);
        Object.assign(r.stages, built);
        finished.add(t.targetName);
        log.debug({ table: t.targetName, ...built }, 'keys, indexes and foreign keys built');
        return r;
      }),
    );
    progress.stop();

    // What the lanes could not build: keys of tables a resume kept, foreign keys to them (normally nothing).
    await runLock.check();
    await timed('keysAndIndexes', () => buildKeysAndIndexes(plan.tables.filter((t) => !finished.has(t.targetName)), jobs, (fn) => transaction(fn), warn));
    await runLock.check();
    await timed('foreignKeys', () => addForeignKeys(plan.tables, jobs, (fn) => transaction(fn), warn));
    await runLock.check();
    const sequences = await timed('sequences', () => once((c) => setSequences(c, plan.tables, !config.dryRun)));
    for (const s of sequences.filter((x) => x.sequence === null)) warnings.push(`${s.table}.${s.column}: no sequence found to set (the table was not created by sqlite2pg)`);
    const refusedViews = await timed('views', () => once((c) => createViews(c, plan, config.dryRun ? null : runId, warn)));

    // The closing verification reads the same source snapshot the load read.
    const verifySizes = new Map(plan.tables.map((t) => [t.targetName, sizes.get(t.targetName) ?? (t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0)]));
    progress.phase('verifying', plan.tables.length, [...verifySizes.values()].reduce((a, b) => a + b, 0));
    const verified = await timed('verify', () =>
      verifyRun({
        progress, expectedRows: (t) => verifySizes.get(t.targetName) ?? 0,
        plan, sourceDb: (f) => sources.db(f), hosted: (f) => sources.hosted(f)?.verify ?? null, withClient: once, jobs, sampleRows: config.sampleRows, currentRunId: runId,
        loadedRows: new Map(results.map((r) => [r.plan.targetName, r.loadedRows])),
        // The expected-objects check; a dry run leaves sequences as they were (setval is not transactional).
        structure: { sequences: !config.dryRun },
        // Outside a dry run the verify's connection holds no transaction: the source workers may read each
        // table's COPY on connections of their own, with the same settings (else through the run's).
        ownTargetReads: config.dryRun ? null : {
          settings: session.target.settings,
          refused: (table, reason) =>
            log.warn({ table, reason: redactText(reason, session.target.url) }, "the closing verify could not open a worker's own target connection: reading the table through the run's connection"),
        },
      }),
    );
    progress.stop();
    const tables = plan.tables.map((t) => {
      const r = results.find((x) => x.plan.targetName === t.targetName)!;
      const v = verified.find((x) => x.plan.targetName === t.targetName)!;
      return { ...tableReport(r), ...v.report, loadedRows: r.loadedRows, durationMs: r.durationMs + v.verification.durationMs, changedValues: r.changedValues, rejectsByCode: r.rejectsByCode, emptySource: t.emptyReason, keptFromRun: r.keptFromRun, copyFormat: r.copyFormat, stagesMs: { ...r.stages, verifyMs: v.verification.durationMs } };
    });
    const inventory = markRefused(completeInventory(plan.inventory, tables, 'not loaded by this run'), refusedObjects);
    // What PostgreSQL refused is warned about already, in its own words.
    warnings.push(...inventoryWarnings(inventory.filter((e) => !(e.target && refusedObjects.has(e.target)))));
    // A view the mapping requires that PostgreSQL refused is a difference, as a missing row would be.
    const status = refusedViews.length === 0 ? statusOf(tables, inventory) : 'differences';
    const final = report(status, tables, null);
    final.inventory = inventory;
    final.resumedFrom = decision.resumedFrom;
    if (backup) final.backups = backup.files;
    final.sequences = sequences.map((s) => ({ table: s.table, column: s.column, next: s.next }));
    await once(async (c) => {
      await recordVerifications(c, runId, verified);
      await finishRun(c, runId, status, final, null);
    });
    if (dryClient) {
      for (const rel of await lockedOut(dryClient, dryExisting)) {
        const w = `dry run: held an ACCESS EXCLUSIVE lock on ${rel} until its end (it added a key, index or foreign key the existing table lacked): readers of it waited`;
        warnings.push(w);
        log.warn({ warning: w }, 'dry run locked readers out');
      }
      await dryClient.query('ROLLBACK');
      // setval is not transactional: put back only while no other run may be using the sequences.
      await runLock.check();
      await restoreSequences(dryClient, drySequences);
    }
    log.info({ runId, status, ms: final.durationMs }, 'migrate finished');
    return { report: final, exitCode: status === 'ok' ? EXIT.ok : EXIT.differences };
  } catch (thrown) {
    progress.stop();
    // A run that lost its lock for good says so, whatever else failed in its wake.
    const err = lock?.lost ?? thrown;
    if (dryClient) await dryClient.query('ROLLBACK').then(() => (lock?.lost ? undefined : restoreSequences(dryClient!, drySequences))).catch(() => {});
    const message = redactText(err instanceof Sqlite2pgError ? err.message : explainTargetError(err), session.target.url);
    const partial = results.map(tableReport);
    if (err instanceof TooManyRejectsError) {
      const r = report('differences', partial, message);
      if (runRecorded && !config.dryRun) await recordEnd(pool, runId, 'differences', r, message);
      return { report: r, exitCode: EXIT.differences };
    }
    if (err instanceof SourceReadError && !config.dryRun && created.length > 0 && fenced) {
      // A run that cannot read its source leaves no empty table behind: a rerun after the fix starts clean.
      const run = fenced;
      const dropped = await run((c) => dropUnloadedTables(c, plan, created)).catch(() => []);
      if (dropped.length > 0) err.message += `; the empty tables this run created were dropped again (${dropped.join(', ')})`;
    }
    const wrapped = err instanceof Sqlite2pgError ? err : new TargetError(`migrate failed: ${message}; ${config.dryRun ? 'dry run: nothing was kept' : resumeNote(plan, results)}`, {}, { cause: err });
    const failed = report('failed', partial, redactText(wrapped.message, session.target.url));
    // The ledger gets the same words the user reads, resume note included.
    if (runRecorded && !config.dryRun) await recordEnd(pool, runId, 'failed', failed, failed.error ?? null);
    if (wrapped.exitCode === EXIT.badInput) throw wrapped; // a refusal: the message says it all
    throw Object.assign(wrapped, { report: failed });
  } finally {
    await lock?.release();
    dryClient?.removeListener('error', ignoreClientError);
    dryClient?.release();
    await sources.close();
    await session.close();
  }
}
