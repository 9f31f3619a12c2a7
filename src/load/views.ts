// After the tables: the mapping's views, each in a savepoint of its own — one PostgreSQL refuses (a
// function it lacks, a column renamed by hand) is rolled back alone and reported, and the run goes on.
import type pg from 'pg';
import type { RunPlan } from '../model/table-plan.js';
import { createViewSql } from './ddl.js';
import { recordCreatedObjects } from '../ledger/ledger.js';
import { qualified } from '../pg/quote.js';
import type { Warn } from './post-load.js';
import { attempt } from '../pg/savepoint.js';

/** Creates the plan's views; returns the `schema.view` names of required views PostgreSQL refused. */
export async function createViews(
  client: pg.ClientBase,
  plan: RunPlan,
  runId: string | null,
  warn: Warn,
): Promise<string[]> {
  const refusedRequired: string[] = [];
  const created: { kind: string; name: string }[] = [];
  // A view reading a view made later in the list is tried again once that one exists: passes until none
  // is created; what is left is refused for good.
  let pending = plan.views.map((v) => ({ v, error: null as Error | null }));
  for (let progress = true; pending.length > 0 && progress;) {
    progress = false;
    const next: typeof pending = [];
    for (const p of pending) {
      const { v } = p;
      const existed = (
        await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified(v.schema, v.name)])
      ).rows[0].present as boolean;
      const error = await attempt(client, createViewSql(v));
      if (error) {
        next.push({ v, error });
        continue;
      }
      if (!existed) created.push({ kind: 'view', name: `${v.schema}.${v.name}` });
      progress = true;
    }
    pending = next;
  }
  for (const { v, error } of pending) {
    const name = `${v.schema}.${v.name}`;
    const reason = `PostgreSQL refused it (${error!.message})`;
    warn(
      `view ${name} not created: ${reason}${v.required ? ' — the mapping marks it required' : ''}; edit its "sql" in the mapping`,
      { target: name, reason },
    );
    if (v.required) refusedRequired.push(name);
  }
  // Rollback removes only what a run created: a view that was there before is left to whoever made it.
  if (runId && created.length) await recordCreatedObjects(client, runId, created);
  return refusedRequired;
}
