// A source row's identity as text: its rowid, or its WITHOUT ROWID primary key written as SQLite literals,
// one per storage class, so that integer 1, real 1.0, text '1' and BLOB X'31' stay four identities. The
// load writes it to sqlite2pg.rejects/changes.source_rowid; verify matches rows against those records and
// reads rows back by it, so the encoding must be injective and reversible (docs/data-rules.md).
import type { TablePlan } from '../model/table-plan.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** SQLite's own spelling of an infinite REAL (what `quote(9e999)` prints). */
const INFINITY = '9.0e+999';

/**
 * A REAL as a literal that reads back as the same double and never as an INTEGER: the shortest round-trip
 * digits, with `.0` added when they would read as an integer; -0.0 keeps its sign.
 */
function realLiteral(v: number): string {
  if (v === Infinity) return INFINITY;
  if (v === -Infinity) return `-${INFINITY}`;
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v); // NaN never reaches here: SQLite stores NaN as NULL
  return /^-?[0-9]+$/.test(s) ? `${s}.0` : s;
}

/**
 * One value as a SQLite literal of its storage class: what SQLite's quote() writes for INTEGER, TEXT, BLOB
 * and NULL, so `WHERE quote(key) = …` finds the row in SQLite. TEXT holding a NUL (PostgreSQL's text, where the
 * identity is stored, cannot hold one) or bytes that are not UTF-8 is written as the cast of its bytes.
 */
export function valueLiteral(v: SqliteValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realLiteral(v);
  if (typeof v === 'string')
    return v.includes('\u0000') ? textBytesLiteral(Buffer.from(v, 'utf8')) : `'${v.replaceAll("'", "''")}'`;
  if (v instanceof InvalidUtf8Text) return textBytesLiteral(v.bytes);
  return hexLiteral(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
}

/** As SQLite's quote() writes a BLOB: `X'31AB'`. */
const hexLiteral = (bytes: Buffer) => `X'${bytes.toString('hex').toUpperCase()}'`;
const textBytesLiteral = (bytes: Buffer) => `CAST(${hexLiteral(bytes)} AS TEXT)`;

/** The identity of a key tuple: the one literal, or `(a, b)` for a composite key. */
export function keyIdentity(values: readonly SqliteValue[]): string {
  if (values.length === 1) return valueLiteral(values[0]);
  let s = '(';
  for (let i = 0; i < values.length; i++) s += (i > 0 ? ', ' : '') + valueLiteral(values[i]);
  return s + ')';
}

/**
 * A raw result row's identity (its key columns come first, see read-rows.ts rawKeyWidth): the rowid
 * (an integer, as it always was), or the WITHOUT ROWID table's primary key values. Built only when needed
 * (a reject, a recorded change, a row verify must tell from the rejected ones).
 */
export function rawRowKey(plan: Pick<TablePlan, 'hasRowid' | 'sourceKey'>, raw: readonly unknown[]): string {
  if (plan.hasRowid) return String(raw[0]);
  if (plan.sourceKey.length === 1) return valueLiteral(raw[0] as SqliteValue);
  return keyIdentity(raw.slice(0, plan.sourceKey.length) as SqliteValue[]);
}

const INTEGER = /^-?[0-9]+$/;
const REAL = /^-?(?:[0-9]+\.[0-9]+(?:e[+-]?[0-9]+)?|[0-9]+e[+-]?[0-9]+)$/; // 9.0e+999 included
const HEX = /^(?:[0-9A-F]{2})*$/;

/** Reads one literal at `s[at]`; returns the value and where the next one may start, or null. */
function readLiteral(s: string, at: number): [SqliteValue, number] | null {
  if (s.startsWith('NULL', at)) return [null, at + 4];
  if (s[at] === "'") {
    let text = '';
    let i = at + 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q < 0) return null;
      text += s.slice(i, q);
      if (s[q + 1] !== "'") return [text, q + 1];
      text += "'";
      i = q + 2;
    }
  }
  const hexAt = s.startsWith("X'", at) ? at + 2 : s.startsWith("CAST(X'", at) ? at + 7 : -1;
  if (hexAt >= 0) {
    const end = s.indexOf("'", hexAt);
    if (end < 0 || !HEX.test(s.slice(hexAt, end))) return null;
    const bytes = Buffer.from(s.slice(hexAt, end), 'hex');
    if (hexAt === at + 2) return [bytes, end + 1];
    if (!s.startsWith(' AS TEXT)', end + 1)) return null;
    try {
      return [utf8.decode(bytes), end + 10];
    } catch {
      return [new InvalidUtf8Text(bytes), end + 10];
    }
  }
  let end = at;
  while (end < s.length && s[end] !== ',' && s[end] !== ')') end++;
  const word = s.slice(at, end);
  if (INTEGER.test(word)) return [BigInt(word), end];
  if (REAL.test(word)) return [Number(word), end];
  return null;
}

/**
 * The key values an identity names, for a key of `width` columns; null when it is not one this encoding
 * makes (a key recorded by an older sqlite2pg, or a spelling like `01` or `1.50` that reads as a value but
 * is never written), so that no row is found by a guess.
 */
export function parseIdentity(s: string, width: number): SqliteValue[] | null {
  const out: SqliteValue[] = [];
  if (width === 1) {
    const one = readLiteral(s, 0);
    if (one === null || one[1] !== s.length) return null;
    out.push(one[0]);
  } else {
    if (s[0] !== '(') return null;
    let at = 1;
    for (;;) {
      const one = readLiteral(s, at);
      if (one === null) return null;
      out.push(one[0]);
      at = one[1];
      if (s[at] === ')') break;
      if (!s.startsWith(', ', at)) return null;
      at += 2;
    }
    if (at !== s.length - 1 || out.length !== width) return null;
  }
  return keyIdentity(out) === s ? out : null;
}

/** The key values a row's identity names in this table (the rowid for a table with one); null if none. */
export function identityValues(
  plan: Pick<TablePlan, 'hasRowid' | 'sourceKey'>,
  identity: string,
): SqliteValue[] | null {
  const values = parseIdentity(identity, plan.hasRowid ? 1 : plan.sourceKey.length);
  if (values === null || (plan.hasRowid && typeof values[0] !== 'bigint')) return null;
  return values;
}
