// `init --fts`: PostgreSQL full-text search for a migrated FTS table — a generated `tsvector` column over
// its text columns and a GIN index on it (the mapping's `fullText`), in place of SQLite's FTS index.
import type { MappingTable } from '../model/mapping-types.js';
import type { NameRegistry } from './identifiers.js';
import { fitIdentifier } from './identifiers.js';

/** The generated column's wanted name. */
const COLUMN = 'search';

/**
 * Adds `fullText` to a table drafted from an FTS virtual table (`module` fts3/4/5), over its text
 * columns; `columns` is the table's column registry, `relations` the schema's (for the index name).
 */
export function draftFullText(
  table: MappingTable,
  module: string | undefined,
  language: string,
  columns: NameRegistry,
  relations: NameRegistry,
): void {
  if (!module?.startsWith('fts')) return;
  const text = table.columns.filter((c) => c.type === 'text' && c.from !== undefined).map((c) => c.name);
  if (text.length === 0) return;
  const column = columns.take(COLUMN);
  table.fullText = {
    column,
    language,
    columns: text,
    index: relations.take(fitIdentifier(`${table.target}_${column}_idx`)),
  };
  const note = `full-text search: ${column} is a generated tsvector (configuration ${language}) over ${text.join(', ')}, with a GIN index`;
  table.note = [table.note, note].filter(Boolean).join('; ');
}
