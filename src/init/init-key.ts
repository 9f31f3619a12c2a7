// `init`, how a table's rows are identified in the target: its rowid alias or declared primary key when
// PostgreSQL can hold it as a primary key; otherwise the SQLite rowid, kept as a column (see docs/any-sqlite.md).
import type { TableFacts } from '../extract/table-facts.js';
import type { TableProfile } from '../extract/value-profile.js';
import { rowidAlias } from '../extract/read-rows.js';
import type { MappingColumn } from '../model/mapping-types.js';
import type { DraftColumns } from './init-columns.js';

/**
 * Widest key (in bytes of its longest values) built as a B-tree: PostgreSQL refuses index entries past
 * about 2700 bytes (a third of a page, https://www.postgresql.org/docs/current/btree.html#BTREE-IMPLEMENTATION),
 * a limit SQLite does not have.
 */
export const KEY_MAX_BYTES = 2000;

/** The rowid column's name in the target, unless a column already has it. */
export const ROWID_COLUMN = 'sqlite_rowid';

/** How the table's rows are identified in the target. */
export interface KeyDraft {
  primaryKey: string[];
  /** A column added for the rowid, put first in the table. */
  rowidColumn: MappingColumn | null;
  /** The declared primary key, kept as a UNIQUE constraint when it cannot be the primary key. */
  unique: { columns: string[] } | null;
  notes: string[];
}

/** Longest values of `columns` together, in bytes. */
export function keyBytes(profile: TableProfile, columns: string[]): number {
  return columns.reduce((n, c) => n + (profile.columns.get(c)?.maxBytes ?? 0), 0);
}

function rowidKey(facts: TableFacts, cols: DraftColumns, why: string): KeyDraft {
  let alias: string;
  try {
    alias = rowidAlias({ sourceColumns: facts.columns });
  } catch {
    return {
      primaryKey: [],
      rowidColumn: null,
      unique: null,
      notes: [
        `no key: ${why}, and columns named rowid, _rowid_ and oid hide the rowid; rows are verified by checksum without a key`,
      ],
    };
  }
  const name = cols.registry.take(ROWID_COLUMN);
  cols.types.set(name, 'bigint');
  const column: MappingColumn = {
    name,
    type: 'bigint',
    expr: alias,
    nullable: false,
    reason: `the SQLite rowid (${why}): identifies each row in the target, in rejects and in verification; remove the column and the primaryKey to leave it behind`,
  };
  return { primaryKey: [name], rowidColumn: column, unique: null, notes: [] };
}

/** Decides the target key of `facts` (column targets from `cols`); the key's columns become NOT NULL. */
export function draftKey(facts: TableFacts, profile: TableProfile, cols: DraftColumns): KeyDraft {
  const key = decideKey(facts, profile, cols);
  for (const name of key.primaryKey) {
    const col = cols.columns.find((x) => x.name === name);
    if (col) col.nullable = false;
  }
  return key;
}

function decideKey(facts: TableFacts, profile: TableProfile, cols: DraftColumns): KeyDraft {
  const target = (source: string) => cols.targetOf.get(source.toLowerCase())!;
  const declared = facts.columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  if (facts.rowidAlias) return { primaryKey: [target(facts.rowidAlias)], rowidColumn: null, unique: null, notes: [] };
  if (declared.length === 0) return rowidKey(facts, cols, 'the table declares no primary key');
  const nulls = declared.reduce((n, c) => n + (profile.columns.get(c)?.classes.null ?? 0), 0);
  const wide = keyBytes(profile, declared) > KEY_MAX_BYTES;
  if (!facts.withoutRowid && (nulls > 0 || wide)) {
    const why =
      nulls > 0
        ? `its declared primary key holds NULL in ${nulls} rows, which SQLite allows in rowid tables and PostgreSQL does not`
        : `its declared primary key holds values longer than ${KEY_MAX_BYTES} bytes, past what a PostgreSQL index holds`;
    const key = rowidKey(facts, cols, why);
    if (!wide)
      return {
        ...key,
        unique: { columns: declared.map(target) },
        notes: [`the declared primary key (${declared.join(', ')}) is kept as a UNIQUE constraint`],
      };
    return { ...key, notes: [`the declared primary key (${declared.join(', ')}) is not re-created: ${why}`] };
  }
  if (wide) {
    return {
      primaryKey: [],
      rowidColumn: null,
      unique: null,
      notes: [
        `the primary key (${declared.join(', ')}) is not re-created: it holds values longer than ${KEY_MAX_BYTES} bytes; rows are verified by checksum without a key`,
      ],
    };
  }
  // A WITHOUT ROWID table's key is NOT NULL by SQLite's own rule; a rowid table's was just checked.
  return { primaryKey: declared.map(target), rowidColumn: null, unique: null, notes: [] };
}
