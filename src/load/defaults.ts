// Evaluates, once per run, the defaults of columns whose policy is `default`, so the transform can write
// them in place of values that cannot be represented (and record each change).
import type pg from 'pg';
import type { RunPlan } from '../model/table-plan.js';
import { MappingError } from '../model/errors.js';

export async function evaluateDefaults(
  client: pg.ClientBase,
  plan: RunPlan,
): Promise<Map<string, Map<string, string | null>>> {
  const out = new Map<string, Map<string, string | null>>();
  for (const t of plan.tables) {
    const cols = t.columns.filter((c) => c.policy === 'default' && c.default !== null);
    if (cols.length === 0) continue;
    const values = new Map<string, string | null>();
    for (const c of cols) {
      try {
        const r = await client.query(`SELECT (${c.default})::${c.targetType}::text AS v`);
        values.set(c.name, r.rows[0].v as string | null);
      } catch (err) {
        throw new MappingError(
          `${t.targetName}.${c.name}: default ${JSON.stringify(c.default)} does not evaluate: ${(err as Error).message}`,
          { table: t.targetName, column: c.name },
        );
      }
    }
    out.set(t.targetName, values);
  }
  return out;
}
