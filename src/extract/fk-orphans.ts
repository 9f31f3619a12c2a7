// Counts the rows of a SQLite table whose foreign key points at no row of its parent — common in legacy
// files, since SQLite enforces foreign keys only with PRAGMA foreign_keys=ON (off by default).
import type Database from 'better-sqlite3';
import { quoteSqlite } from './introspect.js';

/**
 * Rows of `child` whose `columns` (all non-NULL: MATCH SIMPLE) match no row of `parent` by `parentColumns`, compared as
 * SQLite compares.
 */
export function countOrphans(
  db: Database.Database,
  child: string,
  columns: string[],
  parent: string,
  parentColumns: string[],
): number {
  const notNull = columns.map((c) => `c.${quoteSqlite(c)} IS NOT NULL`).join(' AND ');
  const sql = (collate: string, scan = '') => {
    const match = columns
      .map((c, i) => `p.${quoteSqlite(parentColumns[i])} = c.${quoteSqlite(c)}${collate}`)
      .join(' AND ');
    return `SELECT count(*) FROM ${quoteSqlite(child)} AS c${scan} WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${quoteSqlite(parent)} AS p WHERE ${match})`;
  };
  try {
    return Number(db.prepare(sql('')).pluck().safeIntegers(true).get() as bigint);
  } catch (err) {
    // A key column using a collation this reader lacks: compared byte for byte, as PostgreSQL's "C" will.
    if ((err as { code?: string }).code !== 'SQLITE_ERROR_MISSING_COLLSEQ') throw err;
    return Number(db.prepare(sql(' COLLATE BINARY', ' NOT INDEXED')).pluck().safeIntegers(true).get() as bigint);
  }
}
