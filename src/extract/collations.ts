// Collations a SQLite file names that this reader may lack: an application registers its own (Anki's
// `unicase`) and SQLite refuses any statement that would compare by one it does not have. Rows are read
// in rowid order, which needs none; what does need one falls back to byte order (BINARY) here.
import type Database from 'better-sqlite3';
import { quoteSqlite } from './introspect.js';

/** SQLite's built-in collations: every reader has them. */
const BUILT_IN = new Set(['BINARY', 'NOCASE', 'RTRIM']);

/** True when `err` is SQLite refusing a statement for a collation it does not have. */
export function isMissingCollation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'SQLITE_ERROR_MISSING_COLLSEQ' || /no such collation sequence/i.test(e?.message ?? '');
}

/** The collation named in SQLite's "no such collation sequence: X" message, if any. */
export function missingCollationName(err: unknown): string | null {
  return /no such collation sequence: (.+)$/i.exec((err as Error)?.message ?? '')?.[1] ?? null;
}

/** True when this reader has the collation (built in, or registered: better-sqlite3 registers none). */
export function hasCollation(db: Database.Database, name: string): boolean {
  if (BUILT_IN.has(name.toUpperCase())) return true;
  try {
    db.prepare(`SELECT 'a' < 'b' COLLATE ${quoteSqlite(name)}`);
    return true;
  } catch (err) {
    if (isMissingCollation(err)) return false;
    throw err;
  }
}

/** The column definitions of a CREATE TABLE text: split at top-level commas (constraints included). */
function definitions(sql: string): string[] {
  const open = sql.indexOf('(');
  if (open < 0) return [];
  const parts: string[] = [];
  let depth = 0;
  let start = open + 1;
  let quote: string | null = null;
  for (let i = start; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '[') quote = ']';
    else if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) {
        parts.push(sql.slice(start, i));
        break;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      parts.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  return parts.map((p) => p.trim());
}

/** The name a column definition starts with, unquoted. */
function definedName(def: string): string | null {
  const m = /^(?:"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|'((?:[^']|'')*)'|([^\s(]+))/.exec(def);
  if (!m) return null;
  return (m[1]?.replace(/""/g, '"') ?? m[2] ?? m[3] ?? m[4]?.replace(/''/g, "'") ?? m[5]) || null;
}

/** Per column (lower-cased name) the collation its definition in `tableSql` names, when one is named. */
export function declaredCollations(tableSql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const def of definitions(tableSql)) {
    const name = definedName(def);
    const m = /\bCOLLATE\s+(?:"((?:[^"]|"")*)"|'((?:[^']|'')*)'|([\w$]+))/i.exec(def);
    if (name && m) out.set(name.toLowerCase(), m[1] ?? m[2] ?? m[3]);
  }
  return out;
}

/** How the schema names a column's collation, and whether this reader has it. */
export interface ColumnCollation {
  name: string;
  known: boolean;
}

/** The non-BINARY collation of each column of `tableSql` that names one (lower-cased column name). */
export function columnCollations(db: Database.Database, tableSql: string): Map<string, ColumnCollation> {
  const out = new Map<string, ColumnCollation>();
  for (const [column, name] of declaredCollations(tableSql)) {
    if (name.toUpperCase() === 'BINARY') continue;
    out.set(column, { name, known: hasCollation(db, name) });
  }
  return out;
}
