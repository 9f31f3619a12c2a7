// `init`, one SQLite file: every table drafted (init-table.ts; FTS and R*Tree virtual tables too), foreign keys
// resolved across them, and views, triggers, other virtual tables, shadow tables and unreadable tables listed
// as not migrated with why — the file's entry in a new mapping.
import type Database from 'better-sqlite3';
import { describeFile, type OtherObject } from '../extract/describe-file.js';
import { rowidAlias, unreadableReason } from '../extract/read-rows.js';
import type { TableFacts } from '../extract/table-facts.js';
import type { MappingSource, MappingView, NotMigrated } from '../model/mapping-types.js';
import { NameRegistry, PG_MAX_TABLE_BYTES, targetName, type IdentifierPolicy } from './identifiers.js';
import { draftTable, type TableDraft } from './init-table.js';
import { translateSelect, UntranslatableSql, viewSelect } from './sqlite-expression.js';
import { qualified } from '../pg/quote.js';
import { draftForeignKeys } from './init-foreign-keys.js';
import { excludeUnmapped } from './init-exclusions.js';
import { draftFullText } from './init-full-text.js';

/** One file's mapping entry and what `init` tells a person about it. */
export interface SourceDraft {
  source: MappingSource;
  /** `table.column: …` lines for a person to read before migrating. */
  warnings: string[];
  /** Rows per source table, as profiled. */
  rows: Map<string, number>;
}

export const OTHER_REASONS: Record<OtherObject['kind'], string> = {
  view: 'views are not migrated (sqlite2pg moves data); re-create it by hand over the target tables if the application needs it',
  trigger:
    "triggers are not migrated: SQLite trigger bodies are not PostgreSQL's; re-write it as a PL/pgSQL trigger if the application needs it",
  'virtual table': 'a virtual table whose rows live in its module: not migrated',
  table: 'not migrated',
};

/**
 * The file's views, their SELECT translated for PostgreSQL over the target's tables and columns; a view
 * whose SQL cannot be translated is listed as not migrated, with why and its SQL.
 */
function draftViews(
  others: OtherObject[],
  drafts: TableDraft[],
  schema: string,
  relations: NameRegistry,
  policy: IdentifierPolicy,
): { views: MappingView[]; notMigrated: NotMigrated[] } {
  const tables = new Map(drafts.map((d) => [d.facts.name.toLowerCase(), qualified(schema, d.target)]));
  const columns = new Map<string, string>();
  for (const d of drafts)
    for (const [source, target] of d.cols.targetOf) if (!columns.has(source)) columns.set(source, target);
  const out = { views: [] as MappingView[], notMigrated: [] as NotMigrated[] };
  const views = others.filter((x) => x.kind === 'view');
  // A view may read another view: every view's target name is known before any SELECT is translated.
  const names = new Map(views.map((o) => [o.name, relations.take(targetName(o.name, policy, 'view'))]));
  for (const o of views) tables.set(o.name.toLowerCase(), qualified(schema, names.get(o.name)!));
  for (const o of views) {
    try {
      const sql = translateSelect(viewSelect(o.sql), tables, columns);
      out.views.push({ name: names.get(o.name)!, sql });
    } catch (err) {
      if (!(err instanceof UntranslatableSql)) throw err;
      out.notMigrated.push({
        kind: 'view',
        name: o.name,
        reason: `a view whose SQL has ${err.message}: re-create it by hand over the target tables if the application needs it`,
        sql: o.sql,
      });
    }
  }
  return out;
}

const UNREADABLE =
  'columns named rowid, _rowid_ and oid hide the rowid sqlite2pg reads its rows by; rename one in a copy of the file to migrate it';

/**
 * Why sqlite2pg cannot read the table's rows (null: it can): a rowid table whose columns named rowid,
 * _rowid_ and oid all hide its rowid, or statements SQLite refuses (a WITHOUT ROWID table whose key uses
 * a collation this reader lacks: SQLite then reads it no way at all).
 */
