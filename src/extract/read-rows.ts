// Streams a table's rows out of its file's snapshot in bounded memory: keyset pages (by rowid, or by the
// primary key of a WITHOUT ROWID table), so tables of one file can be read in turns on one connection
// inside one read transaction. better-sqlite3 allows no second statement while an iterator is open.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../model/table-plan.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';
import { quoteSqlite } from './introspect.js';
import { identityValues, rawRowKey } from './row-identity.js';

export interface SourceRow {
  /** The row's identity in the source (row-identity.ts): its rowid, or its primary key values as SQLite literals. */
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
  /** Take the page's row count as their last parameter. */
  first: Database.Statement;
  next: Database.Statement;
  /** The sizes of the next rows' values (as `first` and `next` read them), headers only: no value is read. */
  firstSizes: Database.Statement;
  nextSizes: Database.Statement;
  /** Parameters of `first`, and those `next` takes after the last key (the range's end). */
  firstArgs: unknown[];
  nextArgs: unknown[];
  byKey: Database.Statement;
  keyWidth: number;
  /** The bound parameters that stand for these key values (see `keyParam`). */
  bindKey: (keyValues: readonly unknown[]) => unknown[];
  /** The exact bytes of the key columns of the first row after `after` (an exact key), or of the first row. */
  keyBytesAfter: (after: readonly unknown[] | null) => (Buffer | null)[] | null;
  refetch: (column: string, keyValues: readonly unknown[]) => Buffer | null;
}

/**
 * A WITHOUT ROWID key value as a bound parameter: `iif(flag, CAST(bytes AS TEXT), value)`, so a TEXT key
 * that is not UTF-8 (held as InvalidUtf8Text; better-sqlite3 binds only UTF-8 strings) is matched by its
 * exact bytes. SQLite still seeks the key's index with it.
 */
const KEY_PARAM = 'iif(?, CAST(? AS TEXT), ?)';

function bindExactKey(keyValues: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of keyValues) {
    if (v instanceof InvalidUtf8Text) out.push(1, v.bytes, null);
    else out.push(0, null, v);
  }
  return out;
}

function pager(db: Database.Database, plan: TablePlan, range: RowidRange | null = null): Pager {
  const table = quoteSqlite(plan.source.table);
  const cols = [...plan.sourceColumns.map((c) => quoteSqlite(c.name)), ...plan.sourceExprs.map((e) => `(${e})`)];
  const keyCols = plan.hasRowid ? [rowidAlias(plan)] : plan.sourceKey.map(quoteSqlite);
  // A rowid is always an integer: bound as it is.
  const param = plan.hasRowid ? '?' : KEY_PARAM;
  const select = `SELECT ${[...keyCols, ...cols].join(', ')} FROM ${table}`;
  // octet_length() of a column reads the record header, not the value (SQLite 3.43+).
  const sizes = `SELECT ${plan.sourceColumns.map((c) => `coalesce(octet_length(${quoteSqlite(c.name)}), 0)`).join(' + ') || '0'} FROM ${table}`;
  const order = ` ORDER BY ${keyCols.join(', ')} LIMIT ?`;
  const after =
    keyCols.length === 1
      ? `${keyCols[0]} > ${param}`
      : `(${keyCols.join(', ')}) > (${keyCols.map(() => param).join(', ')})`;
  const prep = (sql: string) => db.prepare(sql).raw(true).safeIntegers(true);
  const where = keyCols.map((k) => `${k} = ${param}`).join(' AND ');
  const refetchStmts = new Map<string, Database.Statement>();
  const bindKey = plan.hasRowid ? (keyValues: readonly unknown[]) => [...keyValues] : bindExactKey;
  let keyBytes: { first: Database.Statement; after: Database.Statement } | null = null;
  if (range && !plan.hasRowid) throw new Error(`${plan.sourceName} has no rowid: it cannot be read by rowid range`);
  return {
    first: prep(range ? `${select} WHERE ${keyCols[0]} BETWEEN ? AND ?${order}` : select + order),
    next: prep(`${select} WHERE ${after}${range ? ` AND ${keyCols[0]} <= ?` : ''}${order}`),
    firstSizes: db
      .prepare(range ? `${sizes} WHERE ${keyCols[0]} BETWEEN ? AND ?${order}` : sizes + order)
      .pluck()
      .safeIntegers(false),
    nextSizes: db
      .prepare(`${sizes} WHERE ${after}${range ? ` AND ${keyCols[0]} <= ?` : ''}${order}`)
      .pluck()
      .safeIntegers(false),
    firstArgs: range ? [range.from, range.to] : [],
    nextArgs: range ? [range.to] : [],
    byKey: prep(`${select} WHERE ${where}`),
    keyWidth: keyCols.length,
    bindKey,
    keyBytesAfter(last) {
      if (!keyBytes) {
        const bytes = `SELECT ${keyCols.map((k) => `CAST(${k} AS BLOB)`).join(', ')} FROM ${table}`;
        const one = ` ORDER BY ${keyCols.join(', ')} LIMIT 1`;
        keyBytes = { first: prep(bytes + one), after: prep(`${bytes} WHERE ${after}${one}`) };
      }
      const row = (last === null ? keyBytes.first.get() : keyBytes.after.get(...bindKey(last))) as
        (Buffer | null)[] | undefined;
      return row ?? null;
    },
    refetch(column, keyValues) {
      let st = refetchStmts.get(column);
      if (!st) {
        st = db
          .prepare(`SELECT CAST(${quoteSqlite(column)} AS BLOB) FROM ${table} WHERE ${where}`)
          .pluck()
          .safeIntegers(true);
        refetchStmts.set(column, st);
      }
      return (st.get(...bindKey(keyValues)) as Buffer | null) ?? null;
    },
  };
}

