// sqlite2pg rollback [--run ID]: removes what one migrate run loaded (the latest by default) and marks it
// 'rolled back' in the ledger, all in one transaction, under the same lock as migrate. It reads no
// SQLite file: the sources are never opened, let alone written.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../runtime/config.js';
import type { Logger } from '../runtime/log.js';
import { EXIT, Sqlite2pgError, TargetError, TargetRefusedError, UsageError } from '../model/errors.js';
import { openTarget, TOOL_VERSION } from './session.js';
import { ROLLBACK_CONNECTIONS } from '../run/connections.js';
import { ensureLedger, finishRun, insertRun, ledgerExists } from '../ledger/ledger.js';
import { RunLock } from '../ledger/run-lock.js';
import { redactText } from '../pg/target.js';
import { explainTargetError } from '../pg/explain-error.js';
import { rollbackRun, type RollbackOutcome } from '../ledger/rollback-run.js';
import { pausePoint } from '../runtime/pause-points.js';
import type { CommandResult } from './migrate.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface ChosenRun {
  run_id: string;
  status: string;
  started_at: Date;
  mapping_name: string | null;
  created_objects: { kind: string; name: string }[];
}

/** The run to roll back: `--run ID`, or the newest migrate that was neither a dry run nor rolled back. */
async function chooseRun(client: pg.ClientBase, runId: string | undefined): Promise<ChosenRun> {
  if (runId !== undefined && !UUID.test(runId))
    throw new UsageError(
      `--run must be a run id (a UUID, as sqlite2pg history lists them), got ${JSON.stringify(runId)}`,
    );
  const r = runId
    ? await client.query(
        'SELECT run_id, command, status, dry_run, started_at, mapping_name, created_objects FROM sqlite2pg.runs WHERE run_id = $1 FOR UPDATE',
        [runId],
      )
    : await client.query(`SELECT run_id, command, status, dry_run, started_at, mapping_name, created_objects FROM sqlite2pg.runs
                           WHERE command = 'migrate' AND NOT dry_run AND status <> 'rolled back' ORDER BY started_at DESC LIMIT 1 FOR UPDATE`);
  if (r.rows.length === 0)
    throw new TargetRefusedError(
      runId
        ? `no run ${runId} in this target's ledger (sqlite2pg history lists the runs)`
        : 'no migrate run to roll back in this target',
    );
  const run = r.rows[0];
  if (run.command === 'sync')
    throw new TargetRefusedError(
      `run ${run.run_id} is a sync: its updates and deletes overwrote values the ledger does not keep, so it cannot be undone exactly; sync again to follow the sources, or roll back the migrate and migrate again`,
    );
  if (run.command !== 'migrate')
    throw new TargetRefusedError(`run ${run.run_id} is a ${run.command}, not a migrate: it loaded nothing`);
  if (run.dry_run) throw new TargetRefusedError(`run ${run.run_id} was a dry run: it kept nothing`);
  if (run.status === 'rolled back') throw new TargetRefusedError(`run ${run.run_id} is already rolled back`);
  return run as ChosenRun;
}

function rollbackText(runId: string, rolledBack: ChosenRun, o: RollbackOutcome): string {
  const lines = [
    `rolled back run ${rolledBack.run_id} (migrate started ${rolledBack.started_at.toISOString()}, status was ${rolledBack.status}):`,
  ];
  for (const t of o.tables) {
    const what =
      t.action === 'rows removed' || t.action === 'dropped'
        ? `${t.removedRows} rows removed${t.action === 'dropped' ? ', table dropped' : ''}`
        : t.action;
    lines.push(`  ${t.table}: ${what}${t.note ? ` — ${t.note}` : ''}`);
  }
  if (o.droppedSchemas.length > 0) lines.push(`  schemas dropped: ${o.droppedSchemas.join(', ')}`);
  for (const k of o.kept) lines.push(`  kept ${k.kind} ${k.name}: ${k.reason}`);
  lines.push(
    `the sequences of tables that stay, and the ledger's records of the run, are left as they are; the run is marked 'rolled back' (rollback run ${runId})`,
  );
  return lines.join('\n');
}

/** sqlite2pg rollback: exit 0 rolled back, 2 refused (nothing changed), 3 failed (nothing changed). */
export async function runRollback(config: Config, log: Logger): Promise<CommandResult> {
  const session = await openTarget(config, log, ROLLBACK_CONNECTIONS);
  const { pool } = session.target;
  let lock: RunLock | null = null;
  let client: pg.PoolClient | null = null;
  const ignore = () => {};
  let untrack = () => {};
  let failed = false;
  try {
    lock = await RunLock.acquire(pool, log, 'this rollback', config.retries);
    client = await pool.connect();
    client.on('error', ignore);
    untrack = lock.track(client);
    if (!(await ledgerExists(client)))
      throw new TargetRefusedError('no sqlite2pg ledger in this target: nothing to roll back');
    await ensureLedger(client, false);
    await client.query('BEGIN');
    // The fence first: a migrate that lost the lock commits nothing more, and what this rollback reads next
    // includes everything that migrate committed before.
    const runId = randomUUID();
    await lock.claim(client, runId, 'rollback');
    const run = await chooseRun(client, config.runId);
    const outcome = await rollbackRun(client, run);
    await insertRun(client, {
      runId,
      command: 'rollback',
      mappingName: run.mapping_name,
      mappingHash: null,
      mode: null,
      dryRun: false,
      resumedFrom: null,
      sourceDir: null,
      toolVersion: TOOL_VERSION,
    });
    // A tombstone per emptied table: the load beneath (a run before this one) no longer describes its
    // rows, so --mode resume must not keep it and verify must not credit it.
    const emptied = outcome.tables
      .filter((t) => t.action === 'rows removed' || t.action === 'dropped')
      .map((t) => t.table);
    await client.query(
      `INSERT INTO sqlite2pg.table_loads (run_id, target_table, source_file, source_table, mapping_hash, source_rows, loaded_rows, rejected_rows, changed_values, started_at, load_txid)
       SELECT $1, target_table, source_file, source_table, 'rolled back', 0, 0, 0, 0, now(), txid_current() FROM sqlite2pg.table_loads WHERE run_id = $2 AND target_table = ANY($3)`,
      [runId, run.run_id, emptied],
    );
    await client.query(`UPDATE sqlite2pg.runs SET status = 'rolled back' WHERE run_id = $1`, [run.run_id]);
    const report = { command: 'rollback', runId, status: 'ok', rolledBack: run.run_id, ...outcome };
    await finishRun(client, runId, 'ok', report, null);
    await pausePoint('rollback:commit');
    await lock.fence(client);
    await client.query('COMMIT');
    log.info({ runId, rolledBack: run.run_id, tables: outcome.tables.length }, 'rollback finished');
    return {
      report: null,
      exitCode: EXIT.ok,
      text: config.json ? JSON.stringify(report, null, 2) : rollbackText(runId, run, outcome),
    };
  } catch (thrown) {
    failed = true;
    await client?.query('ROLLBACK').catch(() => {});
    const err = lock?.lost ?? thrown;
    if (err instanceof Sqlite2pgError) throw err;
    throw new TargetError(
      `rollback failed, nothing was changed: ${redactText(explainTargetError(err), session.target.url)}`,
      {},
      { cause: err },
    );
  } finally {
    untrack();
    client?.removeListener('error', ignore);
    // A connection that failed (or was ended when the lock was lost) is not given back to the pool.
    client?.release(failed);
    await lock?.release();
    await session.close();
  }
}
