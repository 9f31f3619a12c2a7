// PRAGMA quick_check, and what to do when SQLite cannot run it: a file whose indexes use a collation this
// reader lacks (an application's own, e.g. `unicase`) refuses the whole check, so each table is checked on
// its own and a table whose indexes cannot be checked has its rows read in full instead (with a warning).
import type Database from 'better-sqlite3';
import { quoteSqlite } from './introspect.js';
import { isMissingCollation, missingCollationName } from './collations.js';

/** What quick_check found wrong (empty: nothing), and the parts it could not check. */
export interface QuickCheck {
  problems: string[];
  warnings: string[];
}

const check = (db: Database.Database, table?: string): string[] =>
  (table === undefined
    ? db.prepare('PRAGMA quick_check')
    : db.prepare('SELECT * FROM pragma_quick_check(?)').bind(table)
  )
    .pluck()
    .all() as string[];

const problemsOf = (rows: string[]) => (rows.length === 1 && rows[0] === 'ok' ? [] : rows);

/** Runs quick_check on the whole file, or table by table when a collation is missing. */
export function quickCheck(db: Database.Database): QuickCheck {
  try {
    return { problems: problemsOf(check(db)), warnings: [] };
  } catch (err) {
    if (!isMissingCollation(err)) throw err;
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const tables = db
    .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow')")
    .pluck()
    .all() as string[];
  for (const table of tables) {
    try {
      problems.push(...problemsOf(check(db, table)));
      continue;
    } catch (err) {
      if (!isMissingCollation(err)) throw err;
      warnings.push(
        `quick_check cannot check the indexes of ${table}: they use collation ${missingCollationName(err) ?? '(unknown)'}, which this reader lacks; the table's rows were read in full instead`,
      );
    }
    try {
      // A scan of the table's own b-tree (no index, so no collation): every page and overflow page is read.
      for (const _ of db
        .prepare(`SELECT * FROM ${quoteSqlite(table)} NOT INDEXED`)
        .raw(true)
        .iterate())
        void _;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CORRUPT') problems.push(`${table}: ${(err as Error).message}`);
      else warnings.push(`${table} cannot be read by this reader (${(err as Error).message})`);
    }
  }
  return { problems, warnings };
}
