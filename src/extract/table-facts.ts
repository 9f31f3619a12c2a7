// Everything the schema of one SQLite table says: columns (declared type, affinity, NOT NULL, default,
// primary-key position, generated or not), the rowid alias, AUTOINCREMENT, indexes and foreign keys.
import type Database from 'better-sqlite3';
import { affinityOf, type Affinity } from './affinity.js';

/** How SQLite computes a generated column, from pragma_table_xinfo's `hidden` (2 virtual, 3 stored). */
export type Generated = 'no' | 'virtual' | 'stored';

/** One column as the table's schema declares it. */
export interface ColumnFacts {
  name: string;
  /** As written in CREATE TABLE ('' when there is none). */
  declaredType: string;
  affinity: Affinity;
  notNull: boolean;
  /** The DEFAULT clause as written (SQL text), or null. */
  defaultSql: string | null;
  /** 1-based position in the declared primary key, 0 when not part of it. */
  pk: number;
  generated: Generated;
}

/** One index of the table, including those SQLite builds for PRIMARY KEY and UNIQUE. */
export interface IndexFacts {
  name: string;
  unique: boolean;
  /** 'c' CREATE INDEX, 'u' a UNIQUE constraint, 'pk' the PRIMARY KEY. */
  origin: 'c' | 'u' | 'pk';
  partial: boolean;
  /** Key columns in order; null for an expression. */
  columns: (string | null)[];
  /** CREATE INDEX text (null for the indexes SQLite makes for constraints). */
  sql: string | null;
}

/** One FOREIGN KEY clause, composite keys whole. */
export interface ForeignKeyFacts {
  /** The referenced (parent) table, as written. */
  parent: string;
  columns: string[];
  /** Referenced columns; null where the clause names none (then the parent's primary key is meant). */
  parentColumns: (string | null)[];
  onDelete: string;
  onUpdate: string;
}

/** What the schema says about one ordinary table. */
export interface TableFacts {
  name: string;
  /** CREATE TABLE text as stored in sqlite_schema. */
  sql: string;
  withoutRowid: boolean;
  strict: boolean;
  columns: ColumnFacts[];
  /** The column that is the rowid (`INTEGER PRIMARY KEY` of a rowid table), if any. */
  rowidAlias: string | null;
  autoincrement: boolean;
  indexes: IndexFacts[];
  foreignKeys: ForeignKeyFacts[];
  /** A virtual table migrated as an ordinary table (virtual-tables.ts): its module, e.g. `fts5`. */
  virtualModule?: string;
}

const GENERATED: Record<number, Generated> = { 0: 'no', 2: 'virtual', 3: 'stored' };

function columnsOf(db: Database.Database, table: string): ColumnFacts[] {
  const rows = db
    .prepare('SELECT name, type, "notnull" AS nn, dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid')
    .all(table) as {
    name: string;
    type: string | null;
    nn: bigint;
    dflt_value: string | null;
    pk: bigint;
    hidden: bigint;
  }[];
  // hidden = 1 is a virtual table's hidden column: not data of an ordinary table.
  return rows
    .filter((r) => Number(r.hidden) !== 1)
    .map((r) => ({
      name: r.name,
      declaredType: r.type ?? '',
      affinity: affinityOf(r.type ?? ''),
      notNull: Number(r.nn) === 1,
      defaultSql: r.dflt_value,
      pk: Number(r.pk),
      generated: GENERATED[Number(r.hidden)] ?? 'no',
    }));
}

function indexesOf(db: Database.Database, table: string): IndexFacts[] {
  const list = db
    .prepare('SELECT name, "unique" AS u, origin, partial FROM pragma_index_list(?) ORDER BY seq')
    .all(table) as { name: string; u: bigint; origin: IndexFacts['origin']; partial: bigint }[];
  const sqlOf = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck();
  return list.reverse().map((ix) => {
    const cols = db
      .prepare('SELECT cid, name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
      .all(ix.name) as { cid: bigint; name: string | null }[];
    return {
      name: ix.name,
      unique: Number(ix.u) === 1,
      origin: ix.origin,
      partial: Number(ix.partial) === 1,
      // cid -2 is an expression, -1 the rowid: neither is a plain column of the target.
      columns: cols.map((c) => (Number(c.cid) >= 0 ? c.name : null)),
      sql: (sqlOf.get(ix.name) as string | null | undefined) ?? null,
    };
  });
}

function foreignKeysOf(db: Database.Database, table: string): ForeignKeyFacts[] {
  const rows = db
    .prepare(
      'SELECT id, seq, "table" AS parent, "from" AS col, "to" AS ref, on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
    )
    .all(table) as {
    id: bigint;
    seq: bigint;
    parent: string;
    col: string;
    ref: string | null;
    on_update: string;
    on_delete: string;
  }[];
  const byId = new Map<number, ForeignKeyFacts>();
  for (const r of rows) {
    let fk = byId.get(Number(r.id));
    if (!fk)
      byId.set(
        Number(r.id),
        (fk = { parent: r.parent, columns: [], parentColumns: [], onDelete: r.on_delete, onUpdate: r.on_update }),
      );
    fk.columns.push(r.col);
    fk.parentColumns.push(r.ref);
  }
  // pragma_foreign_key_list numbers the clauses from the last one written: put them back in written order.
  return [...byId.entries()].sort((a, b) => b[0] - a[0]).map(([, fk]) => fk);
}

/**
 * The column that is the rowid: the single `INTEGER PRIMARY KEY` column of a rowid table. The
 * `INTEGER PRIMARY KEY DESC` quirk is not an alias; SQLite then builds a separate primary-key index,
 * which is how it is told apart (https://www.sqlite.org/lang_createtable.html#rowid).
 */
function rowidAliasOf(withoutRowid: boolean, columns: ColumnFacts[], indexes: IndexFacts[]): string | null {
  if (withoutRowid) return null;
  const pk = columns.filter((c) => c.pk > 0);
  if (pk.length !== 1 || pk[0].declaredType.toUpperCase() !== 'INTEGER') return null;
  return indexes.some((ix) => ix.origin === 'pk') ? null : pk[0].name;
}

/** Reads the facts of `table` (an ordinary table of schema main). */
export function tableFacts(db: Database.Database, table: string, withoutRowid: boolean, strict: boolean): TableFacts {
  const sql =
    (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(table) as
      string | null) ?? '';
  const columns = columnsOf(db, table);
  const indexes = indexesOf(db, table);
  const rowidAlias = rowidAliasOf(withoutRowid, columns, indexes);
  return {
    name: table,
    sql,
    withoutRowid,
    strict,
    columns,
    rowidAlias,
    // AUTOINCREMENT is only allowed on a rowid alias, and only then does sqlite_sequence track the table.
    autoincrement: rowidAlias !== null && /\bAUTOINCREMENT\b/i.test(sql),
    indexes,
    foreignKeys: foreignKeysOf(db, table),
  };
}
