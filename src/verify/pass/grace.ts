// verify --grace: which rows are still "in flight" during a dual-write period — those whose timestamp
// columns (the mapping's timestampColumns) fall within the last S seconds — decided from each side's
// canonical values, so the source and the target judge a row by the same rule.
import type { TablePlan } from '../../model/table-plan.js';
import { daysFromCivil } from '../canonical/canonical-time.js';

/** True when a row of canonical values (in the plan's column order) is too recent to compare. */
export type RecentTest = (values: readonly (string | null)[]) => boolean;

const US_PER_DAY = 86_400_000_000;

/** The cutoff in microseconds since 1970-01-01 UTC: rows at or after it are left out. */
export function graceCutoffMicros(now: Date, seconds: number): number {
  return (now.getTime() - Math.round(seconds * 1000)) * 1000;
}

/** Microseconds of a canonical timestamp (digits, or PostgreSQL's ±infinity) or date (`YYYY-MM-DD`, midnight UTC). */
function instantMicros(logical: string, v: string): number {
  if (v === 'infinity') return Infinity;
  if (v === '-infinity') return -Infinity;
  if (logical === 'date') {
    const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(v);
    return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) * US_PER_DAY : NaN;
  }
  return Number(v); // beyond 2^53 (after the year 2255) inexact, but far past any cutoff either way
}

/** The columns --grace judges a row by: the mapping's timestamp columns of a time type, by position. */
function graceColumns(plan: TablePlan): { index: number; name: string; logical: string }[] {
  return plan.timestampColumns
    .map((name) => plan.columns.findIndex((c) => c.name === name))
    .filter((i) => i >= 0 && ['timestamp', 'timestamptz', 'date'].includes(plan.columns[i].logical))
    .map((i) => ({ index: i, name: plan.columns[i].name, logical: plan.columns[i].logical as string }));
}

/**
 * recentRowTest as a PostgreSQL condition on the target table's columns, for checks that read the target
 * with SQL rather than row by row (the sequence check): true for a row --grace leaves out. `cutoff` is
 * the SQL of a bigint parameter holding the cutoff in microseconds; `quote` quotes a column name.
 * Null when nothing is left out. Same reading: naive timestamps and dates (at midnight) as UTC, a NULL
 * is not recent, infinity is.
 */
export function recentRowSql(
  plan: TablePlan,
  cutoffMicros: number | null,
  cutoff: string,
  quote: (name: string) => string,
): string | null {
  if (cutoffMicros === null) return null;
  const columns = graceColumns(plan);
  if (columns.length === 0) return null;
  const instant = `(timestamptz 'epoch' + ${cutoff} * interval '1 microsecond')`;
  const tests = columns.map((c) =>
    c.logical === 'timestamptz'
      ? `${quote(c.name)} >= ${instant}`
      : `${quote(c.name)}::timestamp >= (${instant} AT TIME ZONE 'UTC')`,
  );
  return `coalesce(${tests.join(' OR ')}, false)`;
}

/**
 * The --grace test for one table, or null when nothing is left out (no --grace, or no timestamp columns).
 * Naive timestamps are read as UTC, which is what they hold when the application writes UTC
 * (SQLite's CURRENT_TIMESTAMP) or when the mapping gives their `localTimeZone`.
 */
export function recentRowTest(plan: TablePlan, cutoffMicros: number | null): RecentTest | null {
  if (cutoffMicros === null) return null;
  const columns = graceColumns(plan);
  if (columns.length === 0) return null;
  return (values) => {
    for (const c of columns) {
      const v = values[c.index];
      if (v !== null && instantMicros(c.logical, v) >= cutoffMicros) return true;
    }
    return false;
  };
}
