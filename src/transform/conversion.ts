// The result of converting one SQLite value into the text PostgreSQL reads for the target type.

/** Why a value could not go into its target column; stable codes for the rejects table and reports. */
export type RejectCode =
  | 'type_mismatch' // a storage class the target type cannot take (a BLOB in an integer column…)
  | 'not_a_number' // text that is not a number, in a numeric column
  | 'out_of_range' // a number outside the target type's range
  | 'precision_loss' // the target type would round the value
  | 'invalid_timestamp' // text or number that is not a timestamp/date in a known format, or not a real date
  | 'invalid_boolean'
  | 'invalid_json' // not JSON at all
  | 'json_non_finite' // NaN / Infinity / -Infinity tokens (Python json.dumps writes them; JSON and jsonb do not have them)
  | 'json_nul' // a \u0000 escape: jsonb refuses it
  | 'json_negative_zero' // -0: jsonb numbers (numeric) have no negative zero
  | 'json_lone_surrogate' // a \uD800-\uDFFF escape without its pair: PostgreSQL refuses it
  | 'nul_byte' // text with a NUL character: PostgreSQL text cannot hold it
  | 'invalid_utf8' // TEXT bytes that are not UTF-8 (or a BLOB in a text column that is not UTF-8)
  | 'not_null' // NULL (or nothing) for a NOT NULL target column
  | 'unique' // a second row with the same key
  | 'foreign_key'; // a key that points at no row of the referenced table

export type Conversion =
  /** `text` is PostgreSQL's text input for the value (not COPY-escaped); null is SQL NULL. */
  | { ok: true; text: string | null }
  /**
   * The value cannot be represented exactly. `stripped`, when present, is what the `strip` policy
   * would write instead (the value with the offending parts removed).
   */
  | { ok: false; code: RejectCode; reason: string; stripped?: string | null };

/** Per-column settings a converter needs. */
export interface ConvertOptions {
  /** IANA zone of naive `T`-separated timestamps; null: store as written. */
  localTimeZone: string | null;
}

export type Converter = (value: import('../model/sqlite-value.js').SqliteValue, options: ConvertOptions) => Conversion;

export const ok = (text: string | null): Conversion => ({ ok: true, text });
export const fail = (code: RejectCode, reason: string, stripped?: string | null): Conversion =>
  stripped === undefined ? { ok: false, code, reason } : { ok: false, code, reason, stripped };

/** Longest stretch of a value quoted in a reason; longer values are cut and marked with `…`. */
const QUOTE_LIMIT = 80;

/**
 * Quotes text for a reason: cut to {@link QUOTE_LIMIT} characters, control characters and lone
 * surrogates written as `\uXXXX` (a reason is itself stored in a PostgreSQL text column, which cannot
 * hold a NUL).
 */
export function quote(text: string): string {
  let cut = text.length > QUOTE_LIMIT ? text.slice(0, QUOTE_LIMIT) : text;
  // Never end on half a surrogate pair.
  if (cut.length < text.length && /[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const shown = cut.replace(
    /[\u0000-\u001f\u007f]|\p{Cs}/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `'${shown}${cut.length < text.length ? '…' : ''}'`;
}

/** A value as a reason names it: `INTEGER 5`, `REAL 3.5`, `text '…'`, `BLOB of 12 bytes`. */
export function describeValue(value: import('../model/sqlite-value.js').SqliteValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'bigint') return `INTEGER ${value}`;
  if (typeof value === 'number') return `REAL ${Object.is(value, -0) ? '-0' : String(value)}`;
  if (typeof value === 'string') return `text ${quote(value)}`;
  if (Buffer.isBuffer(value)) return `BLOB of ${value.length} bytes`;
  const hex = value.bytes.subarray(0, 40).toString('hex');
  return `text with bytes that are not UTF-8 (hex ${hex}${value.bytes.length > 40 ? '…' : ''})`;
}
