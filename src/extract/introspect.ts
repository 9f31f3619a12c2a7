// What a SQLite file really holds: its tables, their columns with declared types, keys and rowid-ness.
import type Database from 'better-sqlite3';
import { migratedVirtualTables } from './virtual-tables.js';

export interface SourceColumn {
  name: string;
  declaredType: string;
  notNull: boolean;
  defaultSql: string | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  pk: number;
}

export interface SourceTable {
  name: string;
  withoutRowid: boolean;
  columns: SourceColumn[];
}

/** Tables SQLite keeps for itself: never migrated (sqlite_sequence feeds the target's sequences instead). */
export function isInternalTable(name: string): boolean {
  return /^sqlite_/i.test(name);
}

/**
 * Every table of the file whose rows are migrated: ordinary tables, and FTS/R*Tree virtual tables (virtual-tables.ts);
 * views and shadow tables excluded.
 */
export function listTables(db: Database.Database): SourceTable[] {
  const rows = db
    .prepare("SELECT name, wr, type FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')")
    .all() as { name: string; wr: bigint | number; type: string }[];
  const virtual = rows.some((r) => r.type === 'virtual') ? migratedVirtualTables(db) : new Set<string>();
  return rows
    .filter((r) => !isInternalTable(r.name) && (r.type === 'table' || virtual.has(r.name.toLowerCase())))
    .map((r) => ({ name: r.name, withoutRowid: Number(r.wr) === 1, columns: listColumns(db, r.name) }));
}

export function listColumns(db: Database.Database, table: string): SourceColumn[] {
  const rows = db
    .prepare('SELECT name, type, "notnull" AS nn, dflt_value, pk, hidden FROM pragma_table_xinfo(?)')
    .all(table) as {
    name: string;
    type: string;
    nn: bigint;
    dflt_value: string | null;
    pk: bigint;
    hidden: bigint;
  }[];
  return rows
    .filter((r) => Number(r.hidden) === 0)
    .map((r) => ({
      name: r.name,
      declaredType: r.type,
      notNull: Number(r.nn) === 1,
      defaultSql: r.dflt_value,
      pk: Number(r.pk),
    }));
}

/** sqlite_sequence's value for `table` (the highest AUTOINCREMENT key ever handed out), if any. */
export function autoincrementSeq(db: Database.Database, table: string): bigint | null {
  const has = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'").get();
  if (!has) return null;
  const seq = db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(table) as bigint | undefined;
  return seq ?? null;
}

export function countRows(db: Database.Database, table: string): number {
  try {
    return Number(
      db
        .prepare(`SELECT count(*) FROM ${quoteSqlite(table)}`)
        .pluck()
        .get() as bigint,
    );
  } catch (err) {
    // SQLite counts by the smallest index; one using a collation this reader lacks refuses: count the table itself.
    if ((err as { code?: string }).code !== 'SQLITE_ERROR_MISSING_COLLSEQ') throw err;
    return Number(
      db
        .prepare(`SELECT count(*) FROM ${quoteSqlite(table)} NOT INDEXED`)
        .pluck()
        .get() as bigint,
    );
  }
}

/** A SQLite identifier, quoted. */
export function quoteSqlite(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
