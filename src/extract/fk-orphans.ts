// Counts the rows of a SQLite table whose foreign key points at no row of its parent — common in legacy
// files, since SQLite enforces foreign keys only with PRAGMA foreign_keys=ON (off by default).
import type Database from 'better-sqlite3';
import { quoteSqlite } from './introspect.js';

/** Rows of `child` whose `columns` (all non-NULL: MATCH SIMPLE) match no row of `parent` by `parentColumns`, compared as SQLite compares. */
export function countOrphans(db: Database.Database, child: string, columns: string[], parent: string, parentColumns: string[]): number {
  const notNull = columns.map((c) => `c.${quoteSqlite(c)} IS NOT NULL`).join(' AND ');
  const match = columns.map((c, i) => `p.${quoteSqlite(parentColumns[i])} = c.${quoteSqlite(c)}`).join(' AND ');
  const sql = `SELECT count(*) FROM ${quoteSqlite(child)} AS c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteSqlite(parent)} AS p WHERE ${match})`;
  return Number(db.prepare(sql).pluck().safeIntegers(true).get() as bigint);
}
