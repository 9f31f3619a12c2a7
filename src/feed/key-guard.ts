// Finds rows that would break a UNIQUE/PRIMARY KEY or FOREIGN KEY constraint before they reach COPY,
// so they become rejects instead of aborting the table's load. Pure: the referenced tables' keys are read
// from PostgreSQL beforehand (parent-keys.ts) and handed in as plain data, so the guard can run in the
// thread that reads the source.
import { fieldText, type Field } from '../transform/field.js';
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { quoteSqlite } from '../extract/introspect.js';
import { rowCheckedForeignKeys } from '../plan/break-cycles.js';

/**
 * A set of keys; integer keys are kept in a sorted typed array (8 bytes each) instead of a Set of strings.
 * A key is its text, or for a one-column key the bigint the converter's fast path kept (no text made).
 */
interface KeySet {
  has(key: string | bigint): boolean;
}

/** A key as an integer; null for text that is not one (no integer key equals it). */
function asBigInt(key: string | bigint): bigint | null {
  if (typeof key === 'bigint') return key;
  try {
    return BigInt(key);
  } catch {
    return null;
  }
}

export class SortedIntKeys implements KeySet {
  constructor(private readonly keys: BigInt64Array) {}
  has(key: string | bigint): boolean {
    const k = asBigInt(key);
    if (k === null) return false;
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.keys[mid];
      if (v === k) return true;
      if (v < k) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

/**
 * A parent's integer keys when they are dense (ids 1..n with a few gaps): one bit per value from `low`,
 * at most as large as the sorted array would be (parent-keys.ts chooses) and usually 64 times smaller (a
 * bit instead of a 64-bit integer per id). Keys read outside the range the count saw (a row added meanwhile)
 * are kept sorted in `outside`. Plain data: it crosses to a worker thread as it is.
 */
export interface DenseIntKeys {
  low: bigint;
  bits: Uint8Array;
  outside: BigInt64Array;
}

export class DenseIntKeySet implements KeySet {
  readonly #low: bigint;
  readonly #bits: Uint8Array;
  readonly #span: bigint;
  readonly #outside: SortedIntKeys;

  constructor(keys: DenseIntKeys) {
    this.#low = keys.low;
    this.#bits = keys.bits;
    this.#span = BigInt(keys.bits.length * 8);
    this.#outside = new SortedIntKeys(keys.outside);
  }

  has(key: string | bigint): boolean {
    const k = asBigInt(key);
    if (k === null) return false;
    const offset = k - this.#low;
    if (offset >= 0n && offset < this.#span) {
      const i = Number(offset);
      if ((this.#bits[i >>> 3] & (1 << (i & 7))) !== 0) return true;
    }
    return this.#outside.has(k); // usually empty: answered at once
  }
}

/** Text keys of a parent; a bigint key is looked up by its text. */
function textKeys(keys: string[]): KeySet {
  const set = new Set(keys);
  return { has: (k) => set.has(typeof k === 'bigint' ? String(k) : k) };
}

function keySet(keys: ParentKeyData): KeySet {
  if (keys instanceof BigInt64Array) return new SortedIntKeys(keys);
  if (Array.isArray(keys)) return textKeys(keys);
  return new DenseIntKeySet(keys);
}

export const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
export const KEY_SEP = '\u0001';
const SEP = KEY_SEP;

/**
 * The keys of the tables a plan's foreign keys reference (self-references excluded), as read by
 * parent-keys.ts: integer keys sorted in a typed array or, when dense, as bits; other keys as text (parts joined by
 * KEY_SEP).
 * Plain data: it crosses to a worker thread as it is.
 */
export interface ParentKeys {
  /** By foreign key name. */
  byName: Record<string, ParentKeyData>;
}

export type ParentKeyData = BigInt64Array | DenseIntKeys | string[];

/** SQLite's TEXT affinity (https://sqlite.org/datatype3.html#determination_of_column_affinity). */
const textAffinity = (declared: string) => !/INT/i.test(declared) && /CHAR|CLOB|TEXT/i.test(declared);

/**
 * Unique keys whose uniqueness SQLite already guarantees need no tracking (a set of text keys grows with
 * the table, by tens of bytes a row): a rowid alias (`INTEGER PRIMARY KEY`) mapped straight to an integer column, or
 * the
 * table's declared primary key made of TEXT-affinity columns mapped straight to text columns. Text
 * conversion keeps distinct strings distinct (or rejects them); only a BLOB stored in such a column
 * (affinity does not convert BLOBs) could decode to a string equal to another row's, so a column holding
 * one is tracked after all — `hasBlob` asks the source.
 */
function guaranteedBySource(plan: TablePlan, columns: string[], hasBlob: (column: string) => boolean): boolean {
  if (plan.sourceKey.length === 0 || columns.length !== plan.sourceKey.length) return false;
  const sources: string[] = [];
  for (const name of columns) {
    const col = plan.columns.find((c) => c.name === name);
    if (!col || col.source.kind !== 'column' || col.policy !== 'reject' || col.emptyAsNull) return false;
    sources.push(col.source.name.toLowerCase());
  }
  const key = plan.sourceKey.map((k) => k.toLowerCase());
  if (!key.every((k) => sources.includes(k)) || new Set(sources).size !== sources.length) return false;
  const cols = columns.map((n) => plan.columns.find((c) => c.name === n)!);
  if (
    cols.length === 1 &&
    plan.hasRowid &&
    INTEGER_TYPES.has(cols[0].logical) &&
    cols[0].source.kind === 'column' &&
    cols[0].source.declaredType.toUpperCase() === 'INTEGER'
  )
    return true;
  return cols.every(
    (c) =>
      c.logical === 'text' &&
      c.source.kind === 'column' &&
      textAffinity(c.source.declaredType) &&
      !hasBlob(c.source.name),
  );
}

/** Answers of columnHoldsBlob per source connection: its snapshot does not change during a run. */
const blobAnswers = new WeakMap<Database.Database, Map<string, boolean>>();

/**
 * True when any row of the source table holds a BLOB in `column` (one scan, stopped at the first). Asked
 * once per table and column: the self-reference pre-pass and a retried load build guards of their own.
 */
function columnHoldsBlob(db: Database.Database, plan: TablePlan, column: string): boolean {
  let answers = blobAnswers.get(db);
  if (!answers) blobAnswers.set(db, (answers = new Map()));
  const sql = `SELECT 1 FROM ${quoteSqlite(plan.source.table)} WHERE typeof(${quoteSqlite(column)}) = 'blob' LIMIT 1`;
  let holds = answers.get(sql);
  if (holds === undefined) answers.set(sql, (holds = db.prepare(sql).pluck().get() !== undefined));
  return holds;
}

interface UniqueCheck {
  name: string;
  indexes: number[];
  seen: Set<string>;
}
interface ForeignCheck {
  name: string;
  indexes: number[];
  references: string;
  parent: KeySet;
}

export type KeyViolation = { code: 'unique' | 'foreign_key'; column: string; reason: string };

export class KeyGuard {
  private constructor(
    private readonly uniques: UniqueCheck[],
    private readonly foreign: ForeignCheck[],
    private readonly names: string[],
  ) {}

  /** The checks for `plan`, with the referenced tables' keys read beforehand (parents load first). */
  static fromKeys(plan: TablePlan, parents: ParentKeys, db: Database.Database | null = null): KeyGuard {
    const names = plan.columns.map((c) => c.name);
    const idx = (cols: string[]) => cols.map((c) => names.indexOf(c));
    const keyConstraints = [
      ...(plan.primaryKey.length ? [{ name: `${plan.target.table}_pkey`, columns: plan.primaryKey }] : []),
      ...plan.unique,
    ];
    const uniques = keyConstraints
      .filter(
        (u) =>
          !guaranteedBySource(
            plan,
            u.columns,
            (column) => db !== null && plan.sourceExists && columnHoldsBlob(db, plan, column),
          ),
      )
      .map((u) => ({ name: u.name, indexes: idx(u.columns), seen: new Set<string>() }));
    const foreign: ForeignCheck[] = [];
    // Foreign keys that share their parent's keys (readAllParentKeys) share one set too.
    const sets = new Map<ParentKeyData, KeySet>();
    for (const fk of rowCheckedForeignKeys(plan)) {
      const keys = parents.byName[fk.name];
      let parent = sets.get(keys);
      if (!parent) sets.set(keys, (parent = keySet(keys)));
      foreign.push({ name: fk.name, indexes: idx(fk.columns), references: fk.references, parent });
    }
    return new KeyGuard(uniques, foreign, names);
  }

  get active(): boolean {
    return this.uniques.length > 0 || this.foreign.length > 0;
  }

  private static key(fields: readonly Field[], indexes: number[]): string | null {
    if (indexes.length === 1) return fieldText(fields[indexes[0]]);
    const parts: string[] = [];
    for (const i of indexes) {
      const v = fieldText(fields[i]);
      if (v === null) return null; // NULLs never conflict (MATCH SIMPLE, NULLS DISTINCT)
      parts.push(v);
    }
    return parts.join(SEP);
  }

  /** Checks a converted row; on success its unique keys are remembered. */
  check(fields: readonly Field[]): KeyViolation | null {
    for (const f of this.foreign) {
      // A one-column integer key as the fast path kept it: looked up without making its text.
      const single = f.indexes.length === 1 ? fields[f.indexes[0]] : undefined;
      const k = typeof single === 'bigint' ? single : KeyGuard.key(fields, f.indexes);
      if (k !== null && !f.parent.has(k)) {
        const cols = f.indexes.map((i) => this.names[i]);
        return {
          code: 'foreign_key',
          column: cols.join(','),
          reason: `${cols.join(', ')} = ${String(k).split(SEP).join(', ')} points at no row of ${f.references} (${f.name})`,
        };
      }
    }
    const keys: (string | null)[] = [];
    for (const u of this.uniques) {
      const k = KeyGuard.key(fields, u.indexes);
      if (k !== null && u.seen.has(k)) {
        const cols = u.indexes.map((i) => this.names[i]);
        return {
          code: 'unique',
          column: cols.join(','),
          reason: `${cols.join(', ')} = ${k.split(SEP).join(', ')} repeats a key already loaded (${u.name})`,
        };
      }
      keys.push(k);
    }
    this.uniques.forEach((u, i) => {
      if (keys[i] !== null) u.seen.add(keys[i]!);
    });
    return null;
  }
}
