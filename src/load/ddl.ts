// The target DDL, generated from the plan: tables first (no keys, no indexes: loading is faster without),
// then primary keys, unique constraints, indexes and foreign keys after the load. Every statement is
// idempotent, so the same SQL is safe on a database where the schema already exists.
import type { ColumnPlan, RunPlan, TablePlan } from '../model/table-plan.js';
import { dollarQuote, qualified, quoteIdent, quoteLiteral } from '../pg/quote.js';

const SERIAL_TYPES: Record<string, string> = { smallint: 'smallserial', integer: 'serial', bigint: 'bigserial' };

function columnDdl(c: ColumnPlan): string {
  const type = c.serial ? SERIAL_TYPES[c.targetType] : c.targetType;
  const parts = [quoteIdent(c.name), type];
  if (c.collation) parts.push(`COLLATE ${quoteIdent(c.collation)}`);
  if (!c.nullable) parts.push('NOT NULL');
  if (c.default !== null && !c.serial) parts.push(`DEFAULT ${c.default}`);
  return parts.join(' ');
}

/** The generated tsvector column of `fullText`: NULL columns count as empty text. */
function fullTextDdl(f: NonNullable<TablePlan['fullText']>): string {
  const doc = f.columns.map((c) => `coalesce(${quoteIdent(c)}, '')`).join(" || ' ' || ");
  return `${quoteIdent(f.column)} tsvector GENERATED ALWAYS AS (to_tsvector(${quoteLiteral(f.language)}::regconfig, ${doc})) STORED`;
}

export function createTableSql(t: TablePlan): string {
  const cols = [...t.columns.map((c) => columnDdl(c)), ...(t.fullText ? [fullTextDdl(t.fullText)] : [])]
    .map((c) => `  ${c}`)
    .join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${qualified(t.target.schema, t.target.table)} (\n${cols}\n);`;
}

/**
 * Runs `alter` unless a constraint matching `condition` exists on the table (PL/pgSQL, so plain SQL stays
 * idempotent). The body holds names, so its dollar tag is one the names cannot close (dollarQuote).
 */
function unlessConstraint(t: TablePlan, condition: string, alter: string): string {
  const rel = quoteLiteral(qualified(t.target.schema, t.target.table));
  return `DO ${dollarQuote(` BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${rel}::regclass AND ${condition}) THEN\n    ${alter};\n  END IF;\nEND `)};`;
}

const cols = (names: string[]) => names.map(quoteIdent).join(', ');

export function primaryKeySql(t: TablePlan): string | null {
  if (t.primaryKey.length === 0) return null;
  const table = qualified(t.target.schema, t.target.table);
  return unlessConstraint(
    t,
    "contype = 'p'",
    `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${t.target.table}_pkey`)} PRIMARY KEY (${cols(t.primaryKey)})`,
  );
}

export function uniqueSql(t: TablePlan): string[] {
  const table = qualified(t.target.schema, t.target.table);
  return t.unique.map((u) =>
    unlessConstraint(
      t,
      `conname = ${quoteLiteral(u.name)}`,
      `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(u.name)} UNIQUE (${cols(u.columns)})`,
    ),
  );
}

/** One index's CREATE INDEX: key expressions each in parentheses, as PostgreSQL wants them. */
export function createIndexSql(t: TablePlan, ix: TablePlan['indexes'][number]): string {
  const table = qualified(t.target.schema, t.target.table);
  // An expression key goes in parentheses of its own, its ASC/DESC after them.
  const key = (e: string) => {
    const m = /\s+(ASC|DESC)$/i.exec(e);
    return m ? `(${e.slice(0, m.index)})${m[0]}` : `(${e})`;
  };
  const keys = ix.expressions ? ix.expressions.map(key).join(', ') : cols(ix.columns);
  return `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(ix.name)} ON ${table} (${keys})${ix.where ? ` WHERE ${ix.where}` : ''};`;
}

