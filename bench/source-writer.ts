// What an application writes between a migrate and the final sync, for the bench: a fraction of each table's
// rows updated, deleted and inserted, spread over the table and over every table. Updates change a number
// column that no key uses; deletes only touch tables no foreign key references (a child keeps its parent);
// inserts copy existing rows under new keys (SQLite gives the rowid alias a new value), so they stay valid.
import Database from 'better-sqlite3';
import type { PipeTable } from './target-plan.js';

export interface WrittenCounts {
  updated: number;
  deleted: number;
  inserted: number;
}

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const NUMBER = /INT|REAL|FLOA|DOUB|NUM|DEC/i;

/** Writes `fraction` of each table's rows (at least 3: one update, delete and insert) into the files in place. */
export function writeLikeTheApplication(tables: readonly PipeTable[], fraction: number): WrittenCounts {
  const counts: WrittenCounts = { updated: 0, deleted: 0, inserted: 0 };
  for (const path of new Set(tables.map((t) => t.sourcePath))) {
    const db = new Database(path);
    try {
      const names = tables.filter((t) => t.sourcePath === path).map((t) => t.sourceTable);
      const referenced = new Set(
        names.flatMap((n) => db.prepare(`SELECT "table" FROM pragma_foreign_key_list(?)`).pluck().all(n) as string[]),
      );
      db.transaction(() => {
        for (const t of tables.filter((x) => x.sourcePath === path)) writeTable(db, t, fraction, referenced, counts);
      })();
    } finally {
      db.close();
    }
  }
  return counts;
}

function writeTable(
  db: Database.Database,
  t: PipeTable,
  fraction: number,
  referenced: Set<string>,
  counts: WrittenCounts,
) {
  const table = ident(t.sourceTable);
  const rows = (db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) ?? 0;
  if (rows < 10) return;
  const each = Math.max(1, Math.round((rows * fraction) / 3));
  const step = Math.max(2, Math.floor(rows / each));
  const columns = db.prepare('SELECT name, type, pk FROM pragma_table_info(?)').all(t.sourceTable) as ColumnInfo[];
  const fkColumns = new Set(
    db.prepare('SELECT "from" FROM pragma_foreign_key_list(?)').pluck().all(t.sourceTable) as string[],
  );
  const pick = (phase: number) => `SELECT rowid FROM ${table} WHERE rowid % ${step} = ${phase} LIMIT ${each}`;
  const number = columns.find((c) => c.pk === 0 && !fkColumns.has(c.name) && NUMBER.test(c.type));
  if (number) {
    const c = ident(number.name);
    counts.updated += db
      .prepare(`UPDATE ${table} SET ${c} = COALESCE(${c}, 0) + 1 WHERE rowid IN (${pick(0)})`)
      .run().changes;
  }
  if (!referenced.has(t.sourceTable))
    counts.deleted += db.prepare(`DELETE FROM ${table} WHERE rowid IN (${pick(1)})`).run().changes;
  const keys = columns.filter((c) => c.pk > 0);
  if (keys.length === 0) {
    const all = columns.map((c) => ident(c.name)).join(', ');
    counts.inserted += db
      .prepare(`INSERT INTO ${table} (${all}) SELECT ${all} FROM ${table} WHERE rowid IN (${pick(2)})`)
      .run().changes;
  } else if (keys.length === 1 && /^INTEGER$/i.test(keys[0].type)) {
    const rest = columns
      .filter((c) => c.pk === 0)
      .map((c) => ident(c.name))
      .join(', ');
    counts.inserted += db
      .prepare(`INSERT OR IGNORE INTO ${table} (${rest}) SELECT ${rest} FROM ${table} WHERE rowid IN (${pick(2)})`)
      .run().changes;
  }
}
