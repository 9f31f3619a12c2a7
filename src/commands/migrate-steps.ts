// migrate's steps, in the order runMigrate (migrate.ts) runs them: prepare, schema, load tables, keys and
// indexes, foreign keys, sequences, views. Each writes through the run's TargetWrites (live or dry run) and
// leaves the ledger able to tell a later --mode resume where to start.
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import type { RunPlan } from '../model/table-plan.js';
import type { Target } from '../pg/target.js';
import type { BackupSet } from '../extract/backup.js';
import type { ProgressReporter } from '../run/progress.js';
import type { RunEnvelope } from '../run/run-envelope.js';
import { migrateLanes } from '../run/connections.js';
import { runInDependencyOrder } from '../run/run-tables.js';
import { ensureLedger, recordBackups } from '../ledger/ledger.js';
import { pausePoint } from '../runtime/pause-points.js';
import { countRows } from '../extract/introspect.js';
import { decideLoads, type LoadDecision } from '../load/preflight.js';
import { applySchema } from '../load/apply-schema.js';
import { evaluateDefaults } from '../load/defaults.js';
import { addForeignKeys, buildKeysAndIndexes, finishTable, type Warn } from '../load/post-load.js';
import { setSequences, type SequenceSet } from '../load/sequences.js';
import { createViews } from '../load/views.js';
import { loadTableWithRetries } from '../load/table-retry.js';
import type { LoadContext, TableLoadResult } from '../load/load-context.js';
import { openTargetWrites, type TargetWrites } from '../load/target-writes.js';
import type { Sources } from './session.js';
import type { VerifiedTable } from '../verify/verify-run.js';
import type { TablePlan } from '../model/table-plan.js';

/** What the steps of one migrate share. */
export interface MigrateRun {
  readonly config: Config;
  readonly log: Logger;
  readonly env: RunEnvelope;
  readonly plan: RunPlan;
  readonly sources: Sources;
  readonly target: Target;
  readonly progress: ProgressReporter;
  readonly backup: BackupSet | null;
  /** How the run writes (prepare sets it): live, or a dry run's single transaction. */
  writes: TargetWrites | null;
  /** The schemas and tables this run created (dropped again if still empty when the source fails). */
  created: { kind: string; name: string }[];
  /** Each table loaded (or kept by a resume) so far. */
  readonly results: TableLoadResult[];
  /** Tables whose keys, indexes and foreign keys are built: the lanes start their children. */
  readonly finished: Set<string>;
  /** Tables whose rows were verified in their load lane (the closing verify then checks their structure only). */
  readonly early: Map<string, VerifiedTable>;
  /** What PostgreSQL refused to create (a ported index, a view, a deferred foreign key), for the inventory. */
  readonly refusedObjects: Map<string, string>;
  readonly warn: Warn;
}

/** The table's row count and column defaults, taken once before any table loads. */
export interface LoadInputs {
  sizes: Map<string, number>;
  defaults: Map<string, ReadonlyMap<string, string | null>>;
}

export function writesOf(run: MigrateRun): TargetWrites {
  if (!run.writes) throw new Error('migrate: a step ran before prepare');
  return run.writes;
}

/**
 * prepare: the run lock, the strategy (live or dry run), then one transaction: the fence claimed first (a run
 * that lost the lock commits nothing after it), the decision on what the target holds now, the run's record.
 * A refusal rolls it all back: the target stays untouched, ledger included.
 */
export async function prepare(run: MigrateRun): Promise<LoadDecision> {
  const { config, log, env, plan } = run;
  const writes = await openTargetWrites(run.target.pool, log, {
    dryRun: config.dryRun,
    lanes: migrateLanes(config.jobs, config.dryRun),
    retries: config.retries,
    runId: env.runId,
  });
  run.writes = writes;
  env.closes(() => writes.release());
  const decision = await writes.transaction(async (c) => {
    await ensureLedger(c, true);
    await writes.lock.claim(c, writes.runIdForLedger, 'migrate');
    const d = await decideLoads(c, plan, config.mode);
    await env.recordStart(c, {
      mappingName: plan.mappingName,
      mappingHash: plan.mappingHash,
      mode: config.mode,
      resumedFrom: d.resumedFrom,
      sourceDir: plan.sourceDir,
    });
    if (run.backup) await recordBackups(c, env.runId, run.backup.files);
    return d;
  });
  env.recorded = true;
  if (config.mode === 'resume') {
    log.info(
      {
        resumedFrom: decision.resumedFrom,
        kept: decision.kept.map((k) => k.plan.targetName),
        loading: decision.load.map((t) => t.targetName),
      },
      'resuming: tables a previous run committed are kept, the rest loaded',
    );
  }
  log.info(
    {
      runId: env.runId,
      target: run.target.displayUrl,
      server: run.target.serverVersion,
      mode: config.mode,
      dryRun: config.dryRun,
      tables: decision.load.length,
      kept: decision.kept.length,
    },
    'migrate started',
  );
  return decision;
}

