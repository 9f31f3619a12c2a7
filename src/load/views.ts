// After the tables: the mapping's views, each in a savepoint of its own — one PostgreSQL refuses (a
// function it lacks, a column renamed by hand) is rolled back alone and reported, and the run goes on.
import type pg from 'pg';
import type { RunPlan } from '../plan/table-plan.js';
import { createViewSql } from './ddl.js';
import { recordCreatedObjects } from './ledger.js';
import { qualified } from './quote.js';
import type { Warn } from './post-load.js';

/** Creates the plan's views; returns the `schema.view` names of required views PostgreSQL refused. */
export async function createViews(client: pg.ClientBase, plan: RunPlan, runId: string | null, warn: Warn): Promise<string[]> {
  const refusedRequired: string[] = [];
  const created: { kind: string; name: string }[] = [];
  for (const v of plan.views) {
    const name = `${v.schema}.${v.name}`;
    const existed = (await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified(v.schema, v.name)])).rows[0].present as boolean;
    await client.query('SAVEPOINT sqlite2pg_view');
    try {
      await client.query(createViewSql(v));
      await client.query('RELEASE SAVEPOINT sqlite2pg_view');
      if (!existed) created.push({ kind: 'view', name });
    } catch (err) {
      await client.query('ROLLBACK TO SAVEPOINT sqlite2pg_view');
      const reason = `PostgreSQL refused it (${(err as Error).message})`;
      warn(`view ${name} not created: ${reason}${v.required ? ' — the mapping marks it required' : ''}; edit its "sql" in the mapping`, { target: name, reason });
      if (v.required) refusedRequired.push(name);
    }
  }
  // Rollback removes only what a run created: a view that was there before is left to whoever made it.
  if (runId && created.length) await recordCreatedObjects(client, runId, created);
  return refusedRequired;
}
