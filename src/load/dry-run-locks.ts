// What keeps a dry run from locking readers out of live tables. Its single transaction holds every lock it
// takes until the ROLLBACK, so a lock that stops a reader (ACCESS EXCLUSIVE: TRUNCATE, ALTER TABLE) would
// stop the application's SELECTs for the whole run. A dry run therefore empties the tables it reloads
// with DELETE (ROW EXCLUSIVE: readers go on seeing the committed rows, the dry run sees its own) and keeps
// their foreign keys; what it still could not avoid, it names afterwards (lockedOut).
import type pg from 'pg';
import type { TablePlan } from '../model/table-plan.js';
import { qualified } from '../pg/quote.js';

/**
 * Empties `tables` in one statement, one data-modifying WITH clause each: foreign-key checks run at the
 * end of the statement, when parents and children are all empty, so no order is needed and no foreign key
 * has to come off (dropping one is an ALTER TABLE).
 */
export async function emptyForDryRun(client: pg.ClientBase, tables: readonly TablePlan[]): Promise<void> {
  if (tables.length === 0) return;
  const clauses = tables.map((t, i) => `d${i} AS (DELETE FROM ONLY ${qualified(t.target.schema, t.target.table)})`);
  await client.query(`WITH ${clauses.join(', ')} SELECT 1`);
}

/** The user relations (tables, indexes, sequences…) that exist when the dry run starts, by oid. */
export async function existingRelations(client: pg.ClientBase): Promise<string[]> {
  // 16384 is FirstNormalObjectId: below it, the system's own catalogs.
  const r = await client.query(`SELECT array_agg(oid::text) AS oids FROM pg_class WHERE oid >= 16384`);
  return (r.rows[0].oids as string[] | null) ?? [];
}

/**
 * Relations among `existing` that this session holds ACCESS EXCLUSIVE on — the one lock that stops a
 * reader: a table that was already there but lacked the mapping's key, index or foreign key, which the dry
 * run then added (ALTER TABLE) as the real run would.
 */
export async function lockedOut(client: pg.ClientBase, existing: readonly string[]): Promise<string[]> {
  const r = await client.query(
    `SELECT DISTINCT relation::regclass::text AS rel FROM pg_locks
      WHERE pid = pg_backend_pid() AND locktype = 'relation' AND mode = 'AccessExclusiveLock' AND granted AND relation = ANY($1::oid[])
      ORDER BY 1`,
    [existing],
  );
  return r.rows.map((x) => x.rel as string);
}
