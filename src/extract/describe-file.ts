// Introspects a whole SQLite file for `init`: its ordinary tables and the FTS/R*Tree virtual tables migrated
// like them (with table-facts.ts), and the objects sqlite2pg does not migrate — views, triggers, other virtual
// tables, shadow tables — listed with why, so that nothing is left out unseen.
import type Database from 'better-sqlite3';
import { isInternalTable } from './introspect.js';
import { tableFacts, type TableFacts } from './table-facts.js';
import { shadowReason, shadowTables, virtualTables, type VirtualTable } from './virtual-tables.js';

/** A schema object that is listed but not migrated, with its SQL so a person can re-create it. */
export interface OtherObject {
  kind: 'view' | 'trigger' | 'virtual table' | 'table';
  name: string;
  /** Why it is not migrated, where the kind alone does not say (virtual and shadow tables). */
  reason?: string;
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
  const list = db
    .prepare("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main' ORDER BY name")
    .all() as {
    name: string;
    type: string;
    wr: bigint;
    strict: bigint;
  }[];
  const created = db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY rowid')
    .all() as {
    type: string;
    name: string;
    tbl_name: string;
    sql: string;
  }[];
  // Tables in the order they were created: the order a person reading the schema knows.
  const order = new Map(created.map((o, i) => [o.name, i]));
  const tables = list
    .filter((t) => t.type === 'table' && !isInternalTable(t.name))
    .sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0))
    .map((t) => tableFacts(db, t.name, Number(t.wr) === 1, Number(t.strict) === 1));
  const vtabs = list.some((t) => t.type === 'virtual') ? virtualTables(db) : [];
  const virtual = new Map(vtabs.map((v) => [v.name, v]));
  const others: OtherObject[] = created.flatMap((o): OtherObject[] => {
    if (o.type === 'view') return [{ kind: 'view', name: o.name, sql: o.sql }];
    if (o.type === 'trigger') return [{ kind: 'trigger', name: o.name, table: o.tbl_name, sql: o.sql }];
    const v = o.type === 'table' ? virtual.get(o.name) : undefined;
    if (v?.excluded) return [{ kind: 'virtual table', name: o.name, reason: v.excluded, sql: o.sql }];
    return [];
  });
  const shadows = shadowTables(db, vtabs).map((s): OtherObject => ({
    kind: 'table',
    name: s.name,
    reason: shadowReason(s),
    sql: s.sql,
  }));
  return {
    tables: placeVirtual(
      tables,
      vtabs.filter((v) => v.excluded === null).map((v) => virtualFacts(db, v)),
      order,
    ),
    others: [...others, ...shadows],
  };
}

/** A migrated virtual table as an ordinary rowid table of its columns; an R*Tree's first column is its rowid. */
function virtualFacts(db: Database.Database, v: VirtualTable): TableFacts {
  const facts = tableFacts(db, v.name, false, false);
  return {
    ...facts,
    virtualModule: v.module,
    rowidAlias: v.rowidColumn ? (facts.columns[0]?.name ?? null) : null,
    autoincrement: false,
  };
}

/** Tables and migrated virtual tables together, in creation order. */
function placeVirtual(tables: TableFacts[], virtual: TableFacts[], order: Map<string, number>): TableFacts[] {
  return [...tables, ...virtual].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}
