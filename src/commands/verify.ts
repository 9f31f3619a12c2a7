// sqlite2pg verify: the proof on its own — every table of the mapping compared with the target (structure
// and rows, each differing row read again before it is reported), recorded in the ledger, reported in the
// format asked for.
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { UsageError } from '../model/errors.js';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import { planSources, openTarget, runProgress, type Sources } from './session.js';
import { countRows } from '../extract/introspect.js';
import { ensureLedger, finishRun } from '../ledger/ledger.js';
import type { Target } from '../pg/target.js';
import { statusOf } from '../model/run-report.js';
import { completeInventory } from '../report/inventory-report.js';
import { recordVerifications, verifyRun, type VerifiedTable } from '../verify/verify-run.js';
import { openFreshSides, type FreshSides } from '../verify/narrow/recheck.js';
import type { ProgressReporter } from '../run/progress.js';
import { RunEnvelope } from '../run/run-envelope.js';
import { verifyConnections } from '../run/connections.js';
import { verificationHistory } from '../ledger/verification-history.js';
import type { CommandResult } from './migrate.js';

/** The tables --tables names (by target name, target table or source table), or all of them. */
function selectTables(plan: RunPlan, names: string[] | null): readonly TablePlan[] {
  if (!names) return plan.tables;
  return names.map((name) => {
    const t = plan.tables.find((x) => x.targetName === name || x.target.table === name || x.source.table === name);
    if (!t)
      throw new UsageError(
        `--tables: no table "${name}" in the mapping (tables: ${plan.tables.map((x) => x.targetName).join(', ')})`,
      );
    return t;
  });
}

/** Runs `sqlite2pg verify`: exit 0 when everything matches, 1 on any difference. */
export async function runVerify(config: Config, log: Logger): Promise<CommandResult> {
  const env = new RunEnvelope('verify', false, log);
  const { sources, plan } = planSources(config, { log });
  env.closes(() => sources.close());
  const session = await env.openTarget(() => openTarget(config, log, verifyConnections(config.jobs)));
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
  env.closes(async () => fresh.close());
  const progress = runProgress(config, log);
  env.closes(async () => progress.stop());
  return env.run(
    async () => {
      const tables = selectTables(plan, config.tables);
      await env.step('record the start', () =>
        withClient(async (c) => {
          await ensureLedger(c, false);
          await env.recordStart(c, {
            mappingName: plan.mappingName,
            mappingHash: plan.mappingHash,
            mode: null,
            resumedFrom: null,
            sourceDir: plan.sourceDir,
          });
        }),
      );
      env.recorded = true;
      log.info(
        {
          runId: env.runId,
          target: session.target.displayUrl,
          tables: tables.length,
          graceSeconds: config.graceSeconds,
        },
        'verify started',
      );
      const verified = await env.step('verify tables', () =>
        verifyTables(config, log, { env, plan, tables, sources, withClient, fresh, progress, target: session.target }),
      );
      const reports = verified.map((v) => ({ ...v.report, emptySource: v.plan.emptyReason }));
      const inventory = completeInventory(plan.inventory, reports, 'not verified by this run (--tables)');
      const status = statusOf(reports, inventory);
      const grace =
        config.graceSeconds === null
          ? null
          : {
              seconds: config.graceSeconds,
              cutoff: new Date(env.startedAt.getTime() - config.graceSeconds * 1000).toISOString(),
            };
      const report = env.report(status, reports, { warnings: [], grace, inventory });
      await env.step('record', () =>
        withClient(async (c) => {
          await recordVerifications(c, env.runId, verified);
          await finishRun(c, env.runId, status, report, null);
        }),
      );
      // The trend includes this run; it goes into the rendered report, not into the ledger's copy.
      if (config.format === 'html' || config.format === 'markdown')
        report.history = await withClient((c) => verificationHistory(c));
      return env.finished(report);
    },
    (err) =>
      env.fail(err, { explain: (e) => (e instanceof Error ? e.message : String(e)), report: null, ledger: pool }),
  );
}

interface VerifyInputs {
  env: RunEnvelope;
  plan: RunPlan;
  tables: readonly TablePlan[];
  sources: Sources;
  withClient<T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T>;
  fresh: FreshSides;
  progress: ProgressReporter;
  target: Target;
}

/** Every table selected, --jobs at a time, each in a snapshot of the target, differing rows read again. */
async function verifyTables(config: Config, log: Logger, v: VerifyInputs): Promise<VerifiedTable[]> {
  const { plan, tables, sources, progress } = v;
  // Each table's row count, once up front, gives the progress its totals.
  const sizes = new Map(
    tables.map((t) => [t.targetName, t.sourceExists ? countRows(sources.db(t.source.file)!, t.source.table) : 0]),
  );
  progress.phase(
    'verifying',
    tables.length,
    [...sizes.values()].reduce((a, b) => a + b, 0),
  );
  const verified = await verifyRun({
    progress,
    expectedRows: (t) => sizes.get(t.targetName) ?? 0,
    plan,
    tables,
    sourceDb: (f) => sources.db(f),
    hosted: (f) => sources.hosted(f)?.verify ?? null,
    withClient: v.withClient,
    jobs: config.jobs,
    sampleRows: config.sampleRows,
    graceSeconds: config.graceSeconds,
    now: v.env.startedAt,
    fresh: v.fresh,
    targetSnapshot: true,
    structure: { sequences: true },
    // Each table's streaming pass reads the target's COPY in the table's snapshot, exported, on the
    // source worker's own connection (the main thread then forwards no chunks).
    ownTargetReads: {
      settings: v.target.settings,
      refused: (table, reason) =>
        log.warn(
          { table, reason: v.env.redact(reason) },
          "verify could not read a table in its snapshot on a worker's own target connection: reading it through the table's connection",
        ),
      read: (table) => log.debug({ table }, "target side read in the table's snapshot on a worker's own connection"),
    },
  });
  progress.stop();
  return verified;
}
