// sqlite2pg sync: brings a migrated target up to the sources' current snapshot — new rows inserted, changed
// rows updated in place, rows gone deleted (only rows sqlite2pg wrote) — each table in one transaction,
// under the run lock migrate and rollback take, recorded in the ledger (docs/sync.md).
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { TargetRefusedError, UsageError } from '../model/errors.js';
import type { RunPlan, TablePlan } from '../model/table-plan.js';
import { planSources, openTarget } from './session.js';
import { ensureLedger, finishRun, ledgerExists } from '../ledger/ledger.js';
import { RunLock } from '../ledger/run-lock.js';
import { explainTargetError } from '../pg/explain-error.js';
import { RunEnvelope } from '../run/run-envelope.js';
import type { TargetConnections } from '../run/connections.js';
import { syncBasesOrRefuse, syncRun } from '../sync/sync-run.js';
import { syncTableReport, syncText } from '../sync/sync-report.js';
import type { CommandResult } from './migrate.js';

/**
 * A connection per lane (--jobs tables at a time, each in a transaction of its own), one for what is no
 * table's (the ledger, a dry run's one transaction), the run lock's session, and one for the lock to take
 * itself back on after a drop.
 */
const syncConnections = (jobs: number): TargetConnections => ({ pool: jobs + 3, workerReads: 0 });

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

/** Runs `sqlite2pg sync`: exit 0 synced, 1 rows left different (written by someone else), 2 refused, 3 failed. */
export async function runSync(config: Config, log: Logger): Promise<CommandResult> {
  const env = new RunEnvelope('sync', config.dryRun, log);
  const { sources, plan } = planSources(config, { log });
  env.closes(() => sources.close());
  const session = await env.openTarget(() => openTarget(config, log, syncConnections(config.jobs)));
  const { pool } = session.target;
  let client: pg.PoolClient | null = null;
  let lock: RunLock | null = null;
  env.closes(async () => {
    client?.release();
    await lock?.release();
  });
  const outcome = await env.run(
    async () => {
      const tables = selectTables(plan, config.tables);
      client = await pool.connect();
      const c = client;
      if (!(await ledgerExists(c)))
        throw new TargetRefusedError(
          'sync brings a migrated target up to date, and this target has no sqlite2pg ledger: run sqlite2pg migrate first',
        );
      lock = await RunLock.acquire(pool, log, 'this sync', config.retries);
      const held = lock;
      held.track(c);
      const bases = await syncBasesOrRefuse(c, plan, tables);
      if (!config.dryRun) {
        await ensureLedger(c, false);
        await c.query('BEGIN');
        await held.claim(c, env.runId, 'sync');
        await env.recordStart(c, {
          mappingName: plan.mappingName,
          mappingHash: plan.mappingHash,
          mode: null,
          resumedFrom: null,
          sourceDir: plan.sourceDir,
        });
        await held.fence(c);
        await c.query('COMMIT');
        env.recorded = true;
      }
      log.info({ runId: env.runId, tables: tables.length, dryRun: config.dryRun }, 'sync started');
      const synced = await env.step(
        'sync tables',
        () =>
          syncRun(
            {
              plan,
              tables,
              sourceDb: (f) => sources.db(f),
              hosted: (f) => sources.hosted(f)?.verify ?? null,
              client: c,
              withClient: async (fn) => {
                const lane = await pool.connect();
                const untrack = held.track(lane);
                try {
                  return await fn(lane);
                } finally {
                  untrack();
                  lane.release();
                }
              },
              jobs: config.jobs,
              runId: env.runId,
              dryRun: config.dryRun,
              graceSeconds: config.graceSeconds,
              full: config.full,
              now: env.startedAt,
              fence: (x) => held.fence(x),
              done: (t) =>
                log.info(
                  {
                    table: t.plan.targetName,
                    ...t.counts,
                    ms: t.durationMs,
                    compared: t.compare.path,
                    ...(t.compare.reason ? { fullBecause: t.compare.reason } : {}),
                    segmentsRead: `${t.compare.segments.read}/${t.compare.segments.total}`,
                  },
                  'table synced',
                ),
            },
            bases,
          ),
        'sync',
      );
      const reports = synced.map(syncTableReport);
      const status = reports.every((r) => r.status === 'match') ? 'ok' : 'differences';
      const grace =
        config.graceSeconds === null
          ? null
          : {
              seconds: config.graceSeconds,
              cutoff: new Date(env.startedAt.getTime() - config.graceSeconds * 1000).toISOString(),
            };
      const report = env.report(status, reports, { grace, stagesMs: env.stagesMs });
      if (!config.dryRun) await finishRun(c, env.runId, status, report, null);
      return env.finished(report);
    },
    (err) =>
      env.fail(lock?.lost ?? err, {
        explain: (e) => explainTargetError(e),
        note: 'tables whose sync committed are synced, the others are as they were: run sync again',
        report: null,
        ledger: pool,
      }),
  );
  return { ...outcome, text: config.json || !outcome.report ? undefined : syncText(outcome.report) };
}
