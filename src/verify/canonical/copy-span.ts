// COPY fields read where they lie in their line: which fields of the target side's COPY text are their own canonical
// form (so the streaming pass hashes them in place, never slicing them out), and the canonical form of the others.
import type { Logical } from './canonical-source.js';
import { copyFieldReader, jsonbOutputIsCanonical } from './canonical-pg.js';
import { LONG_VALUE_UNITS } from './long-value.js';

/**
 * A field's canonical form, read where it lies in its COPY line (line[start, end), `escaped` when it holds a
 * backslash): undefined when it is the field's text itself, which the streaming pass then hashes in place
 * rather than slicing it out (text, json, dates, booleans, integers, doubles PostgreSQL printed shortest,
 * jsonb printed canonically); otherwise what copyFieldReader gives for the field.
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

/** PG_FIXED_SHORTEST on a span: `-?(0|[1-9][0-9]{0,14})(\.[0-9]*[1-9])?`. */
const float8InPlace: InPlaceTest = (line, start, end) => {
  let i = start;
  if (line.charCodeAt(i) === 45) i++;
  const intStart = i;
  while (i < end && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  const intDigits = i - intStart;
  if (intDigits === 0 || intDigits > 15 || (intDigits > 1 && line.charCodeAt(intStart) === 48)) return false;
  if (i === end) return true;
  if (line.charCodeAt(i) !== 46) return false;
  for (i++; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const last = line.charCodeAt(end - 1);
  return last >= 49 && last <= 57; // at least one fraction digit, the last not 0
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
  float8: float8InPlace,
  jsonb: (line, start, end) => jsonbOutputIsCanonical(line, start, end),
};