function whyUnreadable(db: Database.Database, t: TableFacts): string | null {
  const sourceColumns = t.columns.filter((c) => c.generated === 'no');
  if (!t.withoutRowid) {
    try {
      rowidAlias({ sourceColumns });
    } catch {
      return UNREADABLE;
    }
  }
  const sourceKey = t.columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const why = unreadableReason(db, {
    source: { file: '', path: '', table: t.name },
    sourceName: t.name,
    sourceColumns,
    sourceExprs: [],
    hasRowid: !t.withoutRowid,
    sourceKey,
  });
  if (!why) return null;
  const collation = /no such collation sequence/i.test(why)
    ? ': SQLite needs that collation to read a WITHOUT ROWID table by its key; copy its rows into an ordinary table where the application registers the collation to migrate it'
    : '';
  return `SQLite refuses to read its rows here (${why})${collation}`;
}

/** The mapping entry for a file opened read-only (`db` null for an empty, 0-byte file). */
export function initSource(
  file: string,
  db: Database.Database | null,
  schema: string,
  policy: IdentifierPolicy,
  options: { fts: string | null } = { fts: null },
): SourceDraft {
  if (!db)
    return {
      source: { file, schema, tables: [] },
      warnings: [`${file} is empty (0 bytes): no table to migrate`],
      rows: new Map(),
    };
  const facts = describeFile(db);
  const why = new Map(facts.tables.map((t) => [t.name, whyUnreadable(db, t)]));
  const tables = facts.tables.filter((t) => why.get(t.name) === null);
  const skipped = facts.tables.filter((t) => why.get(t.name) !== null);
  const relations = new NameRegistry();
  const targets = tables.map((t, i) =>
    relations.take(targetName(t.name, policy, `table_${i + 1}`, PG_MAX_TABLE_BYTES), PG_MAX_TABLE_BYTES),
  );
  const drafts = tables.map((t, i) => draftTable(db, t, targets[i], relations, policy));
  if (options.fts)
    for (const d of drafts) draftFullText(d.table, d.facts.virtualModule, options.fts, d.cols.registry, relations);
  draftForeignKeys(db, drafts, schema, relations);
  const views = draftViews(facts.others, drafts, schema, relations, policy);
  const notMigrated: NotMigrated[] = [
    ...skipped.map((t) => ({
      kind: 'table' as const,
      name: t.name,
      reason: `not migrated: ${why.get(t.name)}`,
      sql: t.sql,
    })),
    ...drafts.flatMap((d) => d.notMigrated),
    ...views.notMigrated,
    ...facts.others
      .filter((o) => o.kind !== 'view')
      .map((o) => ({
        kind: o.kind,
        name: o.name,
        ...(o.table ? { table: o.table } : {}),
        reason: o.reason ?? OTHER_REASONS[o.kind],
        sql: o.sql,
      })),
  ];
  const source: MappingSource = { file, schema, tables: drafts.map((d) => d.table) };
  if (views.views.length) source.views = views.views;
  if (skipped.length)
    source.skipTables = skipped.map((t) => ({ table: t.name, reason: `not migrated: ${why.get(t.name)}` }));
  if (notMigrated.length) source.notMigrated = notMigrated;
  excludeUnmapped(source, db);
  return {
    source,
    warnings: [
      ...skipped.map((t) => `${t.name}: table not migrated: ${why.get(t.name)}`),
      // A virtual table holds rows like a table does: leaving one out is said aloud, not only listed.
      ...facts.others
        .filter((o) => o.kind === 'virtual table')
        .map((o) => `${o.name}: virtual table not migrated: ${o.reason ?? OTHER_REASONS[o.kind]}`),
      ...drafts.flatMap((d) => d.warnings.map((w) => `${d.facts.name}: ${w}`)),
    ],
    rows: new Map(drafts.map((d) => [d.facts.name, d.profile.rows])),
  };
}
