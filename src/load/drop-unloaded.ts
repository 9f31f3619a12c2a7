// After a run stopped because its source could not be read: the tables (and schemas) it created that are
// still empty are dropped, so a run that could not read its source leaves no empty tables behind. Tables a
// load committed stay, as the ledger records them; anything PostgreSQL refuses to drop stays too.
import type pg from 'pg';
import type { RunPlan } from '../plan/table-plan.js';
import { qualified, quoteIdent } from './quote.js';

/** Drops the empty tables among `created` (then the created schemas left empty); returns what was dropped. */
export async function dropUnloadedTables(pool: pg.Pool, plan: RunPlan, created: { kind: string; name: string }[]): Promise<string[]> {
  const dropped: string[] = [];
  const tables = new Map(plan.tables.map((t) => [t.targetName, t]));
  for (const o of created.filter((x) => x.kind === 'table')) {
    const t = tables.get(o.name);
    if (!t) continue;
    const table = qualified(t.target.schema, t.target.table);
    try {
      const any = await pool.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`);
      if (any.rows[0].any) continue;
      await pool.query(`DROP TABLE ${table}`);
      dropped.push(o.name);
    } catch {
      // Gone already, or another object depends on it: it stays.
    }
  }
  for (const o of created.filter((x) => x.kind === 'schema' && x.name !== 'sqlite2pg')) {
    try {
      await pool.query(`DROP SCHEMA ${quoteIdent(o.name)}`);
      dropped.push(`schema ${o.name}`);
    } catch {
      // Not empty (a table a load committed): it stays.
    }
  }
  return dropped;
}
