// One converted value on its way to COPY, and its PostgreSQL text.
import { formatDouble } from './numbers.js';

/**
 * A converted value: PostgreSQL's text input for it, or null for NULL — or, from the fast paths, the
 * SQLite INTEGER (bigint) or REAL (number) itself, whose text is {@link fieldText}'s: binary COPY writes
 * those without making text at all.
 */
export type Field = string | bigint | number | null;

/** A field's PostgreSQL text: what the converter would have written for a number the fast path kept. */
export function fieldText(f: Field): string | null {
  return typeof f === 'bigint' ? String(f) : typeof f === 'number' ? formatDouble(f) : f;
}
