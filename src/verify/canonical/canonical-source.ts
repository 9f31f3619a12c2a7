// The source side of verification: what the target column must hold for one SQLite value, in the verifier's
// canonical form, by the data rules (docs/data-rules.md) re-implemented here apart from src/transform.
import type { ColumnPlan } from '../../model/table-plan.js';
import {
  DECIMAL_TEXT,
  canonicalDouble,
  canonicalFloat4,
  decimalToFloat4,
  doubleDecimal,
  normaliseDecimalText,
  numericOverflow,
  pgDoubleDecimal,
  pgDoubleText,
  parseDecimal,
  plainDecimal,
  sameDecimal,
  surelyFitsNumeric,
} from './canonical-number.js';
import { canonicalJsonb, parseJson } from './canonical-json.js';
import {
  civilFromDays,
  epochInstant,
  microsText,
  scanSourceTimestamp,
  scannedDays,
  scannedIsMidnight,
  scannedMicrosInto,
  scannedMicrosText,
  microsInto,
} from './canonical-time.js';
import { hexOfBytes, keptValue, LONG_VALUE_UNITS } from './long-value.js';
import { AS_DOUBLE, AS_INTEGER, AS_MICROS, typedOut } from './typed-value.js';

/** A logical column type (the plan's `logical`). */
export type Logical = ColumnPlan['logical'];

/**
 * A SQLite value as extract hands it over (structurally the same as transform's SqliteValue, declared
 * here so the verifier imports nothing from the loader): NULL, INTEGER (bigint), REAL, TEXT, BLOB, or
 * TEXT whose bytes are not UTF-8 (an object holding those `bytes`).
 */
export type SourceValue = null | bigint | number | string | Buffer | { readonly bytes: Buffer };

/** The canonical form of the value the target must hold (null: SQL NULL), or why no value can be held. */
export type CanonicalResult = { ok: true; value: string | null } | { ok: false; reason: string };

/** Why a source value has no canonical form (the data rules reject its row). */
export class Refused {
  constructor(readonly reason: string) {}
}

/** A canonical value (null: SQL NULL), or why there is none: no object made for the common case. */
export type CanonicalValue = string | null | Refused;

/** The column settings that change what a source value becomes. */
export type CanonicalColumn = Pick<ColumnPlan, 'logical' | 'localTimeZone' | 'emptyAsNull'>;

type Rule = (value: Exclude<SourceValue, null>, col: CanonicalColumn) => CanonicalValue;
/** A rule that may leave its value's number in typedOut[0] and return undefined (sourceTypedReader). */
type TypedRule = (value: Exclude<SourceValue, null>, col: CanonicalColumn) => CanonicalValue | undefined;

const no = (reason: string): Refused => new Refused(reason);

/**
 * Canonical form of what the target column must hold for `value`; Refused when the data rules say the
 * row must be rejected (a loaded row holding such a value is then a difference). The verifier's hot path.
 */
export function canonicalSourceValue(col: CanonicalColumn, value: SourceValue): CanonicalValue {
  if (value === null) return null;
  if (value === '' && col.emptyAsNull) return null;
  const c = RULES[col.logical](value, col);
  return typeof c === 'string' && c.length >= LONG_VALUE_UNITS ? keptValue(c) : c;
}

/** canonicalSourceValue for one column, its rule chosen once: the streaming pass reads every value through it. */
export function sourceValueReader(col: CanonicalColumn): (value: SourceValue) => CanonicalValue {
  const rule = RULES[col.logical];
  const emptyAsNull = col.emptyAsNull;
  return (value) => {
    if (value === null) return null;
    if (value === '' && emptyAsNull) return null;
    const c = rule(value, col);
    return typeof c === 'string' && c.length >= LONG_VALUE_UNITS ? keptValue(c) : c;
  };
}

/**
 * sourceValueReader for a column the digest hashes by type (typed-value.ts): undefined when the value's
 * number is in typedOut[0], made without its text; else what sourceValueReader gives. The number is the
 * one the digest reads from that text (typedFromCanonical), so both hash alike.
 */
