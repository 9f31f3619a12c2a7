// The streaming pass's target side in COPY's binary format: integers, doubles and timestamps arrive as
// their bytes, so neither the server prints them nor the verifier parses them back, and a text field is
// hashed where it lies in the bytes PostgreSQL sent. The canonical form is the text format's, value for
// value (canonical-pg.ts): the digest of every row is the one the text path and narrowing make.
import { StringDecoder } from 'node:string_decoder';
import { BinaryCopyRows, NULL_FIELD, READ_APART, type LongFieldReader } from '../../pg/copy-binary-rows.js';
import type { TablePlan } from '../../model/table-plan.js';
import { qualified, quoteIdent } from '../../pg/quote.js';
import type { Logical } from '../canonical/canonical-source.js';
import { canonicalFromPg, jsonbOutputIsCanonical } from '../canonical/canonical-pg.js';
import { canonicalDouble } from '../canonical/canonical-number.js';
import { microsDigits, microsInto, US_PER_DAY } from '../canonical/canonical-time.js';
import { hexOfBytes, LONG_VALUE_UNITS, LongValueDigest } from '../canonical/long-value.js';
import { typedOut } from '../canonical/typed-value.js';
import { digestRowInto, spansWereAscii } from '../canonical/row-hash.js';
import { keyIndexes, planKinds, targetKeyOf } from './source-side.js';
import type { SideTally } from './side-tally.js';

/** How a column's binary field is read. */
const enum Field {
  Int2,
  Int4,
  Int8,
  Float8,
  Bool,
  Timestamp,
  /** text and json: their UTF-8 bytes. */
  Text,
  /** jsonb: a version byte, then its text. */
  Jsonb,
  Bytea,
  /** float4, numeric and date: sent as their text output (the SELECT casts them), read by their text rule. */
  AsText,
}

const FIELD_OF: Record<Logical, Field> = {
  int2: Field.Int2,
  int4: Field.Int4,
  int8: Field.Int8,
  float8: Field.Float8,
  boolean: Field.Bool,
  timestamp: Field.Timestamp,
  timestamptz: Field.Timestamp,
  text: Field.Text,
  json: Field.Text,
  jsonb: Field.Jsonb,
  bytea: Field.Bytea,
  float4: Field.AsText,
  numeric: Field.AsText,
  date: Field.AsText,
};

/** The bytes a fixed-width field has (int8send, float8send, …); others vary. */
const WIDTH: Partial<Record<Field, number>> = {
  [Field.Int2]: 2,
  [Field.Int4]: 4,
  [Field.Int8]: 8,
  [Field.Float8]: 8,
  [Field.Bool]: 1,
  [Field.Timestamp]: 8,
};

/**
 * `COPY (SELECT <the plan's columns> FROM <table>) TO STDOUT (FORMAT binary)`, float4, numeric and date
 * cast to text: the server's output function of each, the very text the text format holds (the cast of
 * these three is their output function; boolean's, which prints `true`, is not used).
 */
export function binaryCopyOutSql(plan: TablePlan): string {
  const cols = plan.columns.map((c) =>
    FIELD_OF[c.logical] === Field.AsText ? `${quoteIdent(c.name)}::text` : quoteIdent(c.name),
  );
  return `COPY (SELECT ${cols.join(', ')} FROM ${qualified(plan.target.schema, plan.target.table)}) TO STDOUT (FORMAT binary)`;
}

const TWO_32 = 0x1_0000_0000;
/** Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch. */
const PG_EPOCH_MICROS = 946_684_800_000_000;

/** A long text or json field's stand-in, from its UTF-8 bytes in pieces. */
function longTextReader(): LongFieldReader {
  const d = new LongValueDigest();
  const decoder = new StringDecoder('utf8');
  return {
    feed: (b, start, end) => d.units(decoder.write(b.subarray(start, end))),
    end: () => {
      d.units(decoder.end());
      return d.standIn();
    },
  };
}

