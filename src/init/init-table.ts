// `init`, one table: its values profiled once, its columns and key drafted, its indexes and unique
// constraints carried over where PostgreSQL can hold them; the rest listed as not migrated, with why.
import type Database from 'better-sqlite3';
import type { TableFacts, IndexFacts } from '../extract/table-facts.js';
import { profileTable, type TableProfile } from '../extract/value-profile.js';
import type { MappingIndex, MappingTable, NotMigrated } from '../model/mapping-types.js';
import { candidatesFor, probesFor } from './type-choice.js';
import { draftColumns, type DraftColumns } from './init-columns.js';
import { draftKey, keyBytes, KEY_MAX_BYTES, type KeyDraft } from './init-key.js';
import { NameRegistry, fitIdentifier, targetName, type IdentifierPolicy } from './identifiers.js';
import { indexParts, splitOrdering, translateExpression, UntranslatableSql } from './sqlite-expression.js';
import { draftCollations } from './init-collations.js';

/** A table on its way into the mapping; foreign keys are added once every table of the file is drafted. */
export interface TableDraft {
  facts: TableFacts;
  profile: TableProfile;
  target: string;
  cols: DraftColumns;
  key: KeyDraft;
  table: MappingTable;
  warnings: string[];
  notMigrated: NotMigrated[];
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Table-level features of the CREATE TABLE text that the mapping cannot carry (SQL matched loosely: a note, not a
 * parse).
 */
const SQL_FEATURES: { test: RegExp; kind: NotMigrated['kind']; reason: string }[] = [
  {
    test: /\bCHECK\s*\(/i,
    kind: 'check constraint',
    reason: 'CHECK constraints are not re-created: the target accepts what the column types accept',
  },
];

function notMigratedIndex(d: TableDraft, ix: IndexFacts, reason: string): void {
  d.notMigrated.push({
    kind: ix.origin === 'c' ? 'index' : 'unique constraint',
    name: ix.name,
    table: d.facts.name,
    reason,
    ...(ix.sql ? { sql: ix.sql } : {}),
  });
}

/**
 * A partial or expression index, its SQL translated for PostgreSQL (key expressions and WHERE over the
 * target's names); or why it cannot be (then it is listed as not migrated, with its SQL).
 */
function portIndex(d: TableDraft, ix: IndexFacts): Pick<MappingIndex, 'columns' | 'expressions' | 'where'> | string {
  const kind = ix.partial ? 'a partial index' : 'an index on expressions';
  if (ix.sql === null) return `${kind} without SQL in sqlite_schema`;
  try {
    const parts = indexParts(ix.sql);
    const where = parts.where === null ? {} : { where: translateExpression(parts.where, d.cols.targetOf) };
    if (ix.columns.every((c) => c !== null))
      return { columns: ix.columns.map((c) => d.cols.targetOf.get(c!.toLowerCase())!), ...where };
    const expressions = parts.elements.map((e) => {
      const { expression, ordering } = splitOrdering(e);
      return translateExpression(expression, d.cols.targetOf) + ordering;
    });
    return { expressions, ...where };
  } catch (err) {
    if (!(err instanceof UntranslatableSql)) throw err;
    return `${kind} whose SQL has ${err.message}: re-create it by hand`;
  }
}

/**
 * UNIQUE constraints and unique indexes become `unique` (KeyGuard then rejects duplicates); plain indexes `indexes`.
 */
function draftIndexes(d: TableDraft, relations: NameRegistry, policy: IdentifierPolicy): void {
  const unique: NonNullable<MappingTable['unique']> = [];
  const indexes: NonNullable<MappingTable['indexes']> = [];
  const keys: string[][] = [d.table.primaryKey ?? []];
  if (d.key.unique) {
    unique.push({
      name: relations.take(`${d.target}_${d.key.unique.columns.join('_')}_key`),
      columns: d.key.unique.columns,
    });
    keys.push(d.key.unique.columns);
  }
  for (const ix of d.facts.indexes) {
    if (ix.origin === 'pk') continue;
    if (ix.partial || ix.columns.some((c) => c === null)) {
      const ported = portIndex(d, ix);
      if (typeof ported === 'string') notMigratedIndex(d, ix, ported);
      else
        indexes.push({
          name: relations.take(targetName(ix.name, policy, `${d.target}_idx`)),
          ...ported,
          ...(ix.unique ? { unique: true } : {}),
        });
      continue;
    }
    const source = ix.columns as string[];
    if (keyBytes(d.profile, source) > KEY_MAX_BYTES) {
      notMigratedIndex(
        d,
        ix,
        `its columns hold values longer than ${KEY_MAX_BYTES} bytes, past what a PostgreSQL B-tree index entry holds`,
      );
      continue;
    }
    const columns = source.map((c) => d.cols.targetOf.get(c.toLowerCase())!);
    if (ix.unique) {
      if (keys.some((k) => sameSet(k, columns))) continue;
      keys.push(columns);
      const wanted =
        ix.origin === 'u' ? `${d.target}_${columns.join('_')}_key` : targetName(ix.name, policy, `${d.target}_key`);
      unique.push({ name: relations.take(wanted), columns });
    } else {
      indexes.push({ name: relations.take(targetName(ix.name, policy, `${d.target}_idx`)), columns });
    }
  }
  if (unique.length) d.table.unique = unique;
  if (indexes.length) d.table.indexes = indexes;
}

/** What a virtual table migrated as an ordinary table becomes. */
function virtualNote(facts: TableFacts): string | null {
  const m = facts.virtualModule;
  if (!m) return null;
  if (m.startsWith('rtree'))
    return `an R*Tree virtual table (${m}) in SQLite: migrated as a table of its columns, keyed by its id; the spatial index is not re-created`;
  return `a full-text (${m}) virtual table in SQLite: migrated as a table of its columns, keyed by its rowid; its shadow tables are not migrated, nor is the full-text index unless init --fts adds one`;
}

/** Drafts one table (everything but its foreign keys). */
export function draftTable(
  db: Database.Database,
  facts: TableFacts,
  target: string,
  relations: NameRegistry,
  policy: IdentifierPolicy,
): TableDraft {
  const candidates = new Map(facts.columns.map((c) => [c.name, candidatesFor(c.declaredType, facts.strict)]));
  const profile = profileTable(
    db,
    facts.name,
    facts.columns.map((c) => ({ name: c.name, probes: probesFor(candidates.get(c.name)!) })),
  );
  const cols = draftColumns(facts, profile, candidates, policy);
  const key = draftKey(facts, profile, cols);
  relations.take(fitIdentifier(`${target}_pkey`));
  const notes = [
    facts.withoutRowid ? 'WITHOUT ROWID in SQLite: rows are identified by the primary key' : null,
    virtualNote(facts),
    ...key.notes,
  ].filter((n): n is string => n !== null);
  const table: MappingTable = {
    source: facts.name,
    target,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(key.primaryKey.length ? { primaryKey: key.primaryKey } : {}),
    columns: key.rowidColumn ? [key.rowidColumn, ...cols.columns] : cols.columns,
  };
  const d: TableDraft = { facts, profile, target, cols, key, table, warnings: [...cols.warnings], notMigrated: [] };
  draftIndexes(d, relations, policy);
  for (const f of SQL_FEATURES)
    if (f.test.test(facts.sql))
      d.notMigrated.push({ kind: f.kind, name: facts.name, table: facts.name, reason: f.reason, sql: facts.sql });
  const collations = draftCollations(db, facts, cols.columns, cols.targetOf);
  if (collations) d.notMigrated.push(collations);
  // Timestamp columns filled by a clock default say when a row was written: verify --grace uses them.
  const stamps = cols.columns
    .filter(
      (c) => (c.type === 'timestamp' || c.type === 'timestamptz') && /now\(\)|localtimestamp/.test(c.default ?? ''),
    )
    .map((c) => c.name);
  if (stamps.length) table.timestampColumns = stamps;
  return d;
}
