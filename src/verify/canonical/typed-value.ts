// Which columns the row digest hashes by type rather than by their canonical text (a timestamp by its
// microseconds, a double by its 64 bits), and the number a canonical text of such a column stands for.
import type { Logical } from './canonical-source.js';
import { canonicalDouble } from './canonical-number.js';

/** A column hashed as its canonical text. */
export const AS_TEXT = 0;
/** A timestamp column: a canonical value that is a safe integer is hashed as that many microseconds. */
export const AS_MICROS = 1;
/** A double precision column: a canonical value that is a double's canonical text is hashed as its bits. */
export const AS_DOUBLE = 2;

/** Per column, how the digest hashes its values (AS_TEXT, AS_MICROS, AS_DOUBLE); null when all are text. */
export type DigestKinds = Uint8Array | null;

/** The DigestKinds of a table's columns, by their logical types. */
export function digestKindsOf(logicals: readonly Logical[]): DigestKinds {
  const kinds = new Uint8Array(logicals.length);
  let typed = false;
  for (let i = 0; i < logicals.length; i++) {
    const l = logicals[i];
    if (l === 'timestamp' || l === 'timestamptz') kinds[i] = AS_MICROS;
    else if (l === 'float8') kinds[i] = AS_DOUBLE;
    else continue;
    typed = true;
  }
  return typed ? kinds : null;
}

const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * The number the canonical text `s` of a column of `kind` stands for, or null when it is hashed as text
 * (`infinity`, an unreadable value, a long value's stand-in, microseconds beyond 2^53). One text gives at
 * most one number and one number comes from at most one text, so the digest stays injective.
 */
export function typedFromCanonical(kind: number, s: string): number | null {
  if (kind === AS_MICROS) {
    if (s.length > 17 || s === '-0' || !CANONICAL_INTEGER.test(s)) return null;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : null;
  }
  if (kind === AS_DOUBLE) {
    const x = Number(s);
    return canonicalDouble(x) === s ? x : null;
  }
  return null;
}

/**
 * Where a hot path leaves a typed value it made without its text (a reader returning undefined for a
 * column of DigestKinds other than AS_TEXT): no object per value.
 */
export const typedOut = new Float64Array(1);
