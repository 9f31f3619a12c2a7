// Compares one target table's structure, read from PostgreSQL's catalogs, with what the plan expects:
// the table, its columns (type, NOT NULL, default), keys, unique constraints, foreign keys, indexes; and
// (checkSequences, once the rows are compared) each serial column's sequence at or past the column's
// largest value, leaving out the rows --grace left out.
import type pg from 'pg';
import type { TablePlan } from '../../model/table-plan.js';
import type { StructureProblem } from '../../model/run-report.js';
import { qualified, quoteIdent } from '../../pg/quote.js';
import { expectedStructure, type ExpectedStructure } from './expected-structure.js';
import { recentRowSql } from '../pass/grace.js';

/** The structure problems of one table, and whether its rows can be compared at all. */
export interface StructureResult {
  problems: StructureProblem[];
  /** The table and every planned column exist, so its rows can be compared. */
  comparable: boolean;
}

/** Which structure checks apply. */
export interface StructureOptions {
  /**
   * Check sequences, with checkSequences (not in a dry run: setval is not transactional, so a dry run leaves them as
   * they were).
   */
  sequences: boolean;
}

/** Column names of a constraint's or index's key, in key order, as text[]. */
const keyNames = (rel: string, keys: string) =>
  `ARRAY(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.n ORDER BY k.o)`;

const ACTIONS: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

const list = (xs: readonly string[]) => `(${xs.join(', ')})`;

interface Catalog {
  columns: { name: string; type: string; not_null: boolean; default: string | null }[];
  constraints: {
    name: string;
    type: string;
    columns: string[];
    ref_table: string | null;
    ref_columns: string[];
    on_delete: string;
    on_update: string;
  }[];
  indexes: {
    name: string;
    unique: boolean;
    valid: boolean;
    columns: string[];
    keys: number;
    expressions: boolean;
    partial: boolean;
  }[];
}

async function readCatalog(client: pg.ClientBase, oid: string): Promise<Catalog> {
  const columns = await client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [oid],
  );
  const constraints = await client.query(
    `SELECT c.conname AS name, c.contype AS type, ${keyNames('c.conrelid', 'c.conkey')} AS columns,
            fn.nspname || '.' || fc.relname AS ref_table, ${keyNames('c.confrelid', 'c.confkey')} AS ref_columns,
            c.confdeltype AS on_delete, c.confupdtype AS on_update
       FROM pg_constraint c LEFT JOIN pg_class fc ON fc.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE c.conrelid = $1::oid AND c.contype IN ('p', 'u', 'f')`,
    [oid],
  );
  const indexes = await client.query(
    `SELECT i.relname AS name, x.indisunique AS unique, x.indisvalid AS valid, ${keyNames('x.indrelid', 'x.indkey::int2[]')} AS columns,
            x.indnkeyatts::int AS keys, x.indexprs IS NOT NULL AS expressions, x.indpred IS NOT NULL AS partial
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::oid`,
    [oid],
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
}

function compareColumns(want: ExpectedStructure, cat: Catalog, out: StructureProblem[]): boolean {
  let complete = true;
  for (const c of want.columns) {
    const got = cat.columns.find((x) => x.name === c.name);
    const object = `column ${c.name}`;
    if (!got) {
      out.push({ object, problem: 'missing', expected: c.type });
      complete = false;
      continue;
    }
    if (got.type !== c.type) out.push({ object, problem: 'different', expected: c.type, found: got.type });
    if (got.not_null !== c.notNull)
      out.push({
        object,
        problem: 'different',
        expected: c.notNull ? 'NOT NULL' : 'nullable',
        found: got.not_null ? 'NOT NULL' : 'nullable',
      });
    const def = got.default === null ? 'none' : got.default.startsWith('nextval(') ? 'serial' : 'some';
    // A serial column's nextval() is a default too; a column with a default may also have got a sequence.
    if (def !== c.default && !(c.default === 'some' && def === 'serial')) {
      out.push({
        object,
        problem: 'different',
        expected: c.default === 'serial' ? 'default nextval(…)' : c.default === 'some' ? 'a default' : 'no default',
        found: got.default ?? 'no default',
      });
    }
  }
  for (const got of cat.columns)
    if (!want.columns.some((c) => c.name === got.name))
      out.push({ object: `column ${got.name}`, problem: 'extra', found: got.type });
  return complete;
}

