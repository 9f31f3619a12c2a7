// The largest row sqlite2pg moves: verification reads each target row as one line of COPY text, which
// must fit in one JavaScript string; a row whose TEXT and BLOB values are larger is refused before
// anything runs (exit 2, naming it), rather than loaded and then never verified.
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { quoteSqlite } from './introspect.js';
import { rowidAlias } from './read-rows.js';
import { rawRowKey } from './row-identity.js';

/**
 * TEXT and BLOB bytes one row may hold, all its values together: 255 MiB. Its COPY line is at most twice
 * that (a BLOB as hex; TEXT escapes) plus its other fields, under V8's string limit of 2^29 − 24 code
 * units; PostgreSQL's own limit on a value is 1 GB.
 */
export const ROW_BYTES_LIMIT = 255 * 1024 * 1024;

/** A row over the limit: its source identity, its TEXT and BLOB bytes, and its largest column. */
export interface OversizedRow {
  key: string;
  bytes: number;
  column: string;
  columnBytes: number;
}

/** Bytes of the file and its WAL: no row can hold more. */
function storedBytes(path: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

/**
 * The largest record payload in the table's b-tree, from SQLite's dbstat (aggregate, this b-tree only: its
 * pages are walked, no record is decoded, so it is much cheaper than the header scan below).
 * A record's payload holds all its values, so none above the limit means no row to refuse. Infinity when
 * dbstat is not compiled in: then the scan decides.
 */
function largestPayload(db: Database.Database, table: string): number {
  try {
    const v = db.prepare("SELECT mx_payload FROM dbstat('main', 1) WHERE name = ?").pluck().get(table) as
      number | bigint | undefined;
    return v === undefined ? Infinity : Number(v);
  } catch {
    return Infinity;
  }
}

/**
 * The first row of the table (in no particular order) whose values hold more than `limit` bytes, or
 * null. Skipped when the file is smaller than the limit; else one scan that reads record headers only
 * (octet_length() of a column reads no value).
 */
export function oversizedRow(
  db: Database.Database | null,
  plan: TablePlan,
  path: string,
  limit = ROW_BYTES_LIMIT,
): OversizedRow | null {
  if (!db || !plan.sourceExists || plan.sourceColumns.length === 0 || storedBytes(path) <= limit) return null;
  if (largestPayload(db, plan.source.table) <= limit) return null;
  const keyCols = plan.hasRowid ? [rowidAlias(plan)] : plan.sourceKey.map(quoteSqlite);
  const sizes = plan.sourceColumns.map((c) => `coalesce(octet_length(${quoteSqlite(c.name)}), 0)`);
  const sql = `SELECT ${[...keyCols, ...sizes].join(', ')} FROM ${quoteSqlite(plan.source.table)} WHERE ${sizes.join(' + ')} > ? LIMIT 1`;
  const raw = db.prepare(sql).raw(true).safeIntegers(true).get(limit) as unknown[] | undefined;
  if (!raw) return null;
  const each = raw.slice(keyCols.length).map(Number);
  const largest = each.indexOf(Math.max(...each));
  return {
    key: rawRowKey(plan, raw),
    bytes: each.reduce((a, b) => a + b, 0),
    column: plan.sourceColumns[largest].name,
    columnBytes: each[largest],
  };
}
