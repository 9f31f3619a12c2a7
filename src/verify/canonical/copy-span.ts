// COPY fields read where they lie in their line: which fields of the target side's COPY text are their own canonical
// form (so the streaming pass hashes them in place, never slicing them out), and the canonical form of the others.
import type { Logical } from './canonical-source.js';
import { copyFieldReader, jsonbOutputIsCanonical } from './canonical-pg.js';
import { LONG_VALUE_UNITS } from './long-value.js';
import { pgScannedMicrosInto, scanPgTimestamp } from './canonical-time.js';
import { AS_DOUBLE, AS_INTEGER, AS_MICROS, typedOut } from './typed-value.js';

/**
 * A field's canonical form, read where it lies in its COPY line (line[start, end), `escaped` when it holds a
 * backslash): undefined when it is the field's text itself, which the streaming pass then hashes in place
 * rather than slicing it out (text, json, dates, booleans, integers, jsonb printed canonically); otherwise
 * what copyFieldReader gives for the field.
 */
export type CopySpanReader = (line: string, start: number, end: number, escaped: boolean) => string | null | undefined;

/** The CopySpanReader of one column, chosen once. */
export function copySpanReader(logical: Logical): CopySpanReader {
  const whole = copyFieldReader(logical);
  const inPlace = IN_PLACE[logical];
  if (!inPlace) return (line, start, end) => whole(line.slice(start, end));
  return (line, start, end, escaped) =>
    !escaped && end - start < LONG_VALUE_UNITS && inPlace(line, start, end) ? undefined : whole(line.slice(start, end));
}

/** True when the unescaped field line[start, end) is its own canonical form (its rule would return it unchanged). */
type InPlaceTest = (line: string, start: number, end: number) => boolean;

const always: InPlaceTest = () => true;

/** PG_INTEGER without '-0', on a span. */
const integerInPlace: InPlaceTest = (line, start, end) => {
  let i = start;
  if (line.charCodeAt(i) === 45) i++;
  if (i >= end) return false;
  const first = line.charCodeAt(i);
  if (first === 48) return i + 1 === end && i === start; // '0', never '-0' or '01'
  for (; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
};

const IN_PLACE: Partial<Record<Logical, InPlaceTest>> = {
  text: always,
  json: always,
  date: always,
  boolean: (line, start, end) =>
    end - start === 1 && (line.charCodeAt(start) === 116 || line.charCodeAt(start) === 102),
  int2: integerInPlace,
  int4: integerInPlace,
  int8: integerInPlace,
  jsonb: (line, start, end) => jsonbOutputIsCanonical(line, start, end),
};

/**
 * The reader of a column the digest hashes by type (typed-value.ts): undefined when the field's number is
 * in typedOut[0] (read where it lies, no text made), else what copyFieldReader gives for the field.
 */
export function copyTypedReader(kind: number, logical: Logical): CopySpanReader {
  const whole = copyFieldReader(logical);
  const typed = kind === AS_MICROS ? micros : kind === AS_DOUBLE ? double : kind === AS_INTEGER ? integer : null;
  if (typed === null) throw new Error(`no typed reader for ${logical}`);
  return (line, start, end, escaped) =>
    !escaped && typed(line, start, end) ? undefined : whole(line.slice(start, end));
}

/** A timestamp_out field as its microseconds in typedOut[0], when they are a canonical safe integer. */
function micros(line: string, start: number, end: number): boolean {
  return scanPgTimestamp(line, start, end) && pgScannedMicrosInto();
}

/** 10^k, exact for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A float8out field `-?[0-9]+(\.[0-9]+)?(e[+-][0-9]+)?` (canonical-pg.ts's PG_FLOAT) as its double in
 * typedOut[0]. Up to 15 digits without an exponent the digits are an exact integer and 10^k an exact double,
 * so one division rounds correctly, as Number() of the text would (Clinger's fast path); longer ones are read
 * by Number(). NaN and ±Infinity go the way of the text.
 */
function double(line: string, start: number, end: number): boolean {
  let i = start;
  const neg = line.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let c = 0;
  for (; i < end && (c = line.charCodeAt(i)) >= 48 && c <= 57; i++, digits++) m = m * 10 + (c - 48);
  if (digits === 0) return false;
  let k = 0;
  if (i < end && c === 46) {
    for (i++; i < end && (c = line.charCodeAt(i)) >= 48 && c <= 57; i++, k++) m = m * 10 + (c - 48);
    if (k === 0) return false;
  }
  if (i === end && digits + k <= 15) {
    const x = k === 0 ? m : m / POW10[k];
    typedOut[0] = neg ? -x : x;
    return true;
  }
  if (i < end) {
    if (c !== 101) return false; // 'e'
    c = line.charCodeAt(++i);
    if (c !== 43 && c !== 45) return false;
    const expStart = ++i;
    while (i < end && (c = line.charCodeAt(i)) >= 48 && c <= 57) i++;
    if (i === expStart || i !== end) return false;
  }
  typedOut[0] = Number(line.slice(start, end));
  return true;
}

/**
 * An int8out field of at most 15 digits as its number in typedOut[0], when it is its own canonical form
 * (integerInPlace); others (longer, or not an integer) go the way of the text.
 */
function integer(line: string, start: number, end: number): boolean {
  if (end - start > 15 || !integerInPlace(line, start, end)) return false;
  let i = start;
  const neg = line.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  for (; i < end; i++) m = m * 10 + (line.charCodeAt(i) - 48);
  typedOut[0] = neg ? -m : m;
  return true;
}