export function sourceTypedReader(
  col: CanonicalColumn,
  kind: number,
): (value: SourceValue) => CanonicalValue | undefined {
  const rule =
    kind === AS_MICROS && (col.logical === 'timestamp' || col.logical === 'timestamptz')
      ? timestampTyped
      : kind === AS_DOUBLE && col.logical === 'float8'
        ? float8Typed
        : kind === AS_INTEGER && (col.logical === 'int2' || col.logical === 'int4' || col.logical === 'int8')
          ? INTEGER_TYPED[col.logical]
          : null;
  if (rule === null) throw new Error(`no typed rule for a ${col.logical} column`);
  const emptyAsNull = col.emptyAsNull;
  return (value) => {
    if (value === null) return null;
    if (value === '' && emptyAsNull) return null;
    return rule(value, col);
  };
}

/** canonicalSourceValue as a result object. */
export function canonicalFromSource(col: CanonicalColumn, value: SourceValue): CanonicalResult {
  const c = canonicalSourceValue(col, value);
  return c instanceof Refused ? { ok: false, reason: c.reason } : { ok: true, value: c };
}

const isBlob = (v: unknown): v is Buffer => v instanceof Uint8Array;
const isBadText = (v: unknown): v is { bytes: Buffer } => typeof v === 'object' && !isBlob(v);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text PostgreSQL can hold: well-formed Unicode without NUL. */
function checkText(s: string): string | null {
  if (s.includes('\0')) return 'nul_byte: text holds a NUL character';
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed())
    return 'invalid_utf8: text holds an unpaired surrogate';
  return null;
}

/** The text of a TEXT value or a UTF-8 BLOB, or why there is none. */
function textOf(v: Exclude<SourceValue, null | bigint | number>): string | Refused {
  if (typeof v === 'string') {
    const bad = checkText(v);
    return bad ? no(bad) : v;
  }
  if (isBlob(v)) {
    let text: string;
    try {
      text = utf8.decode(v);
    } catch {
      return no('invalid_utf8: BLOB bytes are not UTF-8');
    }
    const bad = checkText(text);
    return bad ? no(bad) : text;
  }
  return no('invalid_utf8: TEXT bytes are not UTF-8');
}

const INTEGER_TEXT = /^[+-]?[0-9]+$/;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function integer(min: bigint, max: bigint, typed = false): TypedRule {
  return (v) => {
    let n: bigint;
    if (typeof v === 'bigint') n = v;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return no(`out_of_range: ${v}`);
      if (!Number.isInteger(v)) return no(`precision_loss: ${v} is not a whole number`);
      n = BigInt(v);
    } else if (typeof v === 'string') {
      if (!INTEGER_TEXT.test(v)) return no('not_a_number: text is not an integer');
      n = BigInt(v);
    } else if (isBlob(v)) return no('type_mismatch: BLOB in an integer column');
    else return no('not_a_number: TEXT bytes are not UTF-8');
    if (n < min || n > max) return no(`out_of_range: ${n}`);
    if (typed && n >= MIN_SAFE && n <= MAX_SAFE) {
      typedOut[0] = Number(n); // the number typedFromCanonical reads from n.toString()
      return undefined;
    }
    return n.toString();
  };
}

const INTEGER_TYPED = {
  int2: integer(-32768n, 32767n, true),
  int4: integer(-2147483648n, 2147483647n, true),
  int8: integer(-9223372036854775808n, 9223372036854775807n, true),
};

const SPECIAL_FLOAT = /^[+-]?(inf|infinity|nan)$/i;

/** A double made typed: its number in typedOut[0] (sourceTypedReader). */
function typedDouble(x: number): undefined {
  typedOut[0] = x;
  return undefined;
}

