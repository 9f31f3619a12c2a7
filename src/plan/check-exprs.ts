// A mapping's `expr` columns are SQLite expressions: each must compile (checked with LIMIT 0) and must run
// on every row of its table, both while planning, so an expression SQLite refuses is bad input (exit 2,
// naming the table, the column and the row) found before anything is written to the target — not a
// run that fails half-way (exit 3) with some tables already committed.
import type Database from 'better-sqlite3';
import { MappingError } from '../model/errors.js';
import { quoteSqlite } from '../extract/introspect.js';
import { rowidAlias } from '../extract/read-rows.js';
import type { TablePlan } from '../model/table-plan.js';

/** A bare column name (or rowid) cannot fail on a row: no need to run it over the table. */
const BARE_NAME = /^\s*("([^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)\s*$/;

/** Runs `sql` and returns SQLite's message when it fails. */
function failure(db: Database.Database, sql: string, args: unknown[] = []): string | null {
  try {
    db.prepare(sql)
      .raw(true)
      .safeIntegers(true)
      .get(...args);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The first rowid on which `expr` fails, by halving the rowid range (only once it is known to fail). */
function failingRowid(db: Database.Database, plan: TablePlan, expr: string): bigint | null {
  const alias = rowidAlias(plan);
  const table = quoteSqlite(plan.source.table);
  const bounds = db.prepare(`SELECT min(${alias}), max(${alias}) FROM ${table}`).raw(true).safeIntegers(true).get() as [
    bigint | null,
    bigint | null,
  ];
  if (bounds[0] === null || bounds[1] === null) return null;
  const fails = (lo: bigint, hi: bigint) =>
    failure(db, `SELECT count((${expr})) FROM ${table} WHERE ${alias} BETWEEN ? AND ?`, [lo, hi]) !== null;
  let [lo, hi] = bounds;
  if (!fails(lo, hi)) return null;
  while (lo < hi) {
    const mid = lo + (hi - lo) / 2n;
    if (fails(lo, mid)) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/**
 * Checks each expression column of `plan` (whose source table exists in `db`): that SQLite compiles it,
 * then that it runs on every row (count() makes SQLite compute it for each row and hand back one number).
 */
export function checkExprs(db: Database.Database, plan: TablePlan, where: string): void {
  const table = quoteSqlite(plan.source.table);
  for (const c of plan.columns) {
    if (c.source.kind !== 'expr') continue;
    const expr = c.source.sql;
    const place = { file: plan.source.file, table: plan.source.table, column: c.name };
    const compiled = failure(db, `SELECT (${expr}) FROM ${table} LIMIT 0`);
    if (compiled !== null)
      throw new MappingError(
        `${where}: column "${c.name}": expression ${JSON.stringify(expr)} does not run in SQLite: ${compiled}`,
        place,
      );
    if (BARE_NAME.test(expr)) continue;
    const ran = failure(db, `SELECT count((${expr})) FROM ${table}`);
    if (ran === null) continue;
    const rowid = plan.hasRowid ? failingRowid(db, plan, expr) : null;
    throw new MappingError(
      `${where}: column "${c.name}": expression ${JSON.stringify(expr)} fails in SQLite on ${rowid === null ? 'a row' : `the row with rowid ${rowid}`}: ${ran}`,
      rowid === null ? place : { ...place, row: String(rowid) },
    );
  }
}
