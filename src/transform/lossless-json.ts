// The original SQLite row as JSON that jsonb stores without losing anything, for sqlite2pg.rejects and changes.
import { formatDouble } from './numbers.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';
import { isWellFormed } from './text.js';

/**
 * A finite REAL as a JSON number that still shows a `.` once jsonb has stored it as numeric, so it can
 * be told apart from an INTEGER: numeric keeps the digits after the point (`3.0` stays `3.0`) but prints a
 * positive exponent in full (`1e+21` becomes `1000000000000000000000`), so those are written out with `.0`.
 */
function realJson(n: number): string {
  const s = formatDouble(n);
  const e = s.indexOf('e');
  if (e < 0) return s.includes('.') ? s : `${s}.0`;
  if (s[e + 1] === '-') return s; // a negative exponent: numeric prints the digits after the point
  const mantissa = s.slice(0, e);
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const intDigits = (dot < 0 ? mantissa.length : dot) + Number(s.slice(e + 1));
  return `${digits}${'0'.repeat(intDigits - digits.length)}.0`;
}

/**
 * One SQLite value as lossless JSON (docs/data-rules.md, "Rejects: the original row as lossless JSON"):
 * INTEGER → exact JSON integer; REAL → JSON number with a `.`, or `{"$real": …}` for NaN, ±Infinity and -0
 * (jsonb's numeric has neither); TEXT → JSON string, or `{"$text_base64": …}` when it holds a NUL (jsonb
 * refuses `\u0000`) or is not UTF-8; BLOB → `{"$blob_base64": …}`; NULL → `null`.
 */
export function losslessValueJson(value: SqliteValue): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Object.is(value, -0)) return `{"$real":"${formatDouble(value)}"}`;
    return realJson(value);
  }
  if (typeof value === 'string') {
    // A lone surrogate cannot come from SQLite (extract marks such bytes InvalidUtf8Text); if one did,
    // jsonb would refuse its \ud800 escape, so it goes as base64 of Node's UTF-8 (U+FFFD in its place).
    if (!value.includes('\u0000') && isWellFormed(value)) return JSON.stringify(value);
    return `{"$text_base64":"${Buffer.from(value, 'utf8').toString('base64')}"}`;
  }
  if (value instanceof InvalidUtf8Text) return `{"$text_base64":"${value.bytes.toString('base64')}"}`;
  return `{"$blob_base64":"${value.toString('base64')}"}`;
}

/** The row as a JSON object `{column: value}` of every source column, in the given order. */
export function losslessRowJson(columns: string[], values: SqliteValue[]): string {
  if (columns.length !== values.length) {
    throw new Error(`losslessRowJson: ${columns.length} columns but ${values.length} values`);
  }
  let json = '{';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) json += ',';
    json += `${JSON.stringify(columns[i])}:${losslessValueJson(values[i])}`;
  }
  return json + '}';
}
