// Encodes converted rows in COPY's binary format, the form load streams into PostgreSQL when every column
// of the table has one here: the server then parses no number or timestamp text (the larger part of its
// COPY CPU), and integers and doubles go from SQLite to the wire without ever becoming text.
// https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
import { batchBytes } from './batch-memory.js';
import type { TablePlan } from '../model/table-plan.js';
import type { LogicalType } from '../model/logical-type.js';
import type { Field } from '../transform/field.js';
import { daysFromCivil } from '../transform/calendar.js';

/** "PGCOPY\n\377\r\n\0", flags 0, no header extension. */
export const BINARY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
/** A field count of -1 ends the data. */
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const TWO_32 = 4294967296;
/** Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for timestamps and dates. */
const PG_EPOCH_SECONDS = 946684800;
const PG_EPOCH_DAYS = 10957;

/** Writes one field's bytes (length word included) at `at` in `w`, which has room for `maxBytes(field)`. */
type FieldWriter = (w: BinaryRows, field: Exclude<Field, null>) => void;

interface BinaryType {
  /**
   * Whether a text field of this type (the converters' output, or a column default PostgreSQL printed) has a binary
   * form here.
   */
  accepts(text: string): boolean;
  write: FieldWriter;
}

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f{1,6}]`, with `+00` for timestamptz: the converters' forms (timestamp.ts). */
const DATE_FORM = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_FORM = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const TIMESTAMPTZ_FORM = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00$/;
const INTEGER_FORM = /^-?\d+$/;
const BYTEA_FORM = /^\\x(?:[0-9a-fA-F]{2})*$/;

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
};

/** Microseconds since 2000-01-01 of a timestamp in the converters' form (the `+00` of timestamptz ignored). */
function timestampMicros(s: string): number | bigint {
  const days = daysFromCivil(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10));
  const seconds =
    (days - PG_EPOCH_DAYS) * 86400 + digits(s, 11, 13) * 3600 + digits(s, 14, 16) * 60 + digits(s, 17, 19);
  let micros = 0;
  if (s.charCodeAt(19) === 46 /* . */) {
    let end = 20;
    while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
    micros = digits(s, 20, end) * 10 ** (6 - (end - 20));
  }
  // Within ±9e9 s of 2000 (years 1715–2285) the count of microseconds is an exact double; beyond, a bigint.
  return Math.abs(seconds) < 9e9 ? seconds * 1e6 + micros : BigInt(seconds) * 1000000n + BigInt(micros);
}

const int8Writer: FieldWriter = (w, f) => w.int64(typeof f === 'string' ? BigInt(f) : (f as bigint | number));

const BINARY_TYPES: Partial<Record<LogicalType, BinaryType>> = {
  int2: { accepts: (t) => INTEGER_FORM.test(t), write: (w, f) => w.fixed(2).writeInt16BE(Number(f), w.at - 2) },
  int4: { accepts: (t) => INTEGER_FORM.test(t), write: (w, f) => w.fixed(4).writeInt32BE(Number(f), w.at - 4) },
  int8: { accepts: (t) => INTEGER_FORM.test(t), write: int8Writer },
  // Text from the converters is the double's shortest exact spelling (or NaN/Infinity/-Infinity): Number() reads it
  // back exactly.
  float8: {
    accepts: (t) => t === 'NaN' || !Number.isNaN(Number(t)),
    write: (w, f) => w.fixed(8).writeDoubleBE(Number(f), w.at - 8),
  },
  boolean: {
    accepts: (t) => t === 'true' || t === 'false',
    write: (w, f) => {
      w.fixed(1)[w.at - 1] = f === 'true' ? 1 : 0;
    },
  },
  timestamp: { accepts: (t) => TIMESTAMP_FORM.test(t), write: (w, f) => w.int64(timestampMicros(f as string)) },
  timestamptz: { accepts: (t) => TIMESTAMPTZ_FORM.test(t), write: (w, f) => w.int64(timestampMicros(f as string)) },
  date: {
    accepts: (t) => DATE_FORM.test(t),
    write: (w, f) => {
      const s = f as string;
      w.fixed(4).writeInt32BE(
        daysFromCivil(digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10)) - PG_EPOCH_DAYS,
        w.at - 4,
      );
    },
  },
  text: { accepts: () => true, write: (w, f) => w.text(f as string, 0) },
  json: { accepts: () => true, write: (w, f) => w.text(f as string, 0) },
  // jsonb's binary form: a version byte (1), then the JSON text.
  jsonb: { accepts: () => true, write: (w, f) => w.text(f as string, 1) },
  bytea: {
    accepts: (t) => BYTEA_FORM.test(t),
    write: (w, f) => w.bytes(f instanceof Uint8Array ? f : Buffer.from((f as string).slice(2), 'hex')),
  },
};

/**
 * Whether a table goes to COPY in binary: every column's type has a binary form here (not yet numeric
 * and real, whose tables stay in text format) and every default a `default` policy may write is in the
 * form the binary writer reads. Decided from the plan alone, so the feed and the COPY statement agree.
 */
export function binaryCopyPossible(
  logical: readonly LogicalType[],
  defaults: readonly (string | null)[] = [],
): boolean {
  if (!logical.every((l) => BINARY_TYPES[l] !== undefined)) return false;
  return defaults.every((d, i) => d === null || BINARY_TYPES[logical[i]]!.accepts(d));
}

/** binaryCopyPossible for a table, with the defaults evaluated for its `default` policies. */
export function tableCopyFormat(
  plan: TablePlan,
  defaults: ReadonlyMap<string, string | null>,
  choice: 'auto' | 'text',
): 'binary' | 'text' {
  if (choice === 'text') return 'text';
  const logical = plan.columns.map((c) => c.logical);
  return binaryCopyPossible(
    logical,
    plan.columns.map((c) => defaults.get(c.name) ?? null),
  )
    ? 'binary'
    : 'text';
}

/** Rows in COPY binary format written into one buffer, handed on in chunks by {@link take}. */
export class BinaryRows {
  private buf: Buffer;
  at = 0;
  private readonly writers: FieldWriter[];

  constructor(
    logical: readonly LogicalType[],
    private readonly chunkBytes: number,
  ) {
    this.writers = logical.map((l) => {
      const t = BINARY_TYPES[l];
      if (!t) throw new Error(`COPY binary: no binary form for ${l} (binaryCopyPossible decides this first)`);
      return t.write;
    });
    this.buf = Buffer.allocUnsafe(chunkBytes * 2);
  }

  get length(): number {
    return this.at;
  }

  /**
   * Makes room for `n` more bytes. A grown buffer is batch memory: take() hands it on as it is, so a row
   * larger than a chunk (a 100 MB BLOB) is copied once into it, not again into a batch.
   */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bytes = batchBytes(Math.max(this.buf.length * 2, this.at + n));
    const grown = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  /** Reserves a length word and `n` bytes after it, returns the buffer; the value goes at `at - n`. */
  fixed(n: number): Buffer {
    this.room(4 + n);
    this.buf.writeInt32BE(n, this.at);
    this.at += 4 + n;
    return this.buf;
  }

  /** An int8 field from a bigint or an exact integer double. */
  int64(v: bigint | number): void {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (Number.isSafeInteger(n)) {
      // Two 32-bit halves: no BigInt arithmetic for the common case.
      const hi = Math.floor(n / TWO_32);
      const b = this.fixed(8);
      b.writeInt32BE(hi, this.at - 8);
      b.writeUInt32BE(n - hi * TWO_32, this.at - 4);
    } else {
      this.fixed(8).writeBigInt64BE(BigInt(v), this.at - 8);
    }
  }

  /** A text field as UTF-8, after `prefix` version bytes (jsonb's 1). */
  text(s: string, prefix: number): void {
    this.room(4 + prefix + s.length * 3);
    const start = this.at + 4 + prefix;
    let n = 0;
    // Short ASCII texts byte by byte: cheaper than a call into the encoder for each.
    if (s.length <= 24) {
      const b = this.buf;
      for (; n < s.length; n++) {
        const c = s.charCodeAt(n);
        if (c >= 0x80) break;
        b[start + n] = c;
      }
    }
    if (n < s.length) n = this.buf.write(s, start, 'utf8');
    if (prefix === 1) this.buf[this.at + 4] = 1;
    this.buf.writeInt32BE(n + prefix, this.at);
    this.at = start + n;
  }

  /** A bytea field. */
  bytes(b: Uint8Array): void {
    this.room(4 + b.length);
    this.buf.writeInt32BE(b.length, this.at);
    this.buf.set(b, this.at + 4);
    this.at += 4 + b.length;
  }

  /** One tuple: the field count, then each field (-1 as its length for NULL). */
  row(fields: readonly Field[]): void {
    this.room(2);
    this.buf.writeInt16BE(fields.length, this.at);
    this.at += 2;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f === null) {
        this.room(4);
        this.buf.writeInt32BE(-1, this.at);
        this.at += 4;
      } else {
        this.writers[i](this, f);
      }
    }
  }

  /** The bytes written so far, in a batch buffer of their own (it is handed to another thread), and a fresh start. */
  take(): Uint8Array {
    if (this.buf.length > this.chunkBytes * 2) {
      // A grown buffer (batch memory, see room()) goes as it is; the next rows start in a fresh one.
      const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.at);
      this.buf = Buffer.allocUnsafe(this.chunkBytes * 2);
      this.at = 0;
      return out;
    }
    const out = batchBytes(this.at);
    out.set(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }
}
