// What a load would reject, told before it runs: each table's rows converted by the loader's own row
// converter (no database involved), and foreign keys whose rows point at no parent row counted in SQLite.
import type Database from 'better-sqlite3';
import { readPages } from '../extract/read-rows.js';
import { countOrphans } from '../extract/fk-orphans.js';
import { makeRowConverter } from '../transform/convert-row.js';
import type { RunPlan, TablePlan } from '../model/table-plan.js';

/** The rejects a load of one table can be expected to make. */
export interface RejectForecast {
  /** Rows the data rules would reject, per `column: code`, with the first such row's reason. */
  conversions: { column: string | null; code: string; rows: number; example: string }[];
  /** Rows per foreign key that point at no parent row (as SQLite compares; a forecast, not the load's exact check). */
  orphans: { foreignKey: string; rows: number }[];
}

/** Source column behind each target column taken `from` one, or null. */
function sourceColumns(plan: TablePlan, targets: string[]): string[] | null {
  const out = targets.map((t) => {
    const c = plan.columns.find((x) => x.name === t);
    return c?.source.kind === 'column' ? c.source.name : null;
  });
  return out.every((x) => x !== null) ? (out as string[]) : null;
}

/**
 * Converts every row of the table as the load would (the `default` policy's value is not known here: counted as a
 * change, not a reject).
 */
export async function forecastTable(
  db: Database.Database | null,
  plan: TablePlan,
  run: RunPlan,
): Promise<RejectForecast> {
  const forecast: RejectForecast = { conversions: [], orphans: [] };
  if (!db || !plan.sourceExists) return forecast;
  const convert = makeRowConverter(plan);
  const byKey = new Map<string, RejectForecast['conversions'][number]>();
  for await (const page of readPages(db, plan)) {
    for (const row of page) {
      const out = convert(row.values);
      if (out.ok) continue;
      const key = `${out.column}\u0000${out.code}`;
      const seen = byKey.get(key);
      if (seen) seen.rows++;
      else byKey.set(key, { column: out.column, code: out.code, rows: 1, example: `row ${row.key}: ${out.reason}` });
    }
  }
  forecast.conversions = [...byKey.values()];
  for (const fk of plan.foreignKeys) {
    if (fk.deferred) continue; // closing a cycle: validated by PostgreSQL after the load, no row rejected
    const parent = run.tables.find((t) => t.targetName === fk.references);
    const child = sourceColumns(plan, fk.columns);
    const referenced = parent ? sourceColumns(parent, fk.referencedColumns) : null;
    if (!parent || !parent.sourceExists || parent.source.file !== plan.source.file || !child || !referenced) continue;
    const rows = countOrphans(db, plan.source.table, child, parent.source.table, referenced);
    if (rows > 0) forecast.orphans.push({ foreignKey: fk.name, rows });
  }
  return forecast;
}
