// Virtual tables: which ones sqlite2pg migrates as ordinary tables of their columns (FTS3/4/5 full-text and
// R*Tree, built into the reader's SQLite: a plain SELECT reads every row), which it leaves out and why
// (external-content and contentless FTS, other modules, modules the reader lacks), and their shadow tables.
import type Database from 'better-sqlite3';
import { quoteSqlite } from './introspect.js';

/** Modules whose rows a plain SELECT reads in full, keyed by the rowid: migrated as ordinary tables. */
const FTS = new Set(['fts3', 'fts4', 'fts5']);
const RTREE = new Set(['rtree', 'rtree_i32']);

/** What sqlite2pg does with one virtual table. */
export interface VirtualTable {
  name: string;
  /** The module, lower-cased (`fts5`, `rtree`, `vec0`…). */
  module: string;
  sql: string;
  /** Migrated as an ordinary table of its columns (null), or left out for this reason. */
  excluded: string | null;
  /** For an R*Tree: its first column is the rowid. */
  rowidColumn: boolean;
}

/** The module a CREATE VIRTUAL TABLE text names, lower-cased. */
export function moduleOf(sql: string): string {
  return /\bUSING\s+("?)([\w$]+)\1/i.exec(sql)?.[2].toLowerCase() ?? '';
}

/** An FTS option (`content`, `content_rowid`) as written in the module arguments, unquoted. */
function ftsOption(sql: string, option: string): string | null {
  const m = new RegExp(`[(,]\\s*${option}\\s*=\\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([^\\s,)]*))`, 'i').exec(sql);
  if (!m) return null;
  return m[1]?.replace(/''/g, "'") ?? m[2]?.replace(/""/g, '"') ?? m[3] ?? '';
}

/** Why the reader cannot read the table's rows (null: it can), asked of SQLite itself. */
function unreadable(db: Database.Database, name: string): string | null {
  try {
    db.prepare(`SELECT * FROM ${quoteSqlite(name)} LIMIT 0`);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function exclusion(db: Database.Database, name: string, module: string, sql: string): string | null {
  const cannot = unreadable(db, name);
  if (cannot) {
    const lacks = /no such module/i.test(cannot);
    return lacks
      ? `a virtual table of module ${module}, which this reader lacks (an extension the application loads: ${cannot}); its rows cannot be read, so it is not migrated — load them by hand where the module is available`
      : `a virtual table of module ${module} that SQLite cannot read here (${cannot})`;
  }
  if (FTS.has(module)) {
    const content = ftsOption(sql, 'content');
    if (content === '')
      return `a contentless ${module} table (content=''): it holds only the full-text index, no column values to migrate`;
    if (content !== null)
      return `an external-content ${module} table: its rows are the content table's (${content}), migrated as that table; re-create the full-text index on the target if wanted`;
    return null;
  }
  if (RTREE.has(module)) return null;
  return `a virtual table of module ${module}: its rows are computed or kept by the module, not stored as a table's; re-create it by hand if the application needs it`;
}

/** Every virtual table of schema main, in creation order, with what sqlite2pg does with it. */
export function virtualTables(db: Database.Database): VirtualTable[] {
  const rows = db
    .prepare(
      "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rowid",
    )
    .all() as { name: string; sql: string }[];
  return rows.map((r) => {
    const module = moduleOf(r.sql);
    return {
      name: r.name,
      module,
      sql: r.sql,
      excluded: exclusion(db, r.name, module, r.sql),
      rowidColumn: RTREE.has(module),
    };
  });
}

/** Names (lower-cased) of the virtual tables migrated as ordinary tables. */
export function migratedVirtualTables(db: Database.Database): Set<string> {
  return new Set(
    virtualTables(db)
      .filter((v) => v.excluded === null)
      .map((v) => v.name.toLowerCase()),
  );
}

/** A shadow table SQLite keeps for a virtual table, with its owner. */
export interface ShadowTable {
  name: string;
  owner: VirtualTable;
  sql: string;
}

/**
 * The shadow tables of the file's virtual tables (pragma_table_list says `shadow`; the owner is the longest name
 * prefix).
 */
export function shadowTables(db: Database.Database, owners: VirtualTable[]): ShadowTable[] {
  const rows = db
    .prepare(
      "SELECT l.name AS name, s.sql AS sql FROM pragma_table_list AS l JOIN sqlite_schema AS s ON s.name = l.name WHERE l.schema = 'main' AND l.type = 'shadow' ORDER BY s.rowid",
    )
    .all() as { name: string; sql: string }[];
  const out: ShadowTable[] = [];
  for (const r of rows) {
    const owner = owners
      .filter((v) => r.name.toLowerCase().startsWith(`${v.name.toLowerCase()}_`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (owner) out.push({ name: r.name, owner, sql: r.sql });
  }
  return out;
}

/** Why a shadow table is not migrated. */
export function shadowReason(s: ShadowTable): string {
  const of = `a shadow table of the ${s.owner.module} table ${s.owner.name}: SQLite keeps that table's index or content in it`;
  return s.owner.excluded === null
    ? `${of}; its rows are migrated as ${s.owner.name}`
    : `${of}; ${s.owner.name} is not migrated (see its entry)`;
}
