// Which columns the row digest hashes by type rather than by their canonical text (an integer as one, a
// timestamp by its microseconds, a double by its 64 bits), and the number a canonical text stands for.
import type { Logical } from './canonical-source.js';
import { canonicalDouble } from './canonical-number.js';

/**
 * Where a hot path leaves a typed value it made without its text (a reader returning undefined for a
 * column of DigestKinds other than AS_TEXT): no object per value.
 */
export const typedOut = new Float64Array(1);

/** A column hashed as its canonical text. */
export const AS_TEXT = 0;
/** A timestamp column: a canonical value that is a safe integer is hashed as that many microseconds. */
export const AS_MICROS = 1;
/** A double precision column: a canonical value that is a double's canonical text is hashed as its bits. */
export const AS_DOUBLE = 2;
/** An integer column: a canonical value that is a safe integer is hashed as that integer. */
export const AS_INTEGER = 3;

/** Per column, how the digest hashes its values (AS_TEXT, AS_MICROS, …); null when all are text. */
export type DigestKinds = Uint8Array | null;

/** The DigestKinds of a table's columns, by their logical types. */
export function digestKindsOf(logicals: readonly Logical[]): DigestKinds {
  const kinds = new Uint8Array(logicals.length);
  let typed = false;
  for (let i = 0; i < logicals.length; i++) {
    const l = logicals[i];
    if (l === 'timestamp' || l === 'timestamptz') kinds[i] = AS_MICROS;
    else if (l === 'float8') kinds[i] = AS_DOUBLE;
    else if (l === 'int2' || l === 'int4' || l === 'int8') kinds[i] = AS_INTEGER;
    else continue;
    typed = true;
  }
  return typed ? kinds : null;
}

/**
 * The number the canonical text `s` of a column of `kind` stands for, or null when it is hashed as text
 * (`infinity`, an unreadable value, a long value's stand-in, an integer beyond 2^53). One text gives at
 * most one number and one number comes from at most one text, so the digest stays injective.
 */
export function typedFromCanonical(kind: number, s: string): number | null {
  return typedInto(kind, s) ? typedOut[0] : null;
}

/**
 * typedFromCanonical for the digest's loop: true with the number in typedOut[0], false for text. A boolean
 * and a slot rather than a number or null, so no number is boxed per value.
 */
export function typedInto(kind: number, s: string): boolean {
  if (kind === AS_MICROS || kind === AS_INTEGER) return canonicalIntegerInto(s);
  if (kind === AS_DOUBLE) {
    const x = Number(s);
    if (canonicalDouble(x) !== s) return false;
    typedOut[0] = x;
    return true;
  }
  return false;
}

/** The safe integer `s` spells as `-?(0|[1-9][0-9]*)` (never `-0`) in typedOut[0]; false when it is not one. */
function canonicalIntegerInto(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > 16) return false;
  if (s.charCodeAt(i) === 48) {
    // '0' alone: never '-0' or '01'
    if (n !== 1) return false;
    typedOut[0] = 0;
    return true;
  }
  let m = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    m = m * 10 + (c - 48);
  }
  if (m > Number.MAX_SAFE_INTEGER) return false;
  typedOut[0] = s.charCodeAt(0) === 45 ? -m : m;
  return true;
}
