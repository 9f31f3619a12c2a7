// The target side of verification: the canonical form of what PostgreSQL returns (COPY ... TO STDOUT text
// format, session DateStyle=ISO, TimeZone=UTC, extra_float_digits=1, bytea_output=hex), never of what was sent.
import type { Logical } from './canonical-source.js';
import { canonicalDouble, canonicalFloat4, decimalToFloat4, normaliseDecimalText } from './canonical-number.js';
import { canonicalJsonb, parseJson } from './canonical-json.js';
import { pgTimestampMicros } from './canonical-time.js';
import { keptValue, LONG_VALUE_UNITS } from './long-value.js';

/**
 * Marks PostgreSQL text the verifier could not read as its type: kept visible in the canonical form so
 * the value differs from every source value and shows up in the report rather than being guessed at.
 */
const UNREADABLE = '!unreadable:';

type PgRule = (text: string) => string;

/** Canonical form of one value as PostgreSQL's text output gives it (null: SQL NULL). */
export function canonicalFromPg(logical: Logical, text: string | null): string | null {
  if (text === null) return null;
  const c = PG_RULES[logical](text);
  return c.length >= LONG_VALUE_UNITS ? keptValue(c) : c;
}

/**
 * Canonical form of one field of COPY text output, still escaped. A bytea in hex output (`\\x…` in COPY, its
 * backslash escaped) is read without unescaping it into a copy: its hex is a slice of the field.
 */
export function canonicalFromCopyField(logical: Logical, field: string): string | null {
  // A long value's stand-in, made as the line was read (long-line.ts): no COPY field starts with NUL.
  if (field.charCodeAt(0) === 0) return field;
  if (logical === 'bytea' && field.startsWith('\\\\x') && field.indexOf('\\', 2) < 0)
    return canonicalFromPg(logical, field.slice(1));
  return canonicalFromPg(logical, copyTextUnescape(field));
}

/**
 * canonicalFromCopyField for one column, its rule chosen once: the streaming pass reads every field of
 * every row through it.
 */
export function copyFieldReader(logical: Logical): (field: string) => string | null {
  if (logical === 'bytea') return (field) => canonicalFromCopyField(logical, field);
  const rule = PG_RULES[logical];
  return (field) => {
    if (field.charCodeAt(0) === 0) return field; // a long value's stand-in (long-line.ts)
    const text = field.indexOf('\\') < 0 ? field : copyTextUnescape(field);
    if (text === null) return null;
    const c = rule(text);
    return c.length >= LONG_VALUE_UNITS ? keptValue(c) : c;
  };
}

const PG_INTEGER = /^-?(0|[1-9][0-9]*)$/;

const integer: PgRule = (t) => (PG_INTEGER.test(t) && t !== '-0' ? t : UNREADABLE + t);

// float8out/float4out print `1e+300`, `1e-07`, `0.1`; NaN and ±Infinity by name.
const PG_FLOAT = /^-?[0-9]+(\.[0-9]+)?(e[+-][0-9]+)?$/;

function special(t: string): string | null {
  return t === 'NaN' || t === 'Infinity' || t === '-Infinity' ? t : null;
}

// Parsed and printed again whatever the server's digits: the streaming pass hashes a double by its bits
// (copy-span.ts), and the canonical text must stand for the same double however it was spelled.
const float8: PgRule = (t) => special(t) ?? (PG_FLOAT.test(t) ? canonicalDouble(Number(t)) : UNREADABLE + t);
const float4: PgRule = (t) => special(t) ?? (PG_FLOAT.test(t) ? canonicalFloat4(decimalToFloat4(t)) : UNREADABLE + t);

const PG_NUMERIC = /^-?[0-9]+(\.[0-9]+)?$/;

const numeric: PgRule = (t) => {
  if (special(t)) return t;
  return PG_NUMERIC.test(t) ? normaliseDecimalText(t) : UNREADABLE + t;
};

const boolean: PgRule = (t) => (t === 't' || t === 'f' ? t : UNREADABLE + t);

const timestamp: PgRule = (t) => pgTimestampMicros(t) ?? UNREADABLE + t;

// date_out with DateStyle ISO prints YYYY-MM-DD, the canonical form itself; `… BC`, 5-digit years and
// ±infinity stay as printed, which no source value's canonical form can equal.
const date: PgRule = (t) => t;

/**
 * True when jsonb output text is already canonical. jsonb_out prints keys in jsonb's order without
 * repeats, with `, ` and `: ` and the same string escapes as canonicalJsonb; only numbers may differ, as
 * numeric keeps its display scale (`1.50`, `0.0`). So a scan outside strings for a fraction ending in 0,
 * an exponent or `-0` decides, instead of parsing and printing every value again. Should this ever pass text that is
 * not canonical, the value differs from the source's and
 * is reported: a false alarm at worst, never a false match.
 */
