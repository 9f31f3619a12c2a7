// sqlite2pg verify: the proof on its own — every table of the mapping compared with the target (structure
// and rows, each differing row read again before it is reported), recorded in the ledger, reported in the
// format asked for.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT, Sqlite2pgError, TargetError, UsageError } from '../model/errors.js';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import { planSources, openTarget, runProgress, TOOL_VERSION } from './session.js';
import { countRows } from '../extract/introspect.js';
import { ensureLedger, finishRun, insertRun } from '../ledger/ledger.js';
import { redactText } from '../pg/target.js';
import { statusOf, totalsOf, type RunReport } from '../model/run-report.js';
import { completeInventory } from '../report/inventory-report.js';
import { recordVerifications, verifyRun } from '../verify/verify-run.js';
import { openFreshSides } from '../verify/narrow/recheck.js';
import { verificationHistory } from '../ledger/verification-history.js';
import type { CommandResult } from './migrate.js';

/** The tables --tables names (by target name, target table or source table), or all of them. */
function selectTables(plan: RunPlan, names: string[] | null): readonly TablePlan[] {
  if (!names) return plan.tables;
  return names.map((name) => {
    const t = plan.tables.find((x) => x.targetName === name || x.target.table === name || x.source.table === name);
    if (!t) throw new UsageError(`--tables: no table "${name}" in the mapping (tables: ${plan.tables.map((x) => x.targetName).join(', ')})`);
    return t;
  });
}

/** Runs `sqlite2pg verify`: exit 0 when everything matches, 1 on any difference. */
export async function runVerify(config: Config, log: Logger): Promise<CommandResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const runId = randomUUID();
  const { sources, plan } = planSources(config, { log });
  // Each table job holds one connection for its snapshot and may take a second to re-check rows.
  const session = await openTarget(config, log, 2 * config.jobs + 1).catch(async (err) => {
    await sources.close();
    throw err;
  });
  const { pool } = session.target;
  const withClient = async <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };
  const fresh = openFreshSides(withClient);
  const progress = runProgress(config, log);
  let runRecorded = false;
  try {
    const tables = selectTables(plan, config.tables);
    await withClient(async (c) => {
      await ensureLedger(c, false);
      await insertRun(c, { runId, command: 'verify', mappingName: plan.mappingName, mappingHash: plan.mappingHash, mode: null, dryRun: false, resumedFrom: null, sourceDir: plan.sourceDir, toolVersion: TOOL_VERSION });
    });
    runRecorded = true;
    log.info({ runId, target: session.target.displayUrl, tables: tables.length, graceSeconds: config.graceSeconds }, 'verify started');
    // Each table's row count, once up front, gives the progress its totals.
    const sizes = new Map(tables.map((t) => [t.targetName, t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0]));
    progress.phase('verifying', tables.length, [...sizes.values()].reduce((a, b) => a + b, 0));
    const verified = await verifyRun({
      progress, expectedRows: (t) => sizes.get(t.targetName) ?? 0,
      plan, tables, sourceDb: (f) => sources.db(f), hosted: (f) => sources.hosted(f)?.verify ?? null, withClient, jobs: config.jobs, sampleRows: config.sampleRows,
      graceSeconds: config.graceSeconds, now: startedAt, fresh, targetSnapshot: true, structure: { sequences: true },
      // Each table's streaming pass reads the target's COPY in the table's snapshot, exported, on the
      // source worker's own connection (the main thread then forwards no chunks).
      ownTargetReads: {
        settings: session.target.settings,
        refused: (table, reason) =>
          log.warn({ table, reason: redactText(reason, session.target.url) }, "verify could not read a table in its snapshot on a worker's own target connection: reading it through the table's connection"),
        read: (table) => log.debug({ table }, "target side read in the table's snapshot on a worker's own connection"),
      },
    });
    progress.stop();
    const reports = verified.map((v) => ({ ...v.report, emptySource: v.plan.emptyReason }));
    const inventory = completeInventory(plan.inventory, reports, 'not verified by this run (--tables)');
    const status = statusOf(reports, inventory);
    const grace = config.graceSeconds === null ? null : { seconds: config.graceSeconds, cutoff: new Date(startedAt.getTime() - config.graceSeconds * 1000).toISOString() };
    const report: RunReport = {
      command: 'verify', runId, status, dryRun: false, startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0),
      tables: reports, totals: totalsOf(reports), target: session.target.displayUrl, warnings: [], grace, inventory,
    };
    await withClient(async (c) => {
      await recordVerifications(c, runId, verified);
      await finishRun(c, runId, status, report, null);
    });
    // The trend includes this run; it goes into the rendered report, not into the ledger's copy.
    if (config.format === 'html' || config.format === 'markdown') report.history = await withClient((c) => verificationHistory(c));
    log.info({ runId, status, ms: report.durationMs }, 'verify finished');
    return { report, exitCode: status === 'ok' ? EXIT.ok : EXIT.differences };
  } catch (err) {
    const message = redactText(err instanceof Error ? err.message : String(err), session.target.url);
    if (runRecorded) await withClient((c) => finishRun(c, runId, 'failed', null, message)).catch(() => {});
    if (err instanceof Sqlite2pgError) throw err;
    throw new TargetError(`verify failed: ${message}`, {}, { cause: err });
  } finally {
    progress.stop();
    fresh.close();
    await sources.close();
    await session.close();
  }
}