/** A long bytea's stand-in, from its bytes in pieces (the hex of each, as hexOfBytes makes it). */
function longByteaReader(): LongFieldReader {
  const d = new LongValueDigest();
  return {
    feed: (b, start, end) => d.hexOf(b, start, end),
    end: () => d.standIn(),
  };
}

/**
 * Fields read apart, in pieces: those surely long in canonical form — a text of 3 bytes per code unit at
 * most, so from 3 × LONG_VALUE_UNITS bytes; a bytea's hex from LONG_VALUE_UNITS / 2 bytes. Others are
 * gathered whole, as the text path gathers them.
 */
function longFieldHook(fields: readonly Field[]) {
  return (column: number, length: number): LongFieldReader | null => {
    const f = fields[column];
    if (f === Field.Text && length >= 3 * LONG_VALUE_UNITS) return longTextReader();
    if (f === Field.Bytea && 2 * length >= LONG_VALUE_UNITS) return longByteaReader();
    return null;
  };
}

/** Reads a table's binary COPY output into a SideTally: push() each chunk, then end(). */
export interface TargetChunks {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** The streaming pass's binary target side for one table, its rows added to `tally` (never a --grace tally). */
export function binaryTargetTally(plan: TablePlan, tally: SideTally): TargetChunks {
  const fields = plan.columns.map((c) => FIELD_OF[c.logical]);
  const width = fields.map((f) => WIDTH[f] ?? 0);
  const logical = plan.columns.map((c) => c.logical);
  const n = fields.length;
  const kinds = planKinds(plan);
  const keyIdx = keyIndexes(plan);
  const isKey = plan.columns.map((_, i) => keyIdx.includes(i));
  // Key columns keep their text: the row's key is made from it; others may be hashed by type.
  const typed = plan.columns.map((_, i) => kinds !== null && kinds[i] !== 0 && !isKey[i]);
  const values: (string | null | undefined)[] = new Array(n);
  /** A text-like field's canonical form, decoded from its UTF-8 bytes b[s, e). */
  const textField = (b: Buffer, s: number, e: number, i: number): string | null =>
    canonicalFromPg(logical[i], b.toString('utf8', s, e));
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const nums = new Float64Array(n);
  // The bytes rows were last read from, as a latin1 string (one character per byte): ASCII fields are
  // hashed in place there. Made once per chunk, and for each row that was split between chunks.
  let textBytes: Buffer | null = null;
  let text = '';
  const textOf = (b: Buffer): string => {
    if (b !== textBytes) {
      textBytes = b;
      text = b.toString('latin1');
    }
    return text;
  };

  const rows = new BinaryCopyRows(
    n,
    (b, at, lengths, apart) => {
      let inPlace = false;
      for (let i = 0; i < n; i++) {
        const len = lengths[i];
        if (len === NULL_FIELD) {
          values[i] = null;
          continue;
        }
        if (len === READ_APART) {
          values[i] = apart[i];
          continue;
        }
        if (width[i] !== 0 && len !== width[i]) {
          // Not the plan's type (a column altered since): a value no source value equals, as the text
          // format's unreadable ones; the structure check names the column's type.
          values[i] = `!unreadable: a binary field of ${len} bytes for ${logical[i]}`;
          continue;
        }
        const s = at[i];
        const e = s + len;
        switch (fields[i]) {
          case Field.Int2:
          case Field.Int4: {
            const v =
              len === 2
                ? ((b[s] << 24) | (b[s + 1] << 16)) >> 16
                : (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
            if (typed[i]) {
              values[i] = undefined;
              nums[i] = v;
            } else values[i] = String(v);
            break;
          }
          case Field.Int8: {
            const v = ((b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) * TWO_32 + b.readUInt32BE(s + 4);
            if (!Number.isSafeInteger(v)) values[i] = b.readBigInt64BE(s).toString();
            else if (typed[i]) {
              values[i] = undefined;
              nums[i] = v;
            } else values[i] = String(v);
            break;
          }
          case Field.Float8: {
            const x = b.readDoubleBE(s);
            if (x - x !== 0) values[i] = x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
            else if (typed[i]) {
              values[i] = undefined;
              nums[i] = x;
            } else values[i] = canonicalDouble(x);
            break;
          }
          case Field.Bool:
            values[i] = b[s] !== 0 ? 't' : 'f';
            break;
          case Field.Timestamp:
            values[i] = timestampField(b, s, typed[i]);
            if (values[i] === undefined) nums[i] = typedOut[0];
            break;
          case Field.Text:
            // Hashed where it lies, as latin1; should it not be ASCII, the digest tells and it is decoded.
            if (len < LONG_VALUE_UNITS && !isKey[i]) {
              inPlace = true;
              starts[i] = s;
              ends[i] = e;
              values[i] = undefined;
            } else values[i] = textField(b, s, e, i);
            break;
          case Field.Jsonb: {
            if (b[s] !== 1) {
              values[i] = `!unreadable: jsonb binary version ${b[s]}`;
              break;
            }
            // jsonb_out's punctuation is ASCII, and UTF-8 beyond ASCII has no byte below 0x80: the test
            // reads the latin1 text as well as the decoded one.
            if (len - 1 < LONG_VALUE_UNITS && !isKey[i] && jsonbOutputIsCanonical(textOf(b), s + 1, e)) {
              inPlace = true;
              starts[i] = s + 1;
              ends[i] = e;
              values[i] = undefined;
            } else values[i] = textField(b, s + 1, e, i);
            break;
          }
          case Field.Bytea:
            values[i] = hexOfBytes(b.subarray(s, e));
            break;
          default:
            values[i] = canonicalFromPg(logical[i], b.toString('utf8', s, e));
        }
      }
      digestRowInto(values, false, inPlace ? textOf(b) : '', starts, ends, kinds, nums);
      if (inPlace && !spansWereAscii()) {
        // UTF-8 beyond ASCII in a field hashed as latin1: its fields read as text this time.
        for (let i = 0; i < n; i++)
          if (values[i] === undefined && !typed[i]) values[i] = textField(b, starts[i], ends[i], i);
        digestRowInto(values, false, '', starts, ends, kinds, nums);
      }
      tally.addDigested(keyIdx.length === 0 ? null : targetKeyOf(values as (string | null)[], keyIdx));
    },
    longFieldHook(fields),
  );
  return {
    push(c) {
      rows.push(Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      textBytes = null; // a chunk's buffer may be read into again
      text = '';
    },
    end: () => rows.end(),
  };
}

/**
 * A timestamp field (microseconds since 2000 as a signed 64-bit integer; ±infinity at its ends): undefined
 * with its microseconds since 1970 in typedOut[0] when `typed` and they are exact, else its canonical text.
 */
function timestampField(b: Buffer, s: number, typed: boolean): string | undefined {
  const hi = (b[s] << 24) | (b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3];
  const lo = b.readUInt32BE(s + 4);
  if (hi === 0x7fffffff && lo === 0xffffffff) return 'infinity';
  if (hi === -0x80000000 && lo === 0) return '-infinity';
  // Within ±2^51 µs of 2000 (±71 years) the sum below is exact; further out BigInt counts.
  if (hi >= -0x80000 && hi < 0x80000) {
    const micros = hi * TWO_32 + lo + PG_EPOCH_MICROS;
    const days = Math.floor(micros / US_PER_DAY);
    const within = micros - days * US_PER_DAY;
    if (typed && microsInto(days, within)) return undefined;
    return microsDigits(days, within);
  }
  const micros = b.readBigInt64BE(s) + BigInt(PG_EPOCH_MICROS);
  const perDay = BigInt(US_PER_DAY);
  const days = micros >= 0n ? micros / perDay : -((-micros + perDay - 1n) / perDay);
  const d = Number(days);
  const within = Number(micros - days * perDay);
  if (typed && microsInto(d, within)) return undefined;
  return microsDigits(d, within);
}
