// `init`, a table's collations: SQLite columns compared by anything but BINARY (NOCASE, RTRIM, or an
// application's own such as `unicase`, which this reader lacks) become text columns with COLLATE "C" — byte
// order, what BINARY is — since PostgreSQL has no built-in equivalent of the others; the table's
// `notMigrated` entry says, per column, which collation was replaced by which.
import type Database from 'better-sqlite3';
import { columnCollations } from '../extract/collations.js';
import type { TableFacts } from '../extract/table-facts.js';
import type { MappingColumn, NotMigrated } from '../model/mapping-types.js';

/** The collation every replaced one becomes: byte order, as SQLite's BINARY. */
export const TARGET_COLLATION = 'C';

const WHAT: Record<string, string> = {
  NOCASE: 'NOCASE (ASCII letters compared without case)',
  RTRIM: 'RTRIM (trailing spaces ignored)',
};

/**
 * Sets `collation` on the text columns whose SQLite collation is not BINARY (columns: target columns,
 * `targetOf` source name lower-cased → target name) and returns the table's notMigrated entry, if any.
 */
export function draftCollations(
  db: Database.Database,
  facts: TableFacts,
  columns: MappingColumn[],
  targetOf: Map<string, string>,
): NotMigrated | null {
  const found = columnCollations(db, facts.sql);
  if (found.size === 0) return null;
  const parts: string[] = [];
  for (const [source, coll] of found) {
    const col = columns.find((c) => c.name === targetOf.get(source));
    if (!col) continue;
    const what =
      WHAT[coll.name.toUpperCase()] ??
      `${coll.name} (${coll.known ? 'a collation' : "an application's own collation, which this reader lacks; rows are read in rowid order, which needs none"})`;
    if (col.type === 'text') {
      col.collation = TARGET_COLLATION;
      const note = `SQLite collation ${coll.name} → COLLATE "${TARGET_COLLATION}" (byte order): PostgreSQL has no built-in equivalent, so ordering and uniqueness may differ from SQLite`;
      col.note = [col.note, note].filter(Boolean).join('; ');
      parts.push(`${col.name}: ${what} → COLLATE "${TARGET_COLLATION}"`);
    } else {
      parts.push(`${col.name}: ${what} → none (a ${col.type} column)`);
    }
  }
  if (parts.length === 0) return null;
  return {
    kind: 'collation',
    name: facts.name,
    table: facts.name,
    reason: `collations are not re-created; byte order instead, so ordering and uniqueness may differ from SQLite: ${parts.join('; ')}`,
    sql: facts.sql,
  };
}
