// sqlite2pg verify: the proof on its own — every table of the mapping compared with the target,
// recorded in the ledger, reported in the format asked for.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { EXIT, UsageError } from '../errors.js';
import { planSources, openTarget, TOOL_VERSION } from './session.js';
import { ensureLedger, finishRun, insertRun } from '../load/ledger.js';
import { totalsOf, type RunReport } from '../report/report.js';
import { recordVerifications, verifyRun } from '../verify/verify-run.js';
import type { CommandResult } from './migrate.js';

export async function runVerify(config: Config, log: Logger): Promise<CommandResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const runId = randomUUID();
  const { sources, plan } = planSources(config);
  const session = await openTarget(config, log, config.jobs + 1).catch((err) => {
    sources.close();
    throw err;
  });
  const { pool } = session.target;
  try {
    const tables = config.tables
      ? config.tables.map((name) => {
          const t = plan.tables.find((x) => x.targetName === name || x.target.table === name || x.source.table === name);
          if (!t) throw new UsageError(`--tables: no table "${name}" in the mapping (tables: ${plan.tables.map((x) => x.targetName).join(', ')})`);
          return t;
        })
      : plan.tables;
    const withClient = async <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => {
      const c = await pool.connect();
      try {
        return await fn(c);
      } finally {
        c.release();
      }
    };
    await withClient(async (c) => {
      await ensureLedger(c, false);
      await insertRun(c, { runId, command: 'verify', mappingName: plan.mappingName, mappingHash: plan.mappingHash, mode: null, dryRun: false, resumedFrom: null, sourceDir: plan.sourceDir, toolVersion: TOOL_VERSION });
    });
    log.info({ runId, target: session.target.displayUrl, tables: tables.length }, 'verify started');
    const verified = await verifyRun({ plan, tables, sourceDb: (f) => sources.db(f), withClient, jobs: config.jobs, sampleRows: config.sampleRows });
    const reports = verified.map((v) => ({ ...v.report, emptySource: v.plan.emptyReason }));
    const status = reports.every((t) => t.checksum.match) ? 'ok' : 'differences';
    const report: RunReport = {
      command: 'verify', runId, status, dryRun: false, startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0),
      tables: reports, totals: totalsOf(reports), target: session.target.displayUrl, warnings: [],
    };
    await withClient(async (c) => {
      await recordVerifications(c, runId, verified);
      await finishRun(c, runId, status, report, null);
    });
    return { report, exitCode: status === 'ok' ? EXIT.ok : EXIT.differences };
  } finally {
    sources.close();
    await session.close();
  }
}