export function jsonbOutputIsCanonical(t: string, start = 0, end = t.length): boolean {
  const n = end;
  for (let i = start; i < n; i++) {
    let c = t.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, past escaped characters.
      for (i++; i < n && (c = t.charCodeAt(i)) !== 34; i++) if (c === 92) i++;
    } else if (c === 45 && t.charCodeAt(i + 1) === 48 && t.charCodeAt(i + 2) !== 46) {
      return false; // -0
    } else if (c === 46) {
      while (i + 1 < n && (c = t.charCodeAt(i + 1)) >= 48 && c <= 57) i++;
      if (t.charCodeAt(i) === 48) return false; // a fraction ending in 0
    } else if ((c === 101 || c === 69) && (c = t.charCodeAt(i - 1)) >= 48 && c <= 57) {
      return false; // an exponent (numeric_out writes none)
    }
  }
  return true;
}

const jsonb: PgRule = (t) => {
  if (jsonbOutputIsCanonical(t)) return t;
  const parsed = parseJson(t, 'json');
  return parsed.ok ? canonicalJsonb(parsed.value) : UNREADABLE + t;
};

/** bytea_output=hex prints `\x0aff`; the older escape format is read too, in case a server still uses it. */
const bytea: PgRule = (t) => {
  if (t.startsWith('\\x')) return t.slice(2).toLowerCase();
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c !== 92) {
      for (const b of Buffer.from(t[i], 'latin1')) bytes.push(b);
    } else if (t[i + 1] === '\\') {
      bytes.push(92);
      i++;
    } else if (/^[0-7]{3}$/.test(t.slice(i + 1, i + 4))) {
      bytes.push(parseInt(t.slice(i + 1, i + 4), 8));
      i += 3;
    } else return UNREADABLE + t;
  }
  return Buffer.from(bytes).toString('hex');
};

const same: PgRule = (t) => t;

const PG_RULES = {
  int2: integer,
  int4: integer,
  int8: integer,
  float4,
  float8,
  numeric,
  text: same,
  boolean,
  timestamp,
  timestamptz: timestamp,
  date,
  jsonb,
  json: same,
  bytea,
} satisfies Record<Logical, PgRule>;

const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * One field of COPY text format, unescaped: `\N` alone is NULL; `\\`, `\b \f \n \r \t \v`, octal `\NNN`
 * and hex `\xHH` escapes; any other escaped character is itself (PostgreSQL's COPY rules). Octal and hex
 * escapes give bytes, which are read as UTF-8 together with the rest of the field.
 */
export function copyTextUnescape(field: string): string | null {
  if (field === '\\N') return null;
  let at = field.indexOf('\\');
  if (at < 0) return field;
  // The text between escapes is kept as slices and joined once: linear in the field, however long.
  const parts: string[] = [];
  let from = 0;
  while (at >= 0 && at + 1 < field.length) {
    const next = field.charCodeAt(at + 1);
    if ((next >= 48 && next <= 55) || next === 120) return unescapeWithBytes(field); // octal or \x: bytes
    parts.push(field.slice(from, at), COPY_ESCAPES[field[at + 1]] ?? field[at + 1]);
    from = at + 2;
    at = field.indexOf('\\', from);
  }
  parts.push(field.slice(from));
  return parts.join('');
}

/** copyTextUnescape for a field holding octal or hex escapes, whose bytes are read as UTF-8 with the rest. */
function unescapeWithBytes(field: string): string {
  let out = '';
  let bytes: number[] | null = null; // set once an octal or hex escape appears
  const emit = (s: string) => {
    if (bytes) for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
    else out += s;
  };
  for (let i = 0; i < field.length; i++) {
    const ch = field[i];
    if (ch !== '\\' || i + 1 >= field.length) {
      emit(ch);
      continue;
    }
    const next = field[++i];
    const octal = /^[0-7]{1,3}/.exec(field.slice(i, i + 3));
    const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(field.slice(i + 1, i + 3)) : null;
    if (octal || hex) {
      bytes ??= [...Buffer.from(out, 'utf8')];
      if (octal) {
        bytes.push(parseInt(octal[0], 8) & 0xff);
        i += octal[0].length - 1;
      } else {
        bytes.push(parseInt(hex![0], 16));
        i += hex![0].length;
      }
    } else {
      emit(COPY_ESCAPES[next] ?? next);
    }
  }
  return bytes ? Buffer.from(bytes).toString('utf8') : out;
}

/** One line of COPY text output (its trailing newline optional): tab-separated fields, unescaped. */
export function splitCopyLine(line: string): (string | null)[] {
  const body = line.endsWith('\n') ? line.slice(0, -1) : line;
  return body.split('\t').map(copyTextUnescape);
}