/** schema: the mapping's schemas and tables, and the tables about to be loaded made ready for their rows. */
export async function createSchema(run: MigrateRun, decision: LoadDecision): Promise<void> {
  const writes = writesOf(run);
  await writes.transaction(async (c) => {
    run.created = await applySchema(c, run.plan, run.env.runId);
    await writes.prepareTables(c, run.plan, decision.load);
    await pausePoint('schema');
  });
}

/** Row counts, once, before any table loads (the load order, longest chain first, and progress use them); defaults. */
export async function measureLoad(run: MigrateRun, decision: LoadDecision): Promise<LoadInputs> {
  const defaults = await writesOf(run).transaction((c) => evaluateDefaults(c, run.plan));
  const sizes = new Map(
    decision.load.map((t) => [
      t.targetName,
      t.sourceExists ? countRows(run.sources.db(t.source.file)!, t.source.table) : 0,
    ]),
  );
  return { sizes, defaults };
}

/**
 * load tables: --jobs lanes, parents before children; each table's keys, indexes and foreign keys right after its
 * rows, then `verified` (its rows verified while the other lanes load).
 */
export async function loadTables(
  run: MigrateRun,
  decision: LoadDecision,
  ctx: LoadContext,
  sizes: Map<string, number>,
  verified: (t: TablePlan) => Promise<void> = async () => {},
): Promise<void> {
  const { log, progress, results, finished } = run;
  const writes = writesOf(run);
  progress.phase(
    'loading',
    decision.load.length,
    [...sizes.values()].reduce((a, b) => a + b, 0),
  );
  for (const k of decision.kept) {
    results.push({
      plan: k.plan,
      sourceRows: k.load.sourceRows,
      loadedRows: k.load.loadedRows,
      rejectedRows: k.load.rejectedRows,
      changedValues: 0,
      rejectsByCode: {},
      durationMs: 0,
      stages: { extractMs: 0, transformMs: 0, copyMs: 0, rejectsMs: 0 },
      keptFromRun: k.load.runId,
      copyFormat: null,
    });
    ctx.rejectBudget.total += k.load.rejectedRows;
  }
  await runInDependencyOrder(
    decision.load,
    writes.lanes,
    (t) => sizes.get(t.targetName)!,
    async (t) => {
      await writes.lock.check();
      const r = await loadTableWithRetries(ctx, t, writes.retries);
      // One line a table; a warning, with the reasons, when rows were rejected.
      if (r.rejectedRows > 0)
        log.warn(
          {
            table: t.targetName,
            rows: r.loadedRows,
            rejected: r.rejectedRows,
            byCode: r.rejectsByCode,
            ms: r.durationMs,
          },
          'table loaded, rows rejected (listed in sqlite2pg.rejects)',
        );
      else log.info({ table: t.targetName, rows: r.loadedRows, rejected: 0, ms: r.durationMs }, 'table loaded');
      results.push(r);
      await pausePoint(`committed:${t.targetName}`);
      await writes.lock.check();
      const built = await finishTable(
        t,
        (name) => finished.has(name),
        (fn) => writes.transaction(fn),
        run.warn,
      );
      Object.assign(r.stages, built);
      finished.add(t.targetName);
      log.debug({ table: t.targetName, ...built }, 'keys, indexes and foreign keys built');
      await verified(t);
      return r;
    },
  );
  progress.stop();
}

/** keys and indexes the lanes could not build: those of tables a resume kept (normally nothing). */
export async function buildRemainingKeys(run: MigrateRun): Promise<void> {
  const writes = writesOf(run);
  await writes.lock.check();
  await buildKeysAndIndexes(
    run.plan.tables.filter((t) => !run.finished.has(t.targetName)),
    writes.lanes,
    (fn) => writes.transaction(fn),
    run.warn,
  );
}

/** foreign keys the lanes could not add: those to or from tables a resume kept (normally nothing). */
export async function addRemainingForeignKeys(run: MigrateRun): Promise<void> {
  const writes = writesOf(run);
  await writes.lock.check();
  await addForeignKeys(run.plan.tables, writes.lanes, (fn) => writes.transaction(fn), run.warn);
}

/** sequences: each serial column's sequence set past its largest value (a dry run only reports them). */
export async function setRunSequences(run: MigrateRun): Promise<SequenceSet[]> {
  const writes = writesOf(run);
  await writes.lock.check();
  const sequences = await writes.transaction((c) => setSequences(c, run.plan.tables, writes.setsSequences));
  for (const s of sequences.filter((x) => x.sequence === null))
    run.env.warnings.push(`${s.table}.${s.column}: no sequence found to set (the table was not created by sqlite2pg)`);
  return sequences;
}

/** views: the mapping's views, created once their tables hold rows; the names PostgreSQL refused. */
export async function createRunViews(run: MigrateRun): Promise<string[]> {
  const writes = writesOf(run);
  return writes.transaction((c) => createViews(c, run.plan, writes.runIdForLedger, run.warn));
}
