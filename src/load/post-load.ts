// After the data is in: primary keys, unique constraints and indexes (tables in parallel), then foreign
// keys (they need the parents' keys), each statement idempotent so a resumed run simply repeats them.
import type pg from 'pg';
import PQueue from 'p-queue';
import type { TablePlan } from '../plan/table-plan.js';
import { foreignKeySql, indexSql, primaryKeySql, uniqueSql, dropForeignKeySql } from './ddl.js';
import { pausePoint } from '../pause-points.js';

export type RunSql = (fn: (client: pg.ClientBase) => Promise<void>) => Promise<void>;

/** Runs each table's statements on its own connection, `jobs` at a time. */
async function perTable(tables: readonly TablePlan[], jobs: number, run: RunSql, statements: (t: TablePlan) => string[], step: string): Promise<void> {
  const queue = new PQueue({ concurrency: jobs });
  await Promise.all(
    tables.map((t) =>
      queue.add(() =>
        run(async (client) => {
          for (const sql of statements(t)) await client.query(sql);
          await pausePoint(`${step}:${t.targetName}`); // a fault test stops here, before the commit
        }),
      ),
    ),
  );
}

export async function buildKeysAndIndexes(tables: readonly TablePlan[], jobs: number, run: RunSql): Promise<void> {
  await perTable(tables, jobs, run, (t) => [primaryKeySql(t), ...uniqueSql(t), ...indexSql(t)].filter((s): s is string => s !== null), 'keys');
}

export async function addForeignKeys(tables: readonly TablePlan[], jobs: number, run: RunSql): Promise<void> {
  await perTable(tables, jobs, run, foreignKeySql, 'foreign-keys');
}

/** Foreign keys among reloaded tables are dropped first: TRUNCATE refuses a table another table references. */
export async function dropForeignKeys(tables: readonly TablePlan[], client: pg.ClientBase): Promise<void> {
  for (const t of tables) for (const sql of dropForeignKeySql(t)) await client.query(sql);
}
