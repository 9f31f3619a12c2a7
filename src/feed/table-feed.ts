// One table's rows on their way to COPY, without PostgreSQL: extract → convert → key checks → COPY text,
// in batches of encoded bytes with the batch's rejects and recorded changes. It runs in the worker thread
// that holds the source file's snapshot (src/worker/), or on the main thread when there is none.
import type Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { TablePlan } from '../model/table-plan.js';
import { rawKeyWidth, readRawPages, STREAM_PAGE_ROWS } from '../extract/read-rows.js';
import { rawRowKey } from '../extract/row-identity.js';
import { makeRowConverter, type ValueChange } from '../transform/convert-row.js';
import { copyRowEncoder, encodeCopyRow } from './copy-encode.js';
import { BinaryRows } from './copy-binary.js';
import { batchBytes } from './batch-memory.js';
import type { Field } from '../transform/field.js';
import type { LogicalType } from '../model/logical-type.js';
import { losslessRowJson, losslessValueJson } from '../transform/lossless-json.js';
import type { SqliteValue } from '../model/sqlite-value.js';
import { KeyGuard, type ParentKeys } from './key-guard.js';
import { selfReferenceOrphans } from './self-reference.js';

/** What a feed needs besides the plan and the file: plain data, so that it can be sent to a worker. */
export interface FeedSetup {
  runId: string;
  /** Column defaults evaluated once per run, for the `default` policy. */
  defaults: ReadonlyMap<string, string | null>;
  /** Keys of the referenced tables, read in the load's transaction. */
  parents: ParentKeys;
  /** The COPY format load-table.ts chose for the table (tableCopyFormat). */
  format: 'binary' | 'text';
}

/** A rejected row, with its whole source row as lossless JSON. */
export interface FeedReject {
  key: string;
  column: string | null;
  code: string;
  reason: string;
  row: string;
}

/** A run of rows: their COPY text, and what happened to the rows that are not in it. */
export interface FeedBatch {
  /** Rows in the COPY format of FeedSetup (binary tuples without header and trailer, or text lines in UTF-8). */
  data: Uint8Array;
  /** Source rows read for this batch. */
  seen: number;
  loaded: number;
  rejects: FeedReject[];
  /** Lines for COPY into sqlite2pg.changes. */
  changes: string[];
  /** CPU spent reading the source, and converting, checking and encoding, in ms. */
  extractMs: number;
  transformMs: number;
}

/** Bytes gathered before a batch is handed on: tens of KB per write keeps syscalls and messages few. */
const CHUNK_BYTES = 64 * 1024;

/** The sqlite2pg.changes line of one value a policy changed. */
function changeLine(runId: string, plan: TablePlan, key: string, c: ValueChange): string {
  return encodeCopyRow([
    runId,
    plan.source.file,
    plan.source.table,
    key,
    plan.targetName,
    c.column,
    c.policy,
    c.code,
    c.reason,
    losslessValueJson(c.original),
    c.written,
  ]);
}

/** Encoded rows gathered for the next batch. */
interface RowBytes {
  add(fields: readonly Field[]): void;
  /** Bytes gathered (for text: UTF-16 code units, near enough). */
  readonly length: number;
  take(): Uint8Array;
}

/** A BLOB from this size on goes to text COPY as bytes turned into hex in the batch itself, not as a row string. */
const LARGE_BLOB_BYTES = 1024 * 1024;
/** Bytes turned into hex at a time: 64 KB strings, which stay in the young generation. */
const HEX_PIECE_BYTES = 32 * 1024;

/** COPY text rows. Row strings joined once per batch: appending each to one growing string builds a rope
 * that the conversion to bytes must flatten again. */
function textBatches(logical: readonly LogicalType[]): RowBytes {
  const encode = copyRowEncoder(logical);
  const encodeOne = logical.map((l) => copyRowEncoder([l]));
  /** Row strings; a large BLOB stays bytes here, written as hex straight into the batch. */
  let rows: (string | Uint8Array)[] = [];
  let large = false;
  let length = 0;
  const field = (fields: readonly Field[], i: number) => encodeOne[i]([fields[i]]).slice(0, -1);
  // Only a bytea column's field can be bytes: the others are looked at once, here, not for every row.
  const byteaAt = logical.flatMap((l, i) => (l === 'bytea' ? [i] : []));
  const largeBlobAt = (fields: readonly Field[]): number => {
    for (const i of byteaAt) {
      const f = fields[i];
      if (f instanceof Uint8Array && f.byteLength >= LARGE_BLOB_BYTES) return i;
    }
    return -1;
  };
  return {
    add(fields) {
      const at = byteaAt.length === 0 ? -1 : largeBlobAt(fields);
      if (at < 0) {
        const line = encode(fields);
        rows.push(line);
        length += line.length;
        return;
      }
      // The fields around the BLOB, encoded one by one; the BLOB's `\\x` and hex are written in take().
      const before = fields
        .slice(0, at)
        .map((_, i) => `${field(fields, i)}\t`)
        .join('');
      const after = fields
        .slice(at + 1)
        .map((_, i) => `\t${field(fields, at + 1 + i)}`)
        .join('');
      const bytes = fields[at] as Uint8Array;
      rows.push(before, bytes, `${after}\n`);
      length += before.length + 3 + bytes.byteLength * 2 + after.length + 1;
      large = true;
    },
    get length() {
      return length;
    },
    take() {
      let data: Uint8Array;
      if (!large) {
        const text = (rows as string[]).join('');
        data = batchBytes(Buffer.byteLength(text, 'utf8'));
        Buffer.from(data.buffer, 0, data.byteLength).write(text, 'utf8');
      } else {
        data = batchBytes(
          rows.reduce<number>(
            (n, r) => n + (typeof r === 'string' ? Buffer.byteLength(r, 'utf8') : 3 + r.byteLength * 2),
            0,
          ),
        );
        const out = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        let at = 0;
        for (const r of rows) {
          if (typeof r === 'string') {
            at += out.write(r, at, 'utf8');
            continue;
          }
          at += out.write('\\\\x', at, 'latin1');
          const bytes = Buffer.from(r.buffer, r.byteOffset, r.byteLength);
          for (let i = 0; i < bytes.length; i += HEX_PIECE_BYTES)
            at += out.write(bytes.toString('hex', i, Math.min(i + HEX_PIECE_BYTES, bytes.length)), at, 'latin1');
        }
      }
      rows = [];
      large = false;
      length = 0;
      return data;
    },
  };
}