function compareConstraints(want: ExpectedStructure, cat: Catalog, out: StructureProblem[]): void {
  const pk = cat.constraints.find((c) => c.type === 'p');
  if (want.primaryKey.length > 0 && !pk)
    out.push({ object: 'primary key', problem: 'missing', expected: list(want.primaryKey) });
  else if (want.primaryKey.length === 0 && pk)
    out.push({ object: 'primary key', problem: 'extra', found: list(pk.columns) });
  else if (pk && list(pk.columns) !== list(want.primaryKey))
    out.push({ object: 'primary key', problem: 'different', expected: list(want.primaryKey), found: list(pk.columns) });
  for (const u of want.unique) {
    const got = cat.constraints.find((c) => c.type === 'u' && c.name === u.name);
    if (!got) out.push({ object: `unique ${u.name}`, problem: 'missing', expected: list(u.columns) });
    else if (list(got.columns) !== list(u.columns))
      out.push({
        object: `unique ${u.name}`,
        problem: 'different',
        expected: list(u.columns),
        found: list(got.columns),
      });
  }
  for (const fk of want.foreignKeys) {
    const got = cat.constraints.find((c) => c.type === 'f' && c.name === fk.name);
    const expected = `${list(fk.columns)} → ${fk.references} ${list(fk.referencedColumns)} ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
    if (!got) {
      out.push({
        object: `foreign key ${fk.name}`,
        problem: 'missing',
        expected,
        ...(fk.deferred ? { severity: 'warning' as const } : {}),
      });
      continue;
    }
    const found = `${list(got.columns)} → ${got.ref_table} ${list(got.ref_columns)} ON DELETE ${ACTIONS[got.on_delete]} ON UPDATE ${ACTIONS[got.on_update]}`;
    if (found !== expected) out.push({ object: `foreign key ${fk.name}`, problem: 'different', expected, found });
  }
  for (const ix of want.indexes) {
    const got = cat.indexes.find((i) => i.name === ix.name);
    if (ix.ported) {
      comparePortedIndex(ix, got, out);
      continue;
    }
    const expected = `${ix.unique ? 'UNIQUE ' : ''}${list(ix.columns)}`;
    if (!got) out.push({ object: `index ${ix.name}`, problem: 'missing', expected });
    else if (!got.valid)
      out.push({
        object: `index ${ix.name}`,
        problem: 'invalid',
        expected,
        found: 'INVALID (a failed CREATE INDEX CONCURRENTLY?)',
      });
    else if (`${got.unique ? 'UNIQUE ' : ''}${list(got.columns)}` !== expected)
      out.push({
        object: `index ${ix.name}`,
        problem: 'different',
        expected,
        found: `${got.unique ? 'UNIQUE ' : ''}${list(got.columns)}`,
      });
  }
  // Objects the mapping does not know change what the table accepts (a UNIQUE, a foreign key) or what
  // the cutover ships (an index): reported, so they are added to the mapping or dropped on purpose.
  for (const c of cat.constraints) {
    if (c.type === 'u' && !want.unique.some((u) => u.name === c.name))
      out.push({ object: `unique ${c.name}`, problem: 'extra', found: list(c.columns) });
    if (c.type === 'f' && !want.foreignKeys.some((fk) => fk.name === c.name))
      out.push({
        object: `foreign key ${c.name}`,
        problem: 'extra',
        found: `${list(c.columns)} → ${c.ref_table} ${list(c.ref_columns)}`,
      });
  }
  // A primary key's or unique constraint's own index is that constraint, not an index of its own.
  const constraintIndexes = new Set(cat.constraints.filter((c) => c.type !== 'f').map((c) => c.name));
  for (const ix of cat.indexes) {
    if (constraintIndexes.has(ix.name) || want.indexes.some((w) => w.name === ix.name)) continue;
    out.push({
      object: `index ${ix.name}`,
      problem: 'extra',
      found: `${ix.unique ? 'UNIQUE ' : ''}${list(ix.columns)}`,
    });
  }
}

/** The shape of an index with expressions or a predicate ("UNIQUE, 1 key: an expression, partial"). */
const shape = (ix: { unique: boolean; keys: number; expressions: boolean; partial: boolean }) =>
  `${ix.unique ? 'UNIQUE, ' : ''}${ix.keys} key${ix.keys === 1 ? '' : 's'}${ix.expressions ? ' with expressions' : ''}${ix.partial ? ', partial' : ''}`;

/**
 * An index ported from SQLite (expressions, a predicate) is compared by shape: PostgreSQL stores its SQL
 * rewritten. One that PostgreSQL refused at load time was a warning of the migrate; here too.
 */
function comparePortedIndex(
  ix: ExpectedStructure['indexes'][number],
  got: Catalog['indexes'][number] | undefined,
  out: StructureProblem[],
): void {
  const object = `index ${ix.name}`;
  if (!got) out.push({ object, problem: 'missing', expected: shape(ix), severity: 'warning' });
  else if (!got.valid)
    out.push({
      object,
      problem: 'invalid',
      expected: shape(ix),
      found: 'INVALID (a failed CREATE INDEX CONCURRENTLY?)',
    });
  else if (shape(got) !== shape(ix)) out.push({ object, problem: 'different', expected: shape(ix), found: shape(got) });
}

/** What --grace left out of a table's comparison: the sequence check leaves the same rows out. */
export interface SequenceGrace {
  /** The cutoff in microseconds: target rows with a timestamp column at or after it are not counted. */
  cutoffMicros: number;
  /** Source rows were left out: SQLite's AUTOINCREMENT mark counts their keys too, so it is not used
   *  (the compared rows' largest key, the same on both sides when they match, still is). */
  sourceLeftOut: boolean;
}

/**
 * Each serial column's sequence must have handed out (or be set past) the column's largest value and
 * SQLite's AUTOINCREMENT mark — among the rows verify compared: rows --grace left out (an application
 * still writing) are no more counted here than in the comparison.
 */
export async function checkSequences(
  client: pg.ClientBase,
  plan: TablePlan,
  grace: SequenceGrace | null,
): Promise<StructureProblem[]> {
  const out: StructureProblem[] = [];
  const table = qualified(plan.target.schema, plan.target.table);
  const recent = grace ? recentRowSql(plan, grace.cutoffMicros, '$1::bigint', quoteIdent) : null;
  const mark = grace?.sourceLeftOut ? 0n : (plan.autoincrementSeq ?? 0n);
  for (const name of expectedStructure(plan).serialColumns) {
    const object = `sequence of ${name}`;
    // The sequence's schema and name, so the read below names it through quoteIdent like every other relation.
    const owned = await client.query<{ seq: string; schema: string; name: string }>(
      `SELECT s.seq, n.nspname AS schema, c.relname AS name FROM (SELECT pg_get_serial_sequence($1, $2) AS seq) s
         JOIN pg_class c ON c.oid = s.seq::regclass JOIN pg_namespace n ON n.oid = c.relnamespace`,
      [table, name],
    );
    if (owned.rows.length === 0) {
      out.push({ object, problem: 'missing', expected: `a sequence owned by ${name}` });
      continue;
    }
    const { seq, schema, name: seqName } = owned.rows[0];
    const state = (await client.query(`SELECT last_value::text AS last, is_called FROM ${qualified(schema, seqName)}`))
      .rows[0] as { last: string; is_called: boolean };
    const max = (
      recent
        ? await client.query(`SELECT max(${quoteIdent(name)})::text AS max FROM ${table} WHERE NOT ${recent}`, [
            String(grace!.cutoffMicros),
          ])
        : await client.query(`SELECT max(${quoteIdent(name)})::text AS max FROM ${table}`)
    ).rows[0].max as string | null;
    // The last value handed out; nextval() gives the one after it.
    const handedOut = BigInt(state.last) - (state.is_called ? 0n : 1n);
    const floor = [max === null ? 0n : BigInt(max), mark].reduce((a, b) => (b > a ? b : a));
    if (handedOut < floor)
      out.push({
        object,
        problem: 'behind',
        expected: `next value > ${floor}`,
        found: `next value ${handedOut + 1n} (${seq})`,
      });
  }
  return out;
}

/** Reads one table's structure from the catalogs and compares it with the plan's (sequences: checkSequences). */
export async function checkStructure(client: pg.ClientBase, plan: TablePlan): Promise<StructureResult> {
  const reg = await client.query('SELECT to_regclass($1)::oid::text AS oid', [
    qualified(plan.target.schema, plan.target.table),
  ]);
  const oid = reg.rows[0].oid as string | null;
  if (!oid)
    return { problems: [{ object: 'table', problem: 'missing', expected: plan.targetName }], comparable: false };
  const want = expectedStructure(plan);
  const cat = await readCatalog(client, oid);
  const problems: StructureProblem[] = [];
  const comparable = compareColumns(want, cat, problems);
  compareConstraints(want, cat, problems);
  return { problems, comparable };
}
