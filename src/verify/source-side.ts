// The SQLite side of verification: each source row's expected target values in the verifier's own
// canonical form, straight from the source values (never from what the loader sent).
import type Database from 'better-sqlite3';
import type { TablePlan } from '../plan/table-plan.js';
import { readPages } from '../extract/read-rows.js';
import type { SqliteValue } from '../transform/sqlite-value.js';
import { canonicalFromSource } from './canonical-source.js';
import { canonicalFromPg } from './canonical-pg.js';

export interface CanonicalRow {
  /** Source identity (rowid or primary key JSON); null on the target side. */
  sourceKey: string | null;
  /** The row's target primary key in canonical form, null when the table has none. */
  targetKey: string | null;
  values: (string | null)[];
  /** Per column: why the value could not be represented (the row should have been rejected), else null. */
  invalid: (string | null)[] | null;
}

export interface SourceSideOptions {
  /** Source keys the load rejected: expected to be absent from the target. */
  rejected: ReadonlySet<string>;
  /** Values a mapping policy changed on purpose: key → column → the value written. */
  changes: ReadonlyMap<string, ReadonlyMap<string, string | null>>;
  /** Returns true for rows to leave out (verify --grace). */
  exclude?: (values: (string | null)[]) => boolean;
}

function constantAsSource(v: string | number | boolean | null): SqliteValue {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** Index of each primary-key column among the plan's columns. */
export function keyIndexes(plan: TablePlan): number[] {
  return plan.primaryKey.map((k) => plan.columns.findIndex((c) => c.name === k));
}

export function targetKeyOf(values: (string | null)[], keyIdx: number[]): string | null {
  if (keyIdx.length === 0) return null;
  return keyIdx.length === 1 ? String(values[keyIdx[0]]) : JSON.stringify(keyIdx.map((i) => values[i]));
}

export interface SourceCounts {
  rows: number;
  rejected: number;
  excluded: number;
}

/** Streams the source's canonical rows, skipping rows the load rejected; `counts` fills in as it goes. */
export async function* sourceCanonicalRows(db: Database.Database | null, plan: TablePlan, opts: SourceSideOptions, counts: SourceCounts): AsyncGenerator<CanonicalRow> {
  const keyIdx = keyIndexes(plan);
  const consts = plan.columns.map((c) => (c.source.kind === 'const' ? constantAsSource(c.source.value) : undefined));
  for await (const page of readPages(db, plan)) {
    for (const row of page) {
      counts.rows++;
      if (opts.rejected.has(row.key)) {
        counts.rejected++;
        continue;
      }
      const changed = opts.changes.get(row.key);
      const values: (string | null)[] = new Array(plan.columns.length);
      let invalid: (string | null)[] | null = null;
      for (let i = 0; i < plan.columns.length; i++) {
        const col = plan.columns[i];
        if (changed?.has(col.name)) {
          values[i] = canonicalFromPg(col.logical, changed.get(col.name)!);
          continue;
        }
        const value = consts[i] !== undefined ? consts[i]! : row.values[col.extractIndex];
        const r = canonicalFromSource(col, value);
        if (r.ok) {
          values[i] = r.value;
        } else {
          values[i] = null;
          invalid ??= new Array(plan.columns.length).fill(null);
          invalid[i] = r.reason;
        }
      }
      if (opts.exclude?.(values)) {
        counts.excluded++;
        continue;
      }
      yield { sourceKey: row.key, targetKey: targetKeyOf(values, keyIdx), values, invalid };
    }
  }
}
