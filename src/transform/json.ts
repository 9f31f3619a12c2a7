// Converters to PostgreSQL `jsonb` and `json`: a strict one-pass RFC 8259 scanner; the text goes through unchanged.
import { type Conversion, type Converter, describeValue, fail, ok } from './conversion.js';
import { formatDouble } from './numbers.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';
import { decodeUtf8 } from './text.js';

/**
 * Deepest nesting accepted. PostgreSQL's JSON parser recurses per level and fails with "stack depth limit
 * exceeded" somewhere past 12000 levels at the default max_stack_depth of 2MB (less on a smaller setting);
 * 1000 keeps a wide margin and is also as deep as Python's json module can write.
 */
export const MAX_JSON_DEPTH = 1000;

/** What one scan found. The scanner reads the whole text and notes every kind of problem once. */
export interface JsonScan {
  /** Why the text is not JSON (NaN/Infinity tokens aside), or null. */
  syntax: string | null;
  /** The first `NaN`, `Infinity` or `-Infinity` token. */
  nonFinite: string | null;
  /** Index of an unpaired surrogate character in the text itself (no UTF-8 form), or -1. */
  rawSurrogate: number;
  /** Index of the first `\uD800`–`\uDFFF` escape without its pair, or -1. */
  loneSurrogate: number;
  /** The first negative-zero number (`-0`, `-0.0e5`). */
  negativeZero: string | null;
  /** Why the first number numeric cannot hold is out of range, or null. */
  numberRange: string | null;
  /** Indexes of the `\u0000` escapes. */
  nulEscapes: number[];
}

// The scanner is synchronous and not re-entrant: its state lives here, not in a closure per call.
let S = '';
let N = 0;
let R: JsonScan = newScan();
const STACK = new Uint8Array(MAX_JSON_DEPTH);
const ARRAY = 1;
const OBJECT = 2;

function newScan(): JsonScan {
  return {
    syntax: null,
    nonFinite: null,
    rawSurrogate: -1,
    loneSurrogate: -1,
    negativeZero: null,
    numberRange: null,
    nulEscapes: [],
  };
}

function error(at: number, what: string): -1 {
  R.syntax = at >= N ? `${what} at the end` : `${what} at character ${at + 1}`;
  return -1;
}