/** The table's plain indexes (ported ones, which PostgreSQL may refuse, are built apart: portedIndexSql). */
export function indexSql(t: TablePlan): string[] {
  const table = qualified(t.target.schema, t.target.table);
  const gin = t.fullText
    ? [
        `CREATE INDEX IF NOT EXISTS ${quoteIdent(t.fullText.index)} ON ${table} USING GIN (${quoteIdent(t.fullText.column)});`,
      ]
    : [];
  return [...t.indexes.filter((ix) => !ix.ported).map((ix) => createIndexSql(t, ix)), ...gin];
}

/** Indexes with expressions or a predicate: each tried on its own, a refusal reported, not fatal. */
export function portedIndexSql(t: TablePlan): { name: string; sql: string }[] {
  return t.indexes.filter((ix) => ix.ported).map((ix) => ({ name: ix.name, sql: createIndexSql(t, ix) }));
}

function splitName(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** ` ON DELETE …`/` ON UPDATE …` when the mapping asks for more than the default NO ACTION. */
function fkActions(fk: TablePlan['foreignKeys'][number]): string {
  const del = fk.onDelete && fk.onDelete !== 'NO ACTION' ? ` ON DELETE ${fk.onDelete}` : '';
  const upd = fk.onUpdate && fk.onUpdate !== 'NO ACTION' ? ` ON UPDATE ${fk.onUpdate}` : '';
  return del + upd;
}

/** The table's foreign keys (or only `which` of them), each added unless it exists. */
export function foreignKeySql(t: TablePlan, which: TablePlan['foreignKeys'] = t.foreignKeys): string[] {
  const table = qualified(t.target.schema, t.target.table);
  return which.map((fk) => {
    const [schema, parent] = splitName(fk.references);
    return unlessConstraint(
      t,
      `conname = ${quoteLiteral(fk.name)}`,
      `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${cols(fk.columns)}) REFERENCES ${qualified(schema, parent)} (${cols(fk.referencedColumns)})${fkActions(fk)}`,
    );
  });
}

export function dropForeignKeySql(t: TablePlan): string[] {
  const table = qualified(t.target.schema, t.target.table);
  return t.foreignKeys.map((fk) => `ALTER TABLE IF EXISTS ${table} DROP CONSTRAINT IF EXISTS ${quoteIdent(fk.name)};`);
}

/** Schemas and tables: what must exist before loading. */
export function preLoadSql(plan: RunPlan): string[] {
  return [
    ...plan.schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`),
    ...plan.tables.map(createTableSql),
  ];
}

/** Keys, indexes and foreign keys: built after the data is in. */
export function postLoadSql(plan: RunPlan): string[] {
  return [
    ...plan.tables.flatMap((t) =>
      [primaryKeySql(t), ...uniqueSql(t), ...indexSql(t), ...portedIndexSql(t).map((p) => p.sql)].filter(
        (s): s is string => s !== null,
      ),
    ),
    ...plan.tables.flatMap((t) => foreignKeySql(t)),
  ];
}

/** A view of the mapping, replacing one of the same name (its SQL is the mapping's, PostgreSQL's dialect). */
export function createViewSql(v: RunPlan['views'][number]): string {
  return `CREATE OR REPLACE VIEW ${qualified(v.schema, v.name)} AS\n${v.sql};`;
}

/** The whole target schema as one script, as `sqlite2pg plan --sql` prints it. */
export function fullSchemaSql(plan: RunPlan): string {
  const header = [
    // Text from the mapping stays inside its comment: a line break in it would start a line of SQL.
    `-- Target schema of mapping ${JSON.stringify(plan.mappingName)}, schema version ${plan.schemaVersion}, generated by sqlite2pg.`,
    '-- Idempotent: safe to run on a database where it already exists.',
    ...plan.deviations.map((d) => `-- Deviation: ${d.replace(/\r\n?|\n/g, '\n--   ')}`),
  ];
  const views = plan.views.length
    ? [
        '',
        '-- Views, after the tables (one PostgreSQL refuses is a warning of the run):',
        ...plan.views.map(createViewSql),
      ]
    : [];
  return [...header, '', ...preLoadSql(plan), '', '-- Built after the load:', ...postLoadSql(plan), ...views, ''].join(
    '\n',
  );
}
