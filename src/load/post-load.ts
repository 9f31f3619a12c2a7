// After the data is in: primary keys, unique constraints and indexes, then foreign keys (they need the
// parents' keys). Each table gets them in its load lane as soon as its rows have committed (finishTable);
// a pass over every table after the load builds what is still missing (tables a resume kept, foreign keys
// to them). Every statement is idempotent, so a resumed run simply repeats them.
import type pg from 'pg';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import type { TablePlan } from '../model/table-plan.js';
import { foreignKeySql, indexSql, portedIndexSql, primaryKeySql, uniqueSql, dropForeignKeySql } from './ddl.js';
import { pausePoint } from '../runtime/pause-points.js';
import { attempt } from '../pg/savepoint.js';

export type RunSql = (fn: (client: pg.ClientBase) => Promise<void>) => Promise<void>;

/** Says what did not arrive in the target, for the run's warnings (a ported index PostgreSQL refused). */
export type Warn = (message: string, refused?: { target: string; reason: string }) => void;

/**
 * Indexes ported from SQLite (expressions, a predicate), each in a savepoint of the table's transaction:
 * one PostgreSQL refuses is rolled back alone and reported, and the table's keys still commit.
 */
async function portedIndexes(client: pg.ClientBase, t: TablePlan, warn: Warn): Promise<void> {
  for (const ix of portedIndexSql(t)) {
    const err = await attempt(client, ix.sql);
    if (!err) continue;
    const reason = `PostgreSQL refused it (${err.message})`;
    warn(
      `${t.targetName}: index ${ix.name} not created: ${reason}; edit its "expressions"/"where" in the mapping, or drop it`,
      { target: `${t.targetName}: index ${ix.name}`, reason },
    );
  }
}

/** One table's statements in one transaction (its ported indexes last, each allowed to fail). */
async function runStatements(
  t: TablePlan,
  statements: string[],
  run: RunSql,
  step: string,
  warn: Warn | null = null,
): Promise<void> {
  await run(async (client) => {
    for (const sql of statements) await client.query(sql);
    if (warn) await portedIndexes(client, t, warn);
    await pausePoint(`${step}:${t.targetName}`); // a fault test stops here, before the commit
  });
}

/** Runs each table's statements on its own connection, `jobs` at a time. */
async function perTable(
  tables: readonly TablePlan[],
  jobs: number,
  run: RunSql,
  statements: (t: TablePlan) => string[],
  step: string,
  warn: Warn | null = null,
): Promise<void> {
  const queue = new PQueue({ concurrency: jobs });
  await Promise.all(tables.map((t) => queue.add(() => runStatements(t, statements(t), run, step, warn))));
}

const keySql = (t: TablePlan): string[] =>
  [primaryKeySql(t), ...uniqueSql(t), ...indexSql(t)].filter((s): s is string => s !== null);

export async function buildKeysAndIndexes(
  tables: readonly TablePlan[],
  jobs: number,
  run: RunSql,
  warn: Warn,
): Promise<void> {
  await perTable(tables, jobs, run, keySql, 'keys', warn);
}

/** Wall time of a table's own key and index builds and of its foreign keys' validation, in ms. */
export interface FinishTimes {
  keysMs: number;
  foreignKeysMs: number;
}

/**
 * A table's primary key, unique constraints and indexes, then the foreign keys whose referenced table is
 * `finished` (itself included), each step in a transaction of its own: run in the table's load lane right
 * after its rows commit, while the other lanes go on loading, so the server's index sorts and key checks
 * overlap the load instead of all waiting for its last table. The lanes start a
 * table only once the tables it references are finished, so their keys exist and nothing else holds their
 * locks. A foreign key to a table that is not finished (one a resume kept) waits for the pass after the load.
 */
export async function finishTable(
  t: TablePlan,
  finished: (table: string) => boolean,
  run: RunSql,
  warn: Warn,
): Promise<FinishTimes> {
  const t0 = performance.now();
  const keys = keySql(t);
  if (keys.length || portedIndexSql(t).length) await runStatements(t, keys, run, 'keys', warn);
  const t1 = performance.now();
  const ready = t.foreignKeys.filter(
    (fk) => !fk.deferred && (fk.references === t.targetName || finished(fk.references)),
  );
  if (ready.length) await runStatements(t, foreignKeySql(t, ready), run, 'foreign-keys');
  return { keysMs: Math.round(t1 - t0), foreignKeysMs: Math.round(performance.now() - t1) };
}

/**
 * A foreign key closing a cycle, added once both its tables are in, in a savepoint: PostgreSQL validates
 * it against the loaded rows (no row was checked during the load), and one it refuses is reported.
 */
async function deferredForeignKeys(client: pg.ClientBase, t: TablePlan, warn: Warn): Promise<void> {
  const deferred = t.foreignKeys.filter((fk) => fk.deferred);
  for (const [i, sql] of foreignKeySql(t, deferred).entries()) {
    const err = await attempt(client, sql);
    if (!err) continue;
    const fk = deferred[i];
    const reason = `PostgreSQL refused it (${err.message}${err.detail ? `: ${err.detail}` : ''})`;
    warn(`${t.targetName}: foreign key ${fk.name} (closing a cycle, added after the load) not created: ${reason}`, {
      target: `${t.targetName}: foreign key ${fk.name}`,
      reason,
    });
  }
}

/** The foreign keys still missing after the load: those to tables a resume kept, and those closing a cycle. */
export async function addForeignKeys(
  tables: readonly TablePlan[],
  jobs: number,
  run: RunSql,
  warn: Warn,
): Promise<void> {
  const queue = new PQueue({ concurrency: jobs });
  await Promise.all(
    tables.map((t) =>
      queue.add(() =>
        run(async (client) => {
          for (const sql of foreignKeySql(
            t,
            t.foreignKeys.filter((fk) => !fk.deferred),
          ))
            await client.query(sql);
          await deferredForeignKeys(client, t, warn);
          await pausePoint(`foreign-keys:${t.targetName}`); // a fault test stops here, before the commit
        }),
      ),
    ),
  );
}

/** Foreign keys among reloaded tables are dropped first: TRUNCATE refuses a table another table references. */
export async function dropForeignKeys(tables: readonly TablePlan[], client: pg.ClientBase): Promise<void> {
  for (const t of tables) for (const sql of dropForeignKeySql(t)) await client.query(sql);
}
