// The values a table really stores, profiled in one pass over the table: per column, how many values of
// each storage class (what typeof() would say), the longest TEXT/BLOB in bytes, and how many values each
// candidate check refuses (with the first one refused), so a type is chosen from data, not from hope.
import type Database from 'better-sqlite3';
import { storageClass, type SqliteValue } from '../model/sqlite-value.js';
import { countRows, quoteSqlite } from './introspect.js';

/** SQLite's five storage classes, as typeof() names them. */
export type StorageClass = ReturnType<typeof storageClass>;

/** A named test a value must pass (e.g. "converts to timestamp"). */
export interface Probe {
  name: string;
  accepts(value: SqliteValue): boolean;
}

/** How many non-NULL values a probe refused. */
export interface ProbeResult {
  name: string;
  refused: number;
  /** The first value refused, in rowid (or key) order. */
  example: SqliteValue | undefined;
}

/** What one column stores. */
export interface ColumnProfile {
  /** Values per storage class, as typeof() names them. */
  classes: Record<StorageClass, number>;
  /** Longest TEXT (UTF-8) or BLOB value, in bytes. */
  maxBytes: number;
  probes: ProbeResult[];
}

/** What one table stores, per column. */
export interface TableProfile {
  rows: number;
  columns: Map<string, ColumnProfile>;
}

/**
 * Reads every value of `columns` once (better-sqlite3 with safe integers hands each storage class over as
 * its own JavaScript type: INTEGER bigint, REAL number, TEXT string, BLOB Buffer, so the class is exact)
 * and runs each column's probes on its non-NULL values.
 */
export function profileTable(
  db: Database.Database,
  table: string,
  columns: { name: string; probes: Probe[] }[],
): TableProfile {
  const profiles = columns.map((c) => ({
    classes: { null: 0, integer: 0, real: 0, text: 0, blob: 0 } as Record<StorageClass, number>,
    maxBytes: 0,
    probes: c.probes.map((p) => ({ name: p.name, refused: 0, example: undefined as SqliteValue | undefined })),
  }));
  let rows = 0;
  if (columns.length > 0) {
    const sql = `SELECT ${columns.map((c) => quoteSqlite(c.name)).join(', ')} FROM ${quoteSqlite(table)}`;
    const stmt = db.prepare(sql).raw(true).safeIntegers(true);
    for (const raw of stmt.iterate() as Iterable<SqliteValue[]>) {
      rows++;
      for (let i = 0; i < columns.length; i++) {
        const v = raw[i];
        const p = profiles[i];
        const cls = storageClass(v);
        p.classes[cls]++;
        if (v === null) continue;
        const bytes = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : Buffer.isBuffer(v) ? v.length : 0;
        if (bytes > p.maxBytes) p.maxBytes = bytes;
        const probes = columns[i].probes;
        for (let j = 0; j < probes.length; j++) {
          if (probes[j].accepts(v)) continue;
          const r = p.probes[j];
          if (r.refused++ === 0) r.example = v;
        }
      }
    }
  } else {
    rows = countRows(db, table);
  }
  return { rows, columns: new Map(columns.map((c, i) => [c.name, profiles[i]])) };
}

/** "118 text, 2 integer, 3 NULL" (classes present only), for reasons and notes. */
export function describeClasses(p: ColumnProfile): string {
  const parts = (Object.entries(p.classes) as [StorageClass, number][])
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${c === 'null' ? 'NULL' : c}`);
  return parts.length ? parts.join(', ') : 'no rows';
}

/** Non-NULL values in the column. */
export function valueCount(p: ColumnProfile): number {
  return p.classes.integer + p.classes.real + p.classes.text + p.classes.blob;
}