function float(kind: 'float4' | 'float8', typed = false): TypedRule {
  const exact = kind === 'float8' ? (x: number) => x : Math.fround;
  const show = typed ? typedDouble : kind === 'float8' ? canonicalDouble : canonicalFloat4;
  return (v) => {
    if (typeof v === 'number') {
      if (exact(v) !== v && !Number.isNaN(v)) return no(`precision_loss: ${v} is not a float4`);
      return show(v);
    }
    if (typeof v === 'bigint') {
      const x = exact(Number(v));
      if (!Number.isFinite(x) || BigInt(x) !== v) return no(`precision_loss: ${v} is not exactly a ${kind}`);
      return show(x);
    }
    if (typeof v !== 'string')
      return no(isBlob(v) ? 'type_mismatch: BLOB in a float column' : 'not_a_number: TEXT bytes are not UTF-8');
    const special = SPECIAL_FLOAT.exec(v);
    if (special) {
      if (special[1].toLowerCase() === 'nan') return 'NaN';
      return v.startsWith('-') ? '-Infinity' : 'Infinity';
    }
    if (!DECIMAL_TEXT.test(v)) return no('not_a_number: text is not a decimal number');
    const written = parseDecimal(v)!;
    const x = kind === 'float8' ? Number(v) : decimalToFloat4(v);
    if (!Number.isFinite(x)) return no(`out_of_range: ${v} overflows ${kind}`);
    if (x === 0 && written.digits !== '') return no(`precision_loss: ${v} underflows to 0`);
    const shortest = kind === 'float8' ? doubleDecimal(x) : parseDecimal(canonicalFloat4(x))!;
    if (!sameDecimal(written, shortest)) return no(`precision_loss: ${v} is not exactly a ${kind}`);
    return show(x);
  };
}

/**
 * numeric compares by VALUE (`1.50` and `1.5` have one canonical form, `1.5`), as PostgreSQL's own `=`,
 * unique indexes and jsonb equality do. The scale is a spelling: a REAL's shortest decimal may be written
 * `1` or `1.0` by a correct loader, and a verifier that compared scales would report such rows as changed.
 * The price: a loader that dropped trailing fraction zeros from TEXT would not be caught here.
 */
const numeric: Rule = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? plainDecimal(pgDoubleDecimal(v)) : String(v);
  if (typeof v !== 'string')
    return no(isBlob(v) ? 'type_mismatch: BLOB in a numeric column' : 'not_a_number: TEXT bytes are not UTF-8');
  if (surelyFitsNumeric(v)) return normaliseDecimalText(v);
  if (!DECIMAL_TEXT.test(v)) return no('not_a_number: text is not a decimal number');
  const dec = parseDecimal(v)!;
  const overflow = numericOverflow(dec);
  return overflow ? no(`out_of_range: ${overflow}`) : plainDecimal(dec);
};

/** Python's repr of a float: shortest digits, fixed notation for decimal exponents -4..15 (with `.0`), else `1e-05`. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const dec = doubleDecimal(x);
  const sign = dec.neg ? '-' : '';
  const point = dec.digits.length + dec.exp; // value = 0.DIGITS × 10^point
  if (point > -4 && point <= 16) {
    const text = plainDecimal({ ...dec, neg: false });
    return sign + (text.includes('.') ? text : `${text}.0`);
  }
  const mantissa = dec.digits.length > 1 ? `${dec.digits[0]}.${dec.digits.slice(1)}` : dec.digits;
  const e = point - 1;
  return `${sign}${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

const text: Rule = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return pythonFloatRepr(v);
  return textOf(v);
};

const BOOLEAN_TEXT: Record<string, string> = { true: 't', t: 't', '1': 't', false: 'f', f: 'f', '0': 'f' };

const boolean: Rule = (v) => {
  if (typeof v === 'bigint') return v === 0n ? 'f' : v === 1n ? 't' : no(`invalid_boolean: ${v}`);
  if (typeof v === 'number') return v === 0 ? 'f' : v === 1 ? 't' : no(`invalid_boolean: ${v}`);
  if (typeof v === 'string') {
    const b = Object.hasOwn(BOOLEAN_TEXT, v.toLowerCase()) ? BOOLEAN_TEXT[v.toLowerCase()] : undefined;
    return b ? b : no('invalid_boolean: text is not true/false/t/f/1/0');
  }
  return no(isBlob(v) ? 'type_mismatch: BLOB in a boolean column' : 'invalid_boolean: TEXT bytes are not UTF-8');
};

/**
 * The timestamp rule; `typed` leaves the instant as microseconds in typedOut[0] where they are exact and
 * returns undefined (sourceTypedReader), else its canonical text.
 */