/** True when a value better-sqlite3 read may be TEXT that was not UTF-8 (decoded with U+FFFD). */
const maybeLossy = (v: unknown): v is string => typeof v === 'string' && v.includes('\uFFFD');

/**
 * A WITHOUT ROWID key's TEXT that is not UTF-8 would read as U+FFFD, merging rows into one identity and
 * finding none of them again. Only then (the character is rare) are the key's bytes read again, as the
 * row after the one read before it (`previous`, its key exact; null for the table's first row), and the TEXT
 * that is not UTF-8 kept as its bytes. Works on the raw result row in place.
 */
function exactKey(p: Pager, raw: unknown[], previous: readonly unknown[] | null): void {
  let lossy = false;
  for (let i = 0; i < p.keyWidth; i++) lossy ||= maybeLossy(raw[i]);
  if (!lossy) return;
  const bytes = p.keyBytesAfter(previous === null ? null : previous.slice(0, p.keyWidth));
  if (!bytes) return;
  for (let i = 0; i < p.keyWidth; i++) {
    const b = bytes[i];
    if (!maybeLossy(raw[i]) || b === null) continue;
    try {
      utf8.decode(b);
    } catch {
      raw[i] = new InvalidUtf8Text(b);
    }
  }
}

/** What readability asks of a table: enough of a TablePlan to build its paging statements. */
export type ReadShape = Pick<
  TablePlan,
  'source' | 'sourceName' | 'sourceColumns' | 'sourceExprs' | 'hasRowid' | 'sourceKey'
>;

/**
 * Why SQLite refuses the statements the load and verify read the table's rows with (null: it does not),
 * found by preparing them before anything is written: e.g. a WITHOUT ROWID table whose key uses a
 * collation this reader lacks, or a virtual table whose module it lacks.
 */