/** COPY binary tuples, written straight into bytes. */
function binaryBatches(logical: readonly LogicalType[]): RowBytes {
  const rows = new BinaryRows(logical, CHUNK_BYTES);
  return {
    add: (fields) => rows.row(fields),
    get length() {
      return rows.length;
    },
    take: () => rows.take(),
  };
}

/**
 * The table's rows as COPY batches in the format of `setup.format`, in source key order. Rows that cannot
 * be written (conversion, a key already loaded, a parent missing, a self-reference to nothing) are left
 * out and reported in the batch, with the whole source row.
 */
export function* tableFeed(
  db: Database.Database | null,
  plan: TablePlan,
  setup: FeedSetup,
  /** Told each page of raw source values as read, before any conversion (the worker proves the load with it). */
  onRawPage?: (page: readonly (readonly SqliteValue[])[]) => void,
): Generator<FeedBatch> {
  const width = rawKeyWidth(plan);
  const convert = makeRowConverter(plan, setup.defaults, width);
  const logical = plan.columns.map((c) => c.logical);
  const rows = setup.format === 'binary' ? binaryBatches(logical) : textBatches(logical);
  const guard = KeyGuard.fromKeys(plan, setup.parents, db);
  // Rows whose self-reference points at no row of this table: rejected before they reach COPY.
  const orphans = selfReferenceOrphans(db, plan, convert, setup.parents);
  const sourceNames = plan.sourceColumns.map((c) => c.name);
  const rejected = (
    raw: SqliteValue[],
    key: string,
    column: string | null,
    code: string,
    reason: string,
  ): FeedReject => ({
    key,
    column,
    code,
    reason,
    row: losslessRowJson(sourceNames, raw.slice(width, width + sourceNames.length)),
  });
  const fresh = (): FeedBatch => ({
    data: new Uint8Array(0),
    seen: 0,
    loaded: 0,
    rejects: [],
    changes: [],
    extractMs: 0,
    transformMs: 0,
  });
  let batch = fresh();
  const take = (): FeedBatch => {
    const out = batch;
    out.data = rows.take();
    batch = fresh();
    return out;
  };
  let full: FeedBatch[] = [];
  let counted = 0;
  let t = performance.now();
  for (const page of readRawPages(db, plan, STREAM_PAGE_ROWS)) {
    batch.extractMs += performance.now() - t;
    onRawPage?.(page);
    const t1 = performance.now();
    counted = 0;
    for (let r = 0; r < page.length; r++) {
      const raw = page[r];
      const out = convert(raw);
      if (!out.ok) {
        batch.rejects.push(rejected(raw, rawRowKey(plan, raw), out.column, out.code, out.reason));
        continue;
      }
      const violation =
        (orphans.size > 0 ? orphans.get(rawRowKey(plan, raw)) : undefined) ??
        (guard.active ? guard.check(out.fields) : null);
      if (violation) {
        batch.rejects.push(rejected(raw, rawRowKey(plan, raw), violation.column, violation.code, violation.reason));
        continue;
      }
      if (out.changes) {
        const key = rawRowKey(plan, raw);
        for (const c of out.changes) batch.changes.push(changeLine(setup.runId, plan, key, c));
      }
      rows.add(out.fields);
      batch.loaded++;
      if (rows.length >= CHUNK_BYTES) {
        batch.seen += r + 1 - counted;
        counted = r + 1;
        full.push(take());
      }
    }
    batch.seen += page.length - counted;
    counted = 0;
    t = performance.now();
    batch.transformMs += t - t1;
    // Batches stay under 128 KB, so their strings live and die in the young generation (a larger string
    // goes to the large-object space, which only a full collection frees, so the RSS would grow with the table).
    for (const b of full) yield b;
    full = [];
  }
  if (batch.seen > 0 || rows.length > 0) yield take();
}