function timestampRule(typed: boolean): TypedRule {
  return (v, col) => {
    if (typeof v === 'string') {
      const reason = scanSourceTimestamp(v, col.localTimeZone);
      if (reason !== null) return no(reason);
      return typed && scannedMicrosInto() ? undefined : scannedMicrosText();
    }
    if (typeof v === 'bigint' || typeof v === 'number') {
      const r = epochInstant(v);
      if (!r.ok) return no(r.reason);
      return typed && microsInto(r.instant.days, r.instant.micros) ? undefined : microsText(r.instant);
    }
    return no(isBlob(v) ? 'type_mismatch: BLOB in a timestamp column' : 'invalid_timestamp: TEXT bytes are not UTF-8');
  };
}

const timestamp = timestampRule(false) as Rule;
const timestampTyped = timestampRule(true);

const float8Typed = float('float8', true);

const date: Rule = (v, col) => {
  if (typeof v !== 'string') {
    return no(isBadText(v) ? 'invalid_timestamp: TEXT bytes are not UTF-8' : 'type_mismatch: only text is a date');
  }
  const reason = scanSourceTimestamp(v, col.localTimeZone);
  if (reason !== null) return no(reason);
  if (!scannedIsMidnight()) return no('precision_loss: a time other than midnight in a date column');
  return v.length === 10 ? v : civilFromDays(scannedDays()); // a valid YYYY-MM-DD is its own canonical form
};

const jsonb: Rule = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return no(`json_non_finite: ${v}`);
    if (Object.is(v, -0)) return no('json_negative_zero: -0.0');
    return plainDecimal(pgDoubleDecimal(v));
  }
  const t = textOf(v);
  if (t instanceof Refused) return t;
  const parsed = parseJson(t, 'jsonb');
  return parsed.ok ? canonicalJsonb(parsed.value) : no(jsonReason(parsed.reason));
};

/**
 * json keeps the exact text: the canonical form is the text itself, once it is known to be JSON. A REAL is
 * expected as its shortest form spelled as JavaScript does (`1e+21`, `0.1`, `-0`), but never a decimal
 * exactly halfway to a neighbouring double (PostgreSQL's choice, e.g. 1e23 is 9.999999999999999e+22).
 */
const json: Rule = (v) => {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? pgDoubleText(v) : no(`json_non_finite: ${v}`);
  const t = textOf(v);
  if (t instanceof Refused) return t;
  const parsed = parseJson(t, 'json');
  return parsed.ok ? t : no(jsonReason(parsed.reason));
};

function jsonReason(reason: string): string {
  const code = /\((json_\w+|out_of_range)\)/.exec(reason);
  return code ? `${code[1]}: ${reason}` : `invalid_json: ${reason}`;
}

// Hex made (or, for a long value, hashed) straight from the bytes: a 100 MB BLOB never becomes a hex string.
const bytea: Rule = (v) => {
  if (typeof v === 'string') return hexOfBytes(Buffer.from(v, 'utf8'));
  if (isBlob(v)) return hexOfBytes(v);
  // A number: the bytes of its text form, as the text rule spells it.
  if (typeof v === 'bigint') return hexOfBytes(Buffer.from(v.toString(), 'utf8'));
  if (typeof v === 'number') return hexOfBytes(Buffer.from(pythonFloatRepr(v), 'utf8'));
  if (isBadText(v)) return hexOfBytes(v.bytes);
  return no('type_mismatch: not a value a bytea column holds');
};

const RULES = {
  int2: integer(-32768n, 32767n) as Rule,
  int4: integer(-2147483648n, 2147483647n) as Rule,
  int8: integer(-9223372036854775808n, 9223372036854775807n) as Rule,
  float4: float('float4') as Rule,
  float8: float('float8') as Rule,
  numeric,
  text,
  boolean,
  timestamp,
  timestamptz: timestamp,
  date,
  jsonb,
  json,
  bytea,
} satisfies Record<Logical, Rule>;