export function unreadableReason(db: Database.Database, shape: ReadShape): string | null {
  try {
    pager(db, shape as TablePlan);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * better-sqlite3 decodes TEXT with U+FFFD where the bytes are not UTF-8; only then (the character is
 * rare) are the raw bytes fetched again to tell a real U+FFFD from a lossy decode. Works on the raw
 * result row in place (key columns first, then the values), its key already exact (exactKey).
 */
function checkUtf8(p: Pager, plan: TablePlan, raw: unknown[]): number {
  const n = plan.sourceColumns.length;
  // The row's TEXT and BLOB size (UTF-16 code units for TEXT, near enough), summed on the way: the pager sizes pages by
  // it.
  let size = 0;
  for (let i = 0; i < n; i++) {
    const v = raw[p.keyWidth + i];
    if (v instanceof Uint8Array) size += v.byteLength;
    if (typeof v !== 'string') continue;
    size += v.length;
    if (!v.includes('\uFFFD')) continue;
    const bytes = p.refetch(plan.sourceColumns[i].name, raw.slice(0, p.keyWidth));
    if (!bytes) continue;
    try {
      utf8.decode(bytes);
    } catch {
      raw[p.keyWidth + i] = new InvalidUtf8Text(bytes);
    }
  }
  return size;
}

/** Key columns at the start of each raw row: 1 for the rowid, else the WITHOUT ROWID table's primary key. */
export function rawKeyWidth(plan: Pick<TablePlan, 'hasRowid' | 'sourceKey'>): number {
  return plan.hasRowid ? 1 : plan.sourceKey.length;
}

/** The SourceRow of one raw result row (key columns first). */
function toSourceRow(plan: TablePlan, width: number, raw: unknown[]): SourceRow {
  return { key: rawRowKey(plan, raw), values: raw.slice(width) as SqliteValue[] };
}

/**
 * Rows per page for the bulk passes (the load's feed, verify's source side): small enough that each
 * page's values die young; rows of larger pages outlive a young-generation collection, and copying them
 * into the old generation becomes a large share of the source side's time.
 */
export const STREAM_PAGE_ROWS = 256;

/**
 * Bytes of TEXT and BLOB a page holds at most (beyond its first row): pages of 100 MB BLOBs hold one
 * row each, so memory follows the largest row, not the page size times it.
 */
export const PAGE_BYTES = 16 * 1024 * 1024;

/** How many of the next rows (their sizes, in key order) fit in PAGE_BYTES: at least one. */
function rowsThatFit(sizes: number[]): number {
  let total = 0;
  for (let i = 0; i < sizes.length; i++) {
    total += sizes[i];
    if (total > PAGE_BYTES) return Math.max(1, i);
  }
  return sizes.length;
}

/**
 * Yields the table's raw rows in pages of at most `pageSize`, in key order: each row holds the
 * {@link rawKeyWidth} key columns, then sourceColumns' and sourceExprs' values (non-UTF-8 TEXT already
 * marked). Synchronous and without a per-row object: the load's and verify's hot loops read this way.
 * A page holds at most PAGE_BYTES of values (or one row): the sizes of the rows ahead are read first
 * from their headers, for the first page and after a page that came near the limit.
 */
export function* readRawPages(
  db: Database.Database | null,
  plan: TablePlan,
  pageSize = 2000,
  range: RowidRange | null = null,
): Generator<SqliteValue[][]> {
  if (!db || !plan.sourceExists) return;
  const p = pager(db, plan, range);
  let rows = rowsThatFit(p.firstSizes.all(...p.firstArgs, pageSize) as number[]);
  let page = p.first.all(...p.firstArgs, rows) as unknown[][];
  let previous: unknown[] | null = null; // the row read before (its key exact)
  while (page.length > 0) {
    let bytes = 0;
    for (let i = 0; i < page.length; i++) {
      if (!plan.hasRowid) exactKey(p, page[i], previous);
      bytes += checkUtf8(p, plan, page[i]);
      previous = page[i];
    }
    yield page as SqliteValue[][];
    if (page.length < rows) return;
    const last = p.bindKey(previous!.slice(0, p.keyWidth));
    // Pages well under the limit grow back to pageSize; one near it has the next rows' sizes read.
    rows =
      bytes <= PAGE_BYTES / 2
        ? Math.min(pageSize, rows * 2)
        : rowsThatFit(p.nextSizes.all(...last, ...p.nextArgs, pageSize) as number[]);
    page = p.next.all(...last, ...p.nextArgs, rows) as unknown[][];
  }
}

/**
 * Yields the table's rows in pages of at most `pageSize`, in key order; with `range`, only the rows whose
 * rowid is within it (tables with a rowid only).
 */
export async function* readPages(
  db: Database.Database | null,
  plan: TablePlan,
  pageSize = 2000,
  range: RowidRange | null = null,
): AsyncGenerator<SourceRow[]> {
  const width = rawKeyWidth(plan);
  for (const page of readRawPages(db, plan, pageSize, range)) yield page.map((raw) => toSourceRow(plan, width, raw));
}

/**
 * The rows with these keys (as SourceRow.key gives them), in the order asked; a key no row has is left
 * out. Verify re-reads the few rows it reports this way.
 */
export function readRowsByKey(db: Database.Database | null, plan: TablePlan, keys: readonly string[]): SourceRow[] {
  if (!db || !plan.sourceExists || keys.length === 0) return [];
  const p = pager(db, plan);
  const out: SourceRow[] = [];
  for (const key of keys) {
    const args = identityValues(plan, key);
    if (args === null) continue; // not a key this table can have
    const raw = p.byKey.get(...p.bindKey(args)) as unknown[] | undefined;
    if (!raw) continue;
    // Found by its exact key: a key TEXT that is not UTF-8 is the bytes asked for.
    for (let i = 0; i < p.keyWidth; i++) if (args[i] instanceof InvalidUtf8Text && maybeLossy(raw[i])) raw[i] = args[i];
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
