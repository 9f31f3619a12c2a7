// The SQLite side of verification: each source row's expected target values in the verifier's own
// canonical form, straight from the source values (never from what the loader sent), a page at a time.
import type Database from 'better-sqlite3';
import type { TablePlan } from '../../model/table-plan.js';
import {
  rawKeyWidth,
  readPages,
  readRawPages,
  readRowsByKey,
  STREAM_PAGE_ROWS,
  type RowidRange,
  type SourceRow,
} from '../../extract/read-rows.js';
import { rawRowKey } from '../../extract/row-identity.js';
import type { SqliteValue } from '../../model/sqlite-value.js';
import { Refused, sourceTypedReader, sourceValueReader } from '../canonical/canonical-source.js';
import { canonicalFromPg } from '../canonical/canonical-pg.js';
import { digestRow } from '../canonical/row-hash.js';
import { digestKindsOf, typedOut, type DigestKinds } from '../canonical/typed-value.js';

/** One row in canonical form, from either side. */
export interface CanonicalRow {
  /**
   * Source identity (extract/row-identity.ts: the rowid, or the primary key as SQLite literals); null on the target
   * side.
   */
  sourceKey: string | null;
  /** The row's target primary key in canonical form (JSON for a composite key); null without a key or when NULL. */
  targetKey: string | null;
  values: (string | null)[];
  /** Per column: why the value could not be represented (the row should have been rejected), else null. */
  invalid: (string | null)[] | null;
  /** Target side, tables without a key: where the row is (`ctid (0,1)`), for a person to find it. */
  ctid?: string;
  /** How the digest hashes each column (typed-value.ts): the table's, on both sides. */
  kinds: DigestKinds;
  /** A value `undefined` in a typed column stands for nums[i] (the streaming pass's rows only). */
  nums?: Float64Array;
}

/** The DigestKinds of a table's columns. */
export function planKinds(plan: TablePlan): DigestKinds {
  return digestKindsOf(plan.columns.map((c) => c.logical));
}

/** What the ledger says about the load that put the table's rows there. */
export interface SourceSideOptions {
  /** Source keys the load rejected: expected to be absent from the target. */
  rejected: ReadonlySet<string>;
  /** Values a mapping policy changed on purpose: key → column → the value written. */
  changes: ReadonlyMap<string, ReadonlyMap<string, string | null>>;
}

/** What a scan reads: rowid ranges (when the target key is the rowid), and a test of each row's target key. */
export interface SourceFilter {
  rowidRanges: readonly RowidRange[] | null;
  /** Called with the target key before the row's other values are made canonical; false skips the row. */
  keep: ((targetKey: string | null) => boolean) | null;
}

/** Rows read, and how many of them the load's rejects account for. */
export interface SourceCounts {
  rows: number;
  rejected: number;
}

