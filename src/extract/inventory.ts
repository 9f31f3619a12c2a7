// Every object of schema main of a SQLite file, read from its schema alone: tables (SQLite's own, virtual
// tables and their shadow tables told apart), views, triggers, indexes and foreign keys. The report's
// inventory says what became of each (plan/account-objects.ts); nothing here reads a row.
import type Database from 'better-sqlite3';
import { isInternalTable } from './introspect.js';

import type { SourceObjectKind } from '../model/inventory-entry.js';

export type { SourceObjectKind } from '../model/inventory-entry.js';

/** One object of a source file, as its schema declares it. */
export interface SourceObject {
  kind: SourceObjectKind;
  /** The object's name; a foreign key has none in SQLite: `(columns) → parent`. */
  name: string;
  /** The table it belongs to (index, trigger, foreign key), or the virtual table a shadow table serves. */
  table?: string;
  /** Shadow tables: true when only the name says so (the module is not at hand for SQLite to confirm it). */
  guessed?: boolean;
  /** Virtual tables: the module (`fts5`, `rtree`, …), from the CREATE VIRTUAL TABLE text. */
  module?: string;
  /** Indexes: SQLite's `origin` — `c` CREATE INDEX, `u` a UNIQUE constraint, `pk` the PRIMARY KEY. */
  origin?: 'c' | 'u' | 'pk';
  unique?: boolean;
  /** Indexes: a WHERE clause. */
  partial?: boolean;
  /** Index key columns (null for an expression), or a foreign key's columns. */
  columns?: (string | null)[];
  /** Foreign keys: the parent table and its columns (null: the parent's primary key). */
  references?: { table: string; columns: (string | null)[] };
  /** The CREATE text, where SQLite keeps one. */
  sql?: string;
}

/** Suffixes of the shadow tables of SQLite's own modules (FTS3/4/5, R*Tree, geopoly). */
const SHADOW_SUFFIXES = [
  'content',
  'data',
  'idx',
  'docsize',
  'config',
  'segments',
  'segdir',
  'stat',
  'node',
  'rowid',
  'parent',
];

/** `CREATE VIRTUAL TABLE x USING fts5(…)` → `fts5`. */
export function moduleOf(sql: string): string {
  return /\bUSING\s+("?)([\w$]+)\1/i.exec(sql)?.[2]?.toLowerCase() ?? '';
}

/**
 * The virtual table `name` is a shadow table of: the longest `<vtab>_<known suffix>` match, or SQLite's own verdict.
 */
function shadowOwner(name: string, virtuals: string[], sqliteSaysShadow: boolean): string | null {
  const owners = virtuals
    .filter((v) => name.toLowerCase().startsWith(`${v.toLowerCase()}_`))
    .filter((v) => sqliteSaysShadow || SHADOW_SUFFIXES.includes(name.slice(v.length + 1).toLowerCase()))
    .sort((a, b) => b.length - a.length);
  return owners[0] ?? null;
}

function indexesOf(db: Database.Database, table: string, sqlOf: (name: string) => string | undefined): SourceObject[] {
  const list = db
    .prepare('SELECT name, "unique" AS u, origin, partial FROM pragma_index_list(?) ORDER BY seq DESC')
    .all(table) as {
    name: string;
    u: bigint | number;
    origin: 'c' | 'u' | 'pk';
    partial: bigint | number;
  }[];
  return list.map((ix) => {
    const cols = db
      .prepare('SELECT cid, name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
      .all(ix.name) as { cid: bigint | number; name: string | null }[];
    const sql = sqlOf(ix.name);
    return {
      kind: 'index' as const,
      name: ix.name,
      table,
      origin: ix.origin,
      unique: Number(ix.u) === 1,
      partial: Number(ix.partial) === 1,
      // cid -2 is an expression, -1 the rowid.
      columns: cols.map((c) => (Number(c.cid) >= 0 ? c.name : null)),
      ...(sql ? { sql } : {}),
    };
  });
}

function foreignKeysOf(db: Database.Database, table: string): SourceObject[] {
  const rows = db
    .prepare(
      'SELECT id, "table" AS parent, "from" AS col, "to" AS ref FROM pragma_foreign_key_list(?) ORDER BY id DESC, seq',
    )
    .all(table) as {
    id: bigint | number;
    parent: string;
    col: string;
    ref: string | null;
  }[];
  const byId = new Map<
    number,
    SourceObject & { columns: string[]; references: { table: string; columns: (string | null)[] } }
  >();
  for (const r of rows) {
    let fk = byId.get(Number(r.id));
    if (!fk)
      byId.set(
        Number(r.id),
        (fk = { kind: 'foreign key', name: '', table, columns: [], references: { table: r.parent, columns: [] } }),
      );
    fk.columns.push(r.col);
    fk.references.columns.push(r.ref);
  }
  // Named as `init` names them in its notes: `(a, b) → parent`.
  return [...byId.values()].map((fk) => ({ ...fk, name: `(${fk.columns.join(', ')}) → ${fk.references.table}` }));
}

/**
 * Every object of the file's schema main, tables first in the order they were created, each followed by
 * its indexes and foreign keys; then views and triggers. Reading a virtual table's schema needs no module.
 */
export function readInventory(db: Database.Database): SourceObject[] {
  const created = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid').all() as {
    type: string;
    name: string;
    tbl_name: string;
    sql: string | null;
  }[];
  const sqlByName = new Map(created.map((o) => [`${o.type}:${o.name}`, o.sql ?? undefined]));
  const listed = db.prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main'").all() as {
    name: string;
    type: string;
  }[];
  const typeOf = new Map(listed.map((t) => [t.name, t.type]));
  const virtuals = created
    .filter((o) => o.type === 'table' && /^\s*CREATE\s+VIRTUAL\s+TABLE\b/i.test(o.sql ?? ''))
    .map((o) => o.name);
  const out: SourceObject[] = [];
  const later: SourceObject[] = [];
  for (const o of created) {
    const sql = o.sql ?? undefined;
    if (o.type === 'view') later.push({ kind: 'view', name: o.name, ...(sql ? { sql } : {}) });
    else if (o.type === 'trigger')
      later.push({ kind: 'trigger', name: o.name, table: o.tbl_name, ...(sql ? { sql } : {}) });
    if (o.type !== 'table') continue;
    if (virtuals.includes(o.name)) {
      out.push({ kind: 'virtual table', name: o.name, module: moduleOf(o.sql ?? ''), ...(sql ? { sql } : {}) });
      continue;
    }
    if (isInternalTable(o.name)) {
      out.push({ kind: 'internal table', name: o.name, ...(sql ? { sql } : {}) });
      continue;
    }
    const confirmed = typeOf.get(o.name) === 'shadow';
    const owner = shadowOwner(o.name, virtuals, confirmed);
    if (owner) {
      out.push({
        kind: 'shadow table',
        name: o.name,
        table: owner,
        ...(confirmed ? {} : { guessed: true }),
        ...(sql ? { sql } : {}),
      });
      continue;
    }
    out.push({ kind: 'table', name: o.name, ...(sql ? { sql } : {}) });
    out.push(...indexesOf(db, o.name, (name) => sqlByName.get(`index:${name}`)), ...foreignKeysOf(db, o.name));
  }
  return [...out, ...later];
}

/** True for the kinds that hold rows. */
export function holdsRows(o: SourceObject): boolean {
  return o.kind === 'table' || o.kind === 'virtual table' || o.kind === 'shadow table' || o.kind === 'internal table';
}
