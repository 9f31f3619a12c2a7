// The target DDL, generated from the plan: tables first (no keys, no indexes: loading is faster without),
// then primary keys, unique constraints, indexes and foreign keys after the load. Every statement is
// idempotent, so the same SQL is safe on a database where the schema already exists.
import type { ColumnPlan, RunPlan, TablePlan } from '../plan/table-plan.js';
import { qualified, quoteIdent, quoteLiteral } from './quote.js';

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
  const cols = [...t.columns.map((c) => columnDdl(c)), ...(t.fullText ? [fullTextDdl(t.fullText)] : [])].map((c) => `  ${c}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${qualified(t.target.schema, t.target.table)} (\n${cols}\n);`;
}

/** Runs `alter` unless a constraint matching `condition` exists on the table (PL/pgSQL, so plain SQL stays idempotent). */
function unlessConstraint(t: TablePlan, condition: string, alter: string): string {
  const rel = quoteLiteral(qualified(t.target.schema, t.target.table));
  return `DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = ${rel}::regclass AND ${condition}) THEN\n    ${alter};\n  END IF;\nEND $$;`;
}

const cols = (names: string[]) => names.map(quoteIdent).join(', ');

export function primaryKeySql(t: TablePlan): string | null {
  if (t.primaryKey.length === 0) return null;
  const table = qualified(t.target.schema, t.target.table);
  return unlessConstraint(t, "contype = 'p'", `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${t.target.table}_pkey`)} PRIMARY KEY (${cols(t.primaryKey)})`);
}

export function uniqueSql(t: TablePlan): string[] {
  const table = qualified(t.target.schema, t.target.table);
  return t.unique.map((u) => unlessConstraint(t, `conname = ${quoteLiteral(u.name)}`, `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(u.name)} UNIQUE (${cols(u.columns)})`));
}

export function indexSql(t: TablePlan): string[] {
  const table = qualified(t.target.schema, t.target.table);
  const gin = t.fullText ? [`CREATE INDEX IF NOT EXISTS ${quoteIdent(t.fullText.index)} ON ${table} USING GIN (${quoteIdent(t.fullText.column)});`] : [];
  return [...t.indexes.map((ix) => `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(ix.name)} ON ${table} (${cols(ix.columns)});`), ...gin];
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
  return [...plan.schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`), ...plan.tables.map(createTableSql)];
}

/** Keys, indexes and foreign keys: built after the data is in. */
export function postLoadSql(plan: RunPlan): string[] {
  return [
    ...plan.tables.flatMap((t) => [primaryKeySql(t), ...uniqueSql(t), ...indexSql(t)].filter((s): s is string => s !== null)),
    ...plan.tables.flatMap((t) => foreignKeySql(t)),
  ];
}

/** The whole target schema as one script, as `sqlite2pg plan --sql` prints it. */
export function fullSchemaSql(plan: RunPlan): string {
  const header = [
    `-- Target schema of mapping "${plan.mappingName}", schema version ${plan.schemaVersion}, generated by sqlite2pg.`,
    '-- Idempotent: safe to run on a database where it already exists.',
    ...plan.deviations.map((d) => `-- Deviation: ${d}`),
  ];
  return [...header, '', ...preLoadSql(plan), '', '-- Built after the load:', ...postLoadSql(plan), ''].join('\n');
}
