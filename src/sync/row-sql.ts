// The statements a sync writes one row with: INSERT, UPDATE only when a value differs, DELETE only of rows
// sqlite2pg wrote. Values are always parameters; identifiers go through pg/quote.ts; keys found by verify
// (canonical text) are turned back into the key columns' input text.
import type { TablePlan } from '../model/table-plan.js';
import type { LogicalType } from '../model/logical-type.js';
import { qualified, quoteIdent } from '../pg/quote.js';
import { fieldText, type Field } from '../transform/field.js';
import { microsToTimestampText } from '../verify/narrow/row-lookup.js';
import { writtenBySqlite2pg } from '../ledger/sync-ledger.js';

/** A statement and its parameters. */
export interface Sql {
  text: string;
  values: (string | string[] | null)[];
}

/** Cast of a parameter to the column's type (the names of LogicalType are PostgreSQL type names). */
const cast = (logical: LogicalType, n: number) => `$${n}::${logical}`;

/** Each key column's input text from a verify canonical key, or null when it cannot be written as one. */
export function keyTextsOfCanonical(plan: TablePlan, key: string): (string | null)[] | null {
  const cols = plan.primaryKey.map((name) => plan.columns.find((c) => c.name === name)!);
  let values: (string | null)[];
  if (cols.length === 1) values = [key];
  else {
    try {
      const v = JSON.parse(key) as unknown;
      if (!Array.isArray(v) || v.length !== cols.length) return null;
      values = v as (string | null)[];
    } catch {
      return null;
    }
  }
  const out: (string | null)[] = [];
  for (let i = 0; i < cols.length; i++) {
    const v = values[i];
    const logical = cols[i].logical;
    if (v === null || v.startsWith('!unreadable:') || logical === 'json') return null;
    if (logical === 'timestamp' || logical === 'timestamptz') {
      const text = microsToTimestampText(v);
      if (text === null) return null;
      out.push(logical === 'timestamp' ? text : `${text}+00`);
    } else if (logical === 'bytea') out.push(`\\x${v}`);
    else out.push(v);
  }
  return out;
}

function keyWhere(plan: TablePlan, first: number): string {
  return plan.primaryKey
    .map((name, i) => {
      const c = plan.columns.find((x) => x.name === name)!;
      return `${quoteIdent(name)} = ${cast(c.logical, first + i)}`;
    })
    .join(' AND ');
}

const keyFields = (plan: TablePlan, fields: readonly Field[]) =>
  plan.primaryKey.map((name) => fieldText(fields[plan.columns.findIndex((c) => c.name === name)]));

export function insertSql(plan: TablePlan, fields: readonly Field[]): Sql {
  const cols = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
  const params = plan.columns.map((c, i) => cast(c.logical, i + 1)).join(', ');
  return {
    text: `INSERT INTO ${qualified(plan.target.schema, plan.target.table)} (${cols}) VALUES (${params})`,
    values: fields.map(fieldText),
  };
}

/**
 * Sets every column that is not the key to the converted values, only where one of them differs (compared
 * as text: json has no equality), so a row already as it should be is left alone and reported unchanged.
 */
export function updateSql(plan: TablePlan, fields: readonly Field[]): Sql | null {
  const others = plan.columns.map((c, i) => ({ c, i })).filter(({ c }) => !plan.primaryKey.includes(c.name));
  if (others.length === 0) return null;
  const values = others.map(({ i }) => fieldText(fields[i]));
  const set = others.map(({ c }, n) => `${quoteIdent(c.name)} = ${cast(c.logical, n + 1)}`).join(', ');
  const differs = others
    .map(({ c }, n) => `${quoteIdent(c.name)}::text IS DISTINCT FROM ${cast(c.logical, n + 1)}::text`)
    .join(' OR ');
  return {
    text: `UPDATE ${qualified(plan.target.schema, plan.target.table)} SET ${set} WHERE ${keyWhere(plan, values.length + 1)} AND (${differs})`,
    values: [...values, ...keyFields(plan, fields)],
  };
}

/** Deletes the row with these key texts, or at this ctid; with `txids`, only when sqlite2pg wrote it. */
export function deleteSql(
  plan: TablePlan,
  at: { keyTexts: (string | null)[] } | { ctid: string },
  txids: string[] | null,
): Sql {
  const table = qualified(plan.target.schema, plan.target.table);
  const where = 'ctid' in at ? 'ctid = $1::tid' : keyWhere(plan, 1);
  const values = 'ctid' in at ? [at.ctid] : at.keyTexts;
  const n = values.length + 1;
  return {
    text: `DELETE FROM ${table} WHERE ${where}${txids ? ` AND ${writtenBySqlite2pg(`$${n}`)}` : ''}`,
    values: txids ? [...values, [...txids]] : values,
  };
}
