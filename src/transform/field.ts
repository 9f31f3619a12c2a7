// One converted value on its way to COPY, and its PostgreSQL text.
import { formatDouble } from './numbers.js';
import { byteaHex } from './bytes.js';

/**
 * A converted value: PostgreSQL's text input for it, or null for NULL — or, from the fast paths, the
 * SQLite INTEGER (bigint), REAL (number) or BLOB (bytes, for bytea) itself, whose text is
 * {@link fieldText}'s: binary COPY writes those without making text at all (a 100 MB BLOB never becomes
 * a 200 MB hex string on its way to a binary COPY).
 */
export type Field = string | bigint | number | Uint8Array | null;

/** A field's PostgreSQL text: what the converter would have written for a value the fast path kept. */
export function fieldText(f: Field): string | null {
  if (typeof f === 'bigint') return String(f);
  if (typeof f === 'number') return formatDouble(f);
  if (f instanceof Uint8Array) return byteaHex(f);
  return f;
}
