// Streams a table's rows out of its file's snapshot in bounded memory: keyset pages (by rowid, or by the
// primary key of a WITHOUT ROWID table), so tables of one file can be read in turns on one connection
// inside one read transaction. better-sqlite3 allows no second statement while an iterator is open.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../plan/table-plan.js';
import { InvalidUtf8Text, type SqliteValue } from '../transform/sqlite-value.js';
import { quoteSqlite } from './introspect.js';

export interface SourceRow {
  /** The row's identity in the source: its rowid, or the JSON array of its primary key values. */
  key: string;
  /** sourceColumns' values, then sourceExprs' values. */
  values: SqliteValue[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The name that reaches the rowid, avoiding a user column that shadows `rowid`. */
export function rowidAlias(plan: Pick<TablePlan, 'sourceColumns'>): string {
  const names = new Set(plan.sourceColumns.map((c) => c.name.toLowerCase()));
  const alias = ['rowid', '_rowid_', 'oid'].find((a) => !names.has(a));
  if (!alias) throw new Error(`table has columns named rowid, _rowid_ and oid: its rowid cannot be read`);
  return alias;
}

/** Inclusive bounds on the rowid: verify reads a key range this way when the key is the rowid. */
export interface RowidRange {
  from: bigint;
  to: bigint;
}

interface Pager {
  first: Database.Statement;
  next: Database.Statement;
  /** Parameters of `first`, and those `next` takes after the last key (the range's end). */
  firstArgs: unknown[];
  nextArgs: unknown[];
  byKey: Database.Statement;
  keyWidth: number;
  refetch: (column: string, keyValues: unknown[]) => Buffer | null;
}

function pager(db: Database.Database, plan: TablePlan, pageSize: number, range: RowidRange | null = null): Pager {
  const table = quoteSqlite(plan.source.table);
  const cols = [...plan.sourceColumns.map((c) => quoteSqlite(c.name)), ...plan.sourceExprs.map((e) => `(${e})`)];
  const keyCols = plan.hasRowid ? [rowidAlias(plan)] : plan.sourceKey.map(quoteSqlite);
  const select = `SELECT ${[...keyCols, ...cols].join(', ')} FROM ${table}`;
  const order = ` ORDER BY ${keyCols.join(', ')} LIMIT ${pageSize}`;
  const after = keyCols.length === 1 ? `${keyCols[0]} > ?` : `(${keyCols.join(', ')}) > (${keyCols.map(() => '?').join(', ')})`;
  const prep = (sql: string) => db.prepare(sql).raw(true).safeIntegers(true);
  const where = keyCols.map((k) => `${k} = ?`).join(' AND ');
  const refetchStmts = new Map<string, Database.Statement>();
  if (range && !plan.hasRowid) throw new Error(`${plan.sourceName} has no rowid: it cannot be read by rowid range`);
  return {
    first: prep(range ? `${select} WHERE ${keyCols[0]} BETWEEN ? AND ?${order}` : select + order),
    next: prep(`${select} WHERE ${after}${range ? ` AND ${keyCols[0]} <= ?` : ''}${order}`),
    firstArgs: range ? [range.from, range.to] : [],
    nextArgs: range ? [range.to] : [],
    byKey: prep(`${select} WHERE ${where}`),
    keyWidth: keyCols.length,
    refetch(column, keyValues) {
      let st = refetchStmts.get(column);
      if (!st) {
        st = db.prepare(`SELECT CAST(${quoteSqlite(column)} AS BLOB) FROM ${table} WHERE ${where}`).pluck().safeIntegers(true);
        refetchStmts.set(column, st);
      }
      return (st.get(...keyValues) as Buffer | null) ?? null;
    },
  };
}

/** What readability asks of a table: enough of a TablePlan to build its paging statements. */
export type ReadShape = Pick<TablePlan, 'source' | 'sourceName' | 'sourceColumns' | 'sourceExprs' | 'hasRowid' | 'sourceKey'>;

/**
 * Why SQLite refuses the statements the load and verify read the table's rows with (null: it does not),
 * found by preparing them before anything is written: e.g. a WITHOUT ROWID table whose key uses a
 * collation this reader lacks, or a virtual table whose module it lacks.
 */
export function unreadableReason(db: Database.Database, shape: ReadShape): string | null {
  try {
    pager(db, shape as TablePlan, 1);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * better-sqlite3 decodes TEXT with U+FFFD where the bytes are not UTF-8; only then (the character is
 * rare) are the raw bytes fetched again to tell a real U+FFFD from a lossy decode. Works on the raw
 * result row in place (key columns first, then the values).
 */
function checkUtf8(p: Pager, plan: TablePlan, raw: unknown[]): void {
  const n = plan.sourceColumns.length;
  for (let i = 0; i < n; i++) {
    const v = raw[p.keyWidth + i];
    if (typeof v !== 'string' || !v.includes('\uFFFD')) continue;
    const bytes = p.refetch(plan.sourceColumns[i].name, raw.slice(0, p.keyWidth));
    if (!bytes) continue;
    try {
      utf8.decode(bytes);
    } catch {
      raw[p.keyWidth + i] = new InvalidUtf8Text(bytes);
    }
  }
}

/** Key columns at the start of each raw row: 1 for the rowid, else the WITHOUT ROWID table's primary key. */
export function rawKeyWidth(plan: Pick<TablePlan, 'hasRowid' | 'sourceKey'>): number {
  return plan.hasRowid ? 1 : plan.sourceKey.length;
}

const bigintAsString = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** SourceRow.key of a raw row: built only when needed (a reject, a recorded change), not for every row. */
export function rawRowKey(plan: Pick<TablePlan, 'hasRowid' | 'sourceKey'>, raw: readonly unknown[]): string {
  if (plan.hasRowid) return String(raw[0]);
  return JSON.stringify(raw.slice(0, plan.sourceKey.length), bigintAsString);
}

/** The SourceRow of one raw result row (key columns first). */
function toSourceRow(plan: TablePlan, width: number, raw: unknown[]): SourceRow {
  return { key: rawRowKey(plan, raw), values: raw.slice(width) as SqliteValue[] };
}

/**
 * Rows per page for the bulk passes (the load's feed, verify's source side): each page's values then die
 * young; with 2000-row pages rows outlived a young-generation collection and the collector took a quarter
 * of the source side's time.
 */
export const STREAM_PAGE_ROWS = 256;

/**
 * Yields the table's raw rows in pages of at most `pageSize`, in key order: each row holds the
 * {@link rawKeyWidth} key columns, then sourceColumns' and sourceExprs' values (non-UTF-8 TEXT already
 * marked). Synchronous and without a per-row object: the load's and verify's hot loops read this way.
 */
export function* readRawPages(db: Database.Database | null, plan: TablePlan, pageSize = 2000, range: RowidRange | null = null): Generator<SqliteValue[][]> {
  if (!db || !plan.sourceExists) return;
  const p = pager(db, plan, pageSize, range);
  let page = p.first.all(...p.firstArgs) as unknown[][];
  while (page.length > 0) {
    for (let i = 0; i < page.length; i++) checkUtf8(p, plan, page[i]);
    yield page as SqliteValue[][];
    if (page.length < pageSize) return;
    const last = page[page.length - 1].slice(0, p.keyWidth);
    page = p.next.all(...last, ...p.nextArgs) as unknown[][];
  }
}

/**
 * Yields the table's rows in pages of at most `pageSize`, in key order; with `range`, only the rows whose
 * rowid is within it (tables with a rowid only).
 */
export async function* readPages(db: Database.Database | null, plan: TablePlan, pageSize = 2000, range: RowidRange | null = null): AsyncGenerator<SourceRow[]> {
  const width = rawKeyWidth(plan);
  for (const page of readRawPages(db, plan, pageSize, range)) yield page.map((raw) => toSourceRow(plan, width, raw));
}

/**
 * The rows with these keys (as SourceRow.key gives them), in the order asked; a key no row has is left
 * out. Verify re-reads the few rows it reports this way.
 */
export function readRowsByKey(db: Database.Database | null, plan: TablePlan, keys: readonly string[]): SourceRow[] {
  if (!db || !plan.sourceExists || keys.length === 0) return [];
  const p = pager(db, plan, 1);
  const out: SourceRow[] = [];
  for (const key of keys) {
    let args: unknown[];
    try {
      args = plan.hasRowid ? [BigInt(key)] : (JSON.parse(key) as unknown[]);
    } catch {
      continue; // not a key this table can have
    }
    if (args.length !== p.keyWidth || args.some((a) => a !== null && typeof a === 'object')) continue;
    const raw = p.byKey.get(...args) as unknown[] | undefined;
    if (!raw) continue;
    checkUtf8(p, plan, raw);
    out.push(toSourceRow(plan, p.keyWidth, raw));
  }
  return out;
}

/**
 * The query behind rowidBounds. min() and max() each in a subquery of its own: SQLite answers a lone
 * min() or max() of the rowid from one end of the b-tree, but both in one SELECT scan the whole table.
 */
export function rowidBoundsSql(plan: TablePlan): string {
  const alias = rowidAlias(plan);
  const table = quoteSqlite(plan.source.table);
  return `SELECT (SELECT min(${alias}) FROM ${table}), (SELECT max(${alias}) FROM ${table})`;
}

/** The smallest and largest rowid of a table with a rowid (null when it has no row). */
export function rowidBounds(db: Database.Database | null, plan: TablePlan): [bigint, bigint] | null {
  if (!db || !plan.sourceExists || !plan.hasRowid) return null;
  const r = db.prepare(rowidBoundsSql(plan)).raw(true).safeIntegers(true).get() as [bigint | null, bigint | null];
  return r[0] === null || r[1] === null ? null : [r[0], r[1]];
}