/** Skips JSON's four whitespace characters: space, tab, LF, CR (RFC 8259 §2). */
function ws(i: number): number {
  const s = S;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

function hex4(i: number): number {
  if (i + 4 > N) return -1;
  let v = 0;
  for (let k = i; k < i + 4; k++) {
    const c = S.charCodeAt(k);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Scans the escape at the backslash at i; returns the index after it, or -1. */
function escape(i: number): number {
  const c = S.charCodeAt(i + 1);
  // " \ / b f n r t
  if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74)
    return i + 2;
  if (c !== 0x75) return error(i, 'an invalid escape in a string');
  const u = hex4(i + 2);
  if (u < 0) return error(i, 'a \\u escape without four hex digits');
  if (u === 0) {
    R.nulEscapes.push(i);
  } else if (u >= 0xd800 && u <= 0xdbff) {
    // A high surrogate must be followed at once by a low one: https://www.rfc-editor.org/rfc/rfc8259#section-7
    if (S.charCodeAt(i + 6) === 0x5c && S.charCodeAt(i + 7) === 0x75) {
      const low = hex4(i + 8);
      if (low >= 0xdc00 && low <= 0xdfff) return i + 12;
    }
    if (R.loneSurrogate < 0) R.loneSurrogate = i;
  } else if (u >= 0xdc00 && u <= 0xdfff) {
    if (R.loneSurrogate < 0) R.loneSurrogate = i;
  }
  return i + 6;
}

/** Scans the string whose opening quote is at i; returns the index after the closing quote, or -1. */
function string(i: number): number {
  const s = S;
  const n = N;
  i++;
  for (;;) {
    if (i >= n) return error(i, 'an unterminated string');
    const c = s.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      i = escape(i);
      if (i < 0) return -1;
    } else if (c < 0x20) {
      return error(
        i,
        `a raw control character U+${c.toString(16).padStart(4, '0').toUpperCase()} in a string (it must be escaped)`,
      );
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) i += 2;
      else {
        if (R.rawSurrogate < 0) R.rawSurrogate = i;
        i++;
      }
    } else i++;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Scans the number at i (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), noting a negative zero and
 * a value PostgreSQL's numeric cannot hold (the limits of numbers.ts `numericRangeProblem`).
 */
function number(i: number): number {
  const start = i;
  const negative = S.charCodeAt(i) === 0x2d;
  if (negative) {
    i++;
    if (S.startsWith('Infinity', i)) {
      R.nonFinite ??= '-Infinity';
      return i + 8;
    }
  }
  const intStart = i;
  let c = S.charCodeAt(i);
  let nonzero = false;
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) {
    nonzero = true;
    do i++;
    while (isDigit(S.charCodeAt(i)));
  } else return error(i, 'a number without digits');
  const intDigits = i - intStart;
  let fracDigits = 0;
  let firstNonzeroFrac = -1;
  if (S.charCodeAt(i) === 0x2e) {
    const fracStart = ++i;
    while (isDigit((c = S.charCodeAt(i)))) {
      if (!nonzero && c !== 0x30) {
        nonzero = true;
        firstNonzeroFrac = i - fracStart;
      }
      i++;
    }
    fracDigits = i - fracStart;
    if (fracDigits === 0) return error(i, 'a number with no digits after its point');
  }
  let exponent = 0;
  c = S.charCodeAt(i);
  if (c === 0x65 || c === 0x45) {
    i++;
    c = S.charCodeAt(i);
    const expNegative = c === 0x2d;
    if (c === 0x2d || c === 0x2b) i++;
    if (!isDigit(S.charCodeAt(i))) return error(i, 'a number with no digits in its exponent');
    // Past 1e15 the exponent is far outside numeric's range; stop growing it there.
    while (isDigit((c = S.charCodeAt(i)))) {
      if (exponent < 1e15) exponent = exponent * 10 + (c - 0x30);
      i++;
    }
    if (expNegative) exponent = -exponent;
  }
  if (negative && !nonzero) R.negativeZero ??= S.slice(start, i);
  if (R.numberRange === null && (exponent !== 0 || fracDigits > 16383 || intDigits > 131072)) {
    R.numberRange = numericProblem(intDigits, fracDigits, firstNonzeroFrac, nonzero, exponent, start, i);
  }
  return i;
}

/** PostgreSQL numeric's input limits (see numbers.ts `numericRangeProblem`). */
function numericProblem(
  intDigits: number,
  fracDigits: number,
  firstNonzeroFrac: number,
  nonzero: boolean,
  exponent: number,
  start: number,
  end: number,
): string | null {
  const shown = end - start > 40 ? `${S.slice(start, start + 40)}…` : S.slice(start, end);
  if (Math.abs(exponent) >= 1073741823) return `the number ${shown} has an exponent beyond what numeric holds`;
  if (fracDigits - exponent > 16383)
    return `the number ${shown} has more than 16383 digits after the decimal point (numeric’s limit)`;
  const weight = firstNonzeroFrac < 0 ? intDigits - 1 : -(firstNonzeroFrac + 1);
  if (nonzero && weight + exponent > 131071)
    return `the number ${shown} has more than 131072 digits before the decimal point (numeric’s limit)`;
  return null;
}

/** Scans `word` at i (a literal); returns the index after it, or -1. */
function literal(i: number, word: string): number {
  return S.startsWith(word, i) ? i + word.length : error(i, 'an unexpected character');
}

/** Reads a key and its colon at i (just past `{` or `,` and whitespace); returns the index of the value, or -1. */
function key(i: number): number {
  if (S.charCodeAt(i) !== 0x22) return error(i, 'expected a "quoted" key');
  i = string(i);
  if (i < 0) return -1;
  i = ws(i);
  if (S.charCodeAt(i) !== 0x3a) return error(i, "expected ':' after a key");
  return ws(i + 1);
}

/**
 * Scans `text` as one RFC 8259 JSON value in a single pass, without building any value. `NaN`,
 * `Infinity` and `-Infinity` are scanned as values (to report them as such) but recorded.
 */
export function scanJson(text: string): JsonScan {
  S = text;
  N = text.length;
  R = newScan();
  let depth = 0;
  let i = ws(0);
  value: for (;;) {
    // A value starts at i.
    const c = S.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_JSON_DEPTH) {
        error(i, `nesting deeper than ${MAX_JSON_DEPTH} levels (PostgreSQL's parser could run out of stack)`);
        break;
      }
      STACK[depth++] = c === 0x7b ? OBJECT : ARRAY;
      i = ws(i + 1);
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (S.charCodeAt(i) === close) {
        depth--;
        i++;
      } else {
        if (c === 0x7b) i = key(i);
        if (i < 0) break;
        continue value;
      }
    } else if (c === 0x22) i = string(i);
    else if (c === 0x2d || isDigit(c)) i = number(i);
    else if (c === 0x74) i = literal(i, 'true');
    else if (c === 0x66) i = literal(i, 'false');
    else if (c === 0x6e) i = literal(i, 'null');
    else if (c === 0x4e || c === 0x49) {
      const word = c === 0x4e ? 'NaN' : 'Infinity';
      i = literal(i, word);
      if (i >= 0) R.nonFinite ??= word;
    } else if (i >= N) {
      R.syntax = depth === 0 ? 'there is no value (the text is empty or blank)' : 'the text ends before its value';
      break;
    } else i = error(i, 'an unexpected character');
    if (i < 0) break;
    // After a value: a separator, a closing bracket, or the end.
    for (;;) {
      i = ws(i);
      if (depth === 0) {
        if (i < N) error(i, 'text after the JSON value');
        break value;
      }
      const d = S.charCodeAt(i);
      const inObject = STACK[depth - 1] === OBJECT;
      if (d === 0x2c) {
        i = ws(i + 1);
        if (inObject) i = key(i);
        if (i < 0) break value;
        continue value;
      }
      if (d === (inObject ? 0x7d : 0x5d)) {
        depth--;
        i++;
        continue;
      }
      error(i, inObject ? "expected ',' or '}'" : "expected ',' or ']'");
      break value;
    }
  }
  const result = R;
  S = '';
  return result;
}

