// After a run stopped because its source could not be read: the tables (and schemas) it created that are
// still empty are dropped, so a run that could not read its source leaves no empty tables behind. Tables a
// load committed stay, as the ledger records them; anything PostgreSQL refuses to drop stays too.
import type pg from 'pg';
import type { RunPlan } from '../model/table-plan.js';
import { qualified, quoteIdent } from '../pg/quote.js';
import { attempt } from '../pg/savepoint.js';

/**
 * Drops the empty tables among `created` (then the created schemas left empty), each in a savepoint of the
 * caller's transaction — the run's fenced one; returns what was dropped.
 */
export async function dropUnloadedTables(
  client: pg.ClientBase,
  plan: RunPlan,
  created: { kind: string; name: string }[],
): Promise<string[]> {
  const dropped: string[] = [];
  const tables = new Map(plan.tables.map((t) => [t.targetName, t]));
  for (const o of created.filter((x) => x.kind === 'table')) {
    const t = tables.get(o.name);
    if (!t) continue;
    const table = qualified(t.target.schema, t.target.table);
    // Gone already, or holding rows a load committed: it stays.
    if (!(await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [table])).rows[0].present) continue;
    if ((await client.query(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`)).rows[0].any) continue;
    // Another object depends on it: PostgreSQL refuses, and it stays too.
    if (await attempt(client, `DROP TABLE ${table}`)) continue;
    dropped.push(o.name);
  }
  for (const o of created.filter((x) => x.kind === 'schema' && x.name !== 'sqlite2pg')) {
    // Not empty (a table a load committed): it stays.
    if (await attempt(client, `DROP SCHEMA ${quoteIdent(o.name)}`)) continue;
    dropped.push(`schema ${o.name}`);
  }
  return dropped;
}