function constantAsSource(v: string | number | boolean | null): SqliteValue {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** Index of each primary-key column among the plan's columns. */
export function keyIndexes(plan: TablePlan): number[] {
  return plan.primaryKey.map((k) => plan.columns.findIndex((c) => c.name === k));
}

/** The canonical target key of a row: the value itself for one column (null when NULL), JSON for several. */
export function targetKeyOf(values: readonly (string | null)[], keyIdx: readonly number[]): string | null {
  if (keyIdx.length === 0) return null;
  return keyIdx.length === 1 ? values[keyIdx[0]] : JSON.stringify(keyIdx.map((i) => values[i]));
}

/** The row's digest; a row holding a value that cannot be represented hashes with a marker, so it never matches. */
export function canonicalDigest(row: CanonicalRow): string {
  return digestRow(row.values, row.invalid !== null, row.kinds);
}

/** Gives the event loop a turn, so a target stream read at the same time keeps flowing. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Fills a row's canonical values from its source values (`src[offset + extractIndex]`), column by column;
 * built once per scan. Each call fills values[i] and returns the row's invalid-reasons array (made on the
 * first value that cannot be represented). With `nums`, a column the digest hashes by type (not a key
 * column) gets undefined and its number in nums[i] where it has one (digestRowInto).
 */
export function canonicalFiller(plan: TablePlan, opts: SourceSideOptions, nums: Float64Array | null = null) {
  const n = plan.columns.length;
  const kinds = nums === null ? null : planKinds(plan);
  const keyIdx = keyIndexes(plan);
  const readers: ((value: SqliteValue) => string | null | Refused | undefined)[] = plan.columns.map((c, i) =>
    kinds !== null && kinds[i] !== 0 && !keyIdx.includes(i) ? sourceTypedReader(c, kinds[i]) : sourceValueReader(c),
  );
  const at = plan.columns.map((c) => c.extractIndex);
  // A constant's canonical form is the same for every row: made once, as text (the digest reads its number).
  const consts = plan.columns.map((c) =>
    c.source.kind === 'const' ? sourceValueReader(c)(constantAsSource(c.source.value)) : undefined,
  );
  return function fill(
    i: number,
    src: readonly SqliteValue[],
    offset: number,
    changed: ReadonlyMap<string, string | null> | undefined,
    values: (string | null)[],
    invalid: (string | null)[] | null,
  ): (string | null)[] | null {
    const col = plan.columns[i];
    if (changed !== undefined && changed.has(col.name)) {
      values[i] = canonicalFromPg(col.logical, changed.get(col.name)!);
      return invalid;
    }
    const k = consts[i];
    const c = k !== undefined ? k : readers[i](src[offset + at[i]]);
    if (c === undefined) {
      values[i] = undefined as unknown as null; // its number is in nums[i] (digestRowInto)
      nums![i] = typedOut[0];
      return invalid;
    }
    if (!(c instanceof Refused)) {
      values[i] = c;
      return invalid;
    }
    values[i] = null;
    invalid ??= new Array<string | null>(n).fill(null);
    invalid[i] = c.reason;
    return invalid;
  };
}

/** Turns source rows of one table into canonical rows; built once per scan. */
export function sourceRowReader(plan: TablePlan, opts: SourceSideOptions) {
  const keyIdx = keyIndexes(plan);
  const n = plan.columns.length;
  const fill = canonicalFiller(plan, opts);
  const changes = opts.changes.size > 0 ? opts.changes : null;
  const isKey = plan.columns.map((_, i) => keyIdx.includes(i));
  const kinds = planKinds(plan);

  /** The canonical row, or null when it is skipped (rejected, or `keep` says no). */
  return function read(row: SourceRow, keep: SourceFilter['keep'], counts: SourceCounts | null): CanonicalRow | null {
    if (counts) counts.rows++;
    if (opts.rejected.has(row.key)) {
      if (counts) counts.rejected++;
      return null;
    }
    const changed = changes === null ? undefined : changes.get(row.key);
    const values: (string | null)[] = new Array(n);
    let invalid: (string | null)[] | null = null;
    if (keep) {
      for (const i of keyIdx) invalid = fill(i, row.values, 0, changed, values, invalid);
      if (!keep(targetKeyOf(values, keyIdx))) return null;
      for (let i = 0; i < n; i++) if (!isKey[i]) invalid = fill(i, row.values, 0, changed, values, invalid);
    } else {
      for (let i = 0; i < n; i++) invalid = fill(i, row.values, 0, changed, values, invalid);
    }
    return { sourceKey: row.key, targetKey: targetKeyOf(values, keyIdx), values, invalid, kinds };
  };
}

/**
 * Fills one shared row from raw source rows (`raw[width…]`), in canonical form, for a tally that keeps
 * neither the row nor its values. Unless `withText`, a column the digest hashes by type holds undefined
 * and its number in row.nums (no text made); --grace reads the text, so it asks `withText`.
 */
export function sharedRowFiller(plan: TablePlan, opts: SourceSideOptions, withText: boolean) {
  const keyIdx = keyIndexes(plan);
  const n = plan.columns.length;
  const kinds = planKinds(plan);
  const nums = withText || kinds === null ? null : new Float64Array(n);
  const fill = canonicalFiller(plan, opts, nums);
  const values: (string | null)[] = new Array(n);
  const row: CanonicalRow = { sourceKey: null, targetKey: null, values, invalid: null, kinds };
  if (nums !== null) row.nums = nums;
  return (raw: readonly SqliteValue[], width: number, changed: ReadonlyMap<string, string | null> | undefined) => {
    let invalid: (string | null)[] | null = null;
    for (let i = 0; i < n; i++) invalid = fill(i, raw, width, changed, values, invalid);
    row.targetKey = targetKeyOf(values, keyIdx);
    row.invalid = invalid;
    return row;
  };
}

/**
 * The streaming pass's source side: every row not rejected by the load, in canonical form, handed to
 * `tally`. Hot: rows are read raw, and one values array and one row object serve every row (a tally keeps
 * neither); the source key is only made when the load rejected or changed something in the table. The row
 * has no sourceKey here.
 */
export async function tallySourceRows(
  db: Database.Database | null,
  plan: TablePlan,
  opts: SourceSideOptions,
  counts: SourceCounts,
  tally: { readonly recent?: unknown; add(row: CanonicalRow): void },
  /** Told the rows read so far after each page (progress). */
  onRows?: (rows: number) => void,
): Promise<void> {
  const width = rawKeyWidth(plan);
  const fillRow = sharedRowFiller(plan, opts, Boolean(tally.recent));
  const changes = opts.changes.size > 0 ? opts.changes : null;
  const needKey = opts.rejected.size > 0 || changes !== null;
  for (const page of readRawPages(db, plan, STREAM_PAGE_ROWS)) {
    for (const raw of page) {
      counts.rows++;
      let changed: ReadonlyMap<string, string | null> | undefined;
      if (needKey) {
        const key = rawRowKey(plan, raw);
        if (opts.rejected.has(key)) {
          counts.rejected++;
          continue;
        }
        changed = changes?.get(key);
      }
      tally.add(fillRow(raw, width, changed));
    }
    onRows?.(counts.rows);
    await yieldToEventLoop();
  }
}

/**
 * Streams the source's canonical rows a page at a time, skipping rows the load rejected (and rows `filter`
 * leaves out); `counts` fills in as it goes, in small pages (STREAM_PAGE_ROWS).
 */
export async function* sourceRowPages(
  db: Database.Database | null,
  plan: TablePlan,
  opts: SourceSideOptions,
  counts: SourceCounts | null,
  filter: SourceFilter = { rowidRanges: null, keep: null },
  pageSize = STREAM_PAGE_ROWS,
): AsyncGenerator<CanonicalRow[]> {
  const read = sourceRowReader(plan, opts);
  const ranges = filter.rowidRanges ?? [null];
  for (const range of ranges) {
    for await (const page of readPages(db, plan, pageSize, range)) {
      const out: CanonicalRow[] = [];
      for (const row of page) {
        const r = read(row, filter.keep, counts);
        if (r) out.push(r);
      }
      yield out;
      await yieldToEventLoop();
    }
  }
}

/** The canonical rows with these source keys (absent keys left out; rejected rows count as absent). */
export function sourceRowsByKey(
  db: Database.Database | null,
  plan: TablePlan,
  opts: SourceSideOptions,
  keys: readonly string[],
): Map<string, CanonicalRow> {
  const read = sourceRowReader(plan, opts);
  const out = new Map<string, CanonicalRow>();
  for (const row of readRowsByKey(db, plan, keys)) {
    const r = read(row, null, null);
    if (r) out.set(row.key, r);
  }
  return out;
}
