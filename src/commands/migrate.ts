// sqlite2pg migrate: its steps by name, each timed and logged by the run envelope (run/run-envelope.ts):
// prepare → schema → load tables → keys and indexes → foreign keys → sequences → views → closing verify →
// record. A dry run is the same steps through another TargetWrites (load/dry-run-target.ts).
import path from 'node:path';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT, SourceReadError, TooManyRejectsError, type ExitCode } from '../model/errors.js';
import type { RunReport } from '../model/run-report.js';
import { planSources, openTarget, runProgress } from './session.js';
import { RunEnvelope } from '../run/run-envelope.js';
import { migrateConnections } from '../run/connections.js';
import { explainTargetError } from '../pg/explain-error.js';
import { resumeNote, takeBackups } from './migrate-outcome.js';
import { pausePoint } from '../runtime/pause-points.js';
import { RejectBudget, type LoadContext } from '../load/load-context.js';
import {
  addRemainingForeignKeys,
  buildRemainingKeys,
  createRunViews,
  createSchema,
  loadTables,
  measureLoad,
  prepare,
  setRunSequences,
  writesOf,
  type LoadInputs,
  type MigrateRun,
} from './migrate-steps.js';
import { closingVerify, migrateFields, recordRun, tableReport, verifyInLane } from './migrate-close.js';

export interface CommandResult {
  report: RunReport | null;
  exitCode: ExitCode;
  /** Text for a person (stdout, unless --json). */
  text?: string;
}

/** What loading a table needs from this run (load-context.ts). */
function loadContext(run: MigrateRun, { sizes, defaults }: LoadInputs): LoadContext {
  const {
    config,
    log,
    plan,
    progress,
    sources,
    env: { runId },
  } = run;
  const writes = writesOf(run);
  const transaction = writes.transaction;
  return {
    runId,
    mappingHash: plan.mappingHash,
    log,
    transaction,
    progress,
    signal: writes.lock.signal,
    expectedRows: (t) => sizes.get(t.targetName) ?? 0,
    feed: (t, setup) => sources.hosted(t.source.file)!.feed(t, setup),
    rejectBudget: new RejectBudget(config.maxRejects),
    copyFormat: config.copyFormat,
    dryRun: writes.dryRun,
    defaults: (t) => defaults.get(t.targetName) ?? new Map(),
  };
}

export async function runMigrate(config: Config, log: Logger): Promise<CommandResult> {
  const env = new RunEnvelope('migrate', config.dryRun, log);
  const backup = await takeBackups(config, env.runId, log);
  if (backup) await pausePoint('backed-up');
  // With --backup-dir, the run reads (and verifies against) the copies, the sources as they were backed up.
  const fromBackup = backup
    ? { ...config, sourceDir: backup.dir, files: config.files.map((f) => path.join(backup.dir, path.basename(f))) }
    : config;
  const { sources, plan } = planSources(fromBackup, { log });
  env.closes(() => sources.close());
  const session = await env.openTarget(() => openTarget(config, log, migrateConnections(config.jobs, config.dryRun)));
  const warn: MigrateRun['warn'] = (message, refused) => {
    if (refused) run.refusedObjects.set(refused.target, refused.reason);
    env.warnings.push(message);
    log.warn(message);
  };
  const run: MigrateRun = {
    config,
    log,
    env,
    plan,
    sources,
    target: session.target,
    progress: runProgress(config, log),
    backup,
    writes: null,
    created: [],
    results: [],
    finished: new Set(),
    early: new Map(),
    refusedObjects: new Map(),
    warn,
  };

  return env.run(
    async () => {
      const decision = await env.step('prepare', () => prepare(run));
      await env.step('schema', () => createSchema(run, decision), 'schema');
      const inputs = await env.step('measure the load', () => measureLoad(run, decision));
      await env.step(
        'load tables',
        () => loadTables(run, decision, loadContext(run, inputs), inputs.sizes, (t) => verifyInLane(run, t)),
        'load',
      );
      await env.step('keys and indexes', () => buildRemainingKeys(run), 'keysAndIndexes');
      await env.step('foreign keys', () => addRemainingForeignKeys(run), 'foreignKeys');
      const sequences = await env.step('sequences', () => setRunSequences(run), 'sequences');
      const refusedViews = await env.step('views', () => createRunViews(run), 'views');
      const verified = await env.step('closing verify', () => closingVerify(run, inputs.sizes), 'verify');
      const final = await env.step('record', () => recordRun(run, { decision, sequences, refusedViews, verified }));
      await env.step('finish the target writes', () =>
        writesOf(run).finish((w) => {
          env.warnings.push(w);
          log.warn({ warning: w }, 'dry run locked readers out');
        }),
      );
      return env.finished(final);
    },
    (thrown) => failed(run, thrown),
  );
}

/**
 * A migrate that stopped: too many rejects is a difference (exit 1); anything else fails, saying where a resume starts.
 */
async function failed(run: MigrateRun, thrown: unknown): Promise<CommandResult> {
  const { env, config, plan, writes } = run;
  run.progress.stop();
  // A run that lost its lock for good says so, whatever else failed in its wake.
  const err = writes?.lock.lost ?? thrown;
  await writes?.abort();
  const partial = run.results.map(tableReport);
  if (err instanceof TooManyRejectsError) {
    const message = env.redact(err.message);
    const report = env.report('differences', partial, migrateFields(run, message));
    await env.recordEnd(run.target.pool, 'differences', report, message);
    return { report, exitCode: EXIT.differences };
  }
  if (err instanceof SourceReadError && writes) {
    // A run that cannot read its source leaves no empty table behind: a rerun after the fix starts clean.
    const dropped = await writes.dropUnloaded(plan, run.created);
    if (dropped.length > 0)
      err.message += `; the empty tables this run created were dropped again (${dropped.join(', ')})`;
  }
  return env.fail(err, {
    explain: explainTargetError,
    note: config.dryRun ? 'dry run: nothing was kept' : resumeNote(plan, run.results),
    report: { tables: partial, fields: migrateFields(run, null) },
    // The ledger gets the same words the user reads, resume note included.
    ledger: run.target.pool,
  });
}
