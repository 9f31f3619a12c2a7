// Introspects a whole SQLite file for `init`: its ordinary tables (with table-facts.ts), and the objects
// sqlite2pg does not migrate — views, triggers, virtual tables — listed so that nothing is left out unseen.
import type Database from 'better-sqlite3';
import { isInternalTable } from './introspect.js';
import { tableFacts, type TableFacts } from './table-facts.js';

/** A schema object that is listed but not migrated, with its SQL so a person can re-create it. */
export interface OtherObject {
  kind: 'view' | 'trigger' | 'virtual table';
  name: string;
  /** The table a trigger belongs to. */
  table?: string;
  sql: string;
}

/** A file's tables and the objects listed but not migrated. */
export interface FileFacts {
  tables: TableFacts[];
  others: OtherObject[];
}

/** Every ordinary table of schema main (SQLite's own and virtual tables' shadow tables excluded), and the rest. */
export function describeFile(db: Database.Database): FileFacts {
  const list = db.prepare("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' ORDER BY name").all() as {
    name: string; type: string; wr: bigint; strict: bigint;
  }[];
  const created = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid").all() as {
    type: string; name: string; tbl_name: string; sql: string;
  }[];
  // Tables in the order they were created: the order a person reading the schema knows.
  const order = new Map(created.map((o, i) => [o.name, i]));
  const tables = list
    .filter((t) => t.type === 'table' && !isInternalTable(t.name))
    .sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0))
    .map((t) => tableFacts(db, t.name, Number(t.wr) === 1, Number(t.strict) === 1));
  const virtual = new Set(list.filter((t) => t.type === 'virtual').map((t) => t.name));
  const others: OtherObject[] = created.flatMap((o): OtherObject[] => {
    if (o.type === 'view') return [{ kind: 'view', name: o.name, sql: o.sql }];
    if (o.type === 'trigger') return [{ kind: 'trigger', name: o.name, table: o.tbl_name, sql: o.sql }];
    if (o.type === 'table' && virtual.has(o.name)) return [{ kind: 'virtual table', name: o.name, sql: o.sql }];
    return [];
  });
  return { tables, others };
}