/** The text with its `\u0000` escapes removed (what the `strip` policy writes). */
function withoutNulEscapes(text: string, at: number[]): string {
  let out = '';
  let from = 0;
  for (const i of at) {
    out += text.slice(from, i);
    from = i + 6;
  }
  return out + text.slice(from);
}

function checkJsonText(text: string, value: SqliteValue, binary: boolean): Conversion {
  const scan = scanJson(text);
  if (scan.syntax !== null) return fail('invalid_json', `${describeValue(value)} is not JSON: ${scan.syntax}`);
  if (scan.nonFinite !== null)
    return fail('json_non_finite', `${describeValue(value)} holds ${scan.nonFinite}, which JSON does not have`);
  if (scan.rawSurrogate >= 0) {
    return fail(
      'invalid_utf8',
      `${describeValue(value)} holds an unpaired surrogate character at ${scan.rawSurrogate + 1}, which has no UTF-8 form`,
    );
  }
  if (!binary) return ok(text);
  // jsonb converts escapes and numbers: https://www.postgresql.org/docs/current/datatype-json.html
  if (scan.loneSurrogate >= 0) {
    const escape = text.slice(scan.loneSurrogate, scan.loneSurrogate + 6);
    return fail(
      'json_lone_surrogate',
      `${describeValue(value)} has an unpaired surrogate escape ${escape}, which jsonb refuses`,
    );
  }
  if (scan.negativeZero !== null) {
    return fail(
      'json_negative_zero',
      `${describeValue(value)} has the number ${scan.negativeZero}: jsonb's numeric has no negative zero and would store 0`,
    );
  }
  if (scan.numberRange !== null) return fail('out_of_range', `${describeValue(value)}: ${scan.numberRange}`);
  if (scan.nulEscapes.length > 0) {
    const stripped = withoutNulEscapes(text, scan.nulEscapes);
    return fail('json_nul', `${describeValue(value)} has a \\u0000 escape, which jsonb cannot store`, stripped);
  }
  return ok(text);
}

function jsonConverter(binary: boolean): Converter {
  const type = binary ? 'jsonb' : 'json';
  return (value) => {
    if (value === null) return ok(null);
    if (typeof value === 'string') return checkJsonText(value, value, binary);
    if (typeof value === 'bigint') return ok(String(value));
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return fail('json_non_finite', `${describeValue(value)} is not a JSON number`);
      if (binary && Object.is(value, -0)) {
        return fail(
          'json_negative_zero',
          `${describeValue(value)}: jsonb's numeric has no negative zero and would store 0`,
        );
      }
      return ok(formatDouble(value));
    }
    if (value instanceof InvalidUtf8Text) return fail('invalid_utf8', `${describeValue(value)} cannot be ${type}`);
    const text = decodeUtf8(value);
    if (text === null) return fail('invalid_utf8', `${describeValue(value)} is not UTF-8 text, so not JSON`);
    return checkJsonText(text, value, binary);
  };
}

/**
 * jsonb: valid JSON text, unchanged, that jsonb stores with the same meaning: no NaN/Infinity, no
 * `\u0000` escape (`strip` removes it), no negative zero, no unpaired surrogate escape, numbers numeric holds.
 */
export const toJsonb: Converter = jsonConverter(true);

/** json: valid JSON text, kept exactly by PostgreSQL (so `\u0000`, `-0` and unpaired surrogate escapes are fine). */
export const toJson: Converter = jsonConverter(false);
