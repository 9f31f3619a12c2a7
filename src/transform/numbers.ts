// Converters to PostgreSQL's number types (smallint, integer, bigint, real, double precision, numeric): exact or
// rejected.
import { type Conversion, type Converter, describeValue, fail, ok } from './conversion.js';
import type { SqliteValue } from '../model/sqlite-value.js';

/**
 * A decimal number as written, reduced to a canonical form so that two spellings of one value compare
 * equal: value = (negative ? -1 : 1) × digits × 10^exponent.
 */
export interface DecimalText {
  negative: boolean;
  /** Significant digits without leading or trailing zeros; `''` for zero. */
  digits: string;
  exponent: number;
  /** The exponent as written after `e` (0 when absent). */
  writtenExponent: number;
  /** Digits written after the point. */
  fractionDigits: number;
}

/** docs/data-rules.md's decimal pattern: `^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`. */
const DECIMAL = /^([+-]?)(?:([0-9]+)\.?([0-9]*)|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?$/;

/** Parses text matching the decimal pattern (no spaces, no `inf`/`nan`); null when it does not match. */
export function parseDecimal(text: string): DecimalText | null {
  const m = DECIMAL.exec(text);
  if (m === null) return null;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  // Exponents with more digits than a double holds exactly are far outside every range checked below.
  const writtenExponent = m[5] === undefined ? 0 : Number(m[5]);
  const all = intPart + fracPart;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  const digits = all.slice(start, end);
  return {
    negative: m[1] === '-',
    digits,
    exponent: digits === '' ? 0 : writtenExponent - fracPart.length + (all.length - end),
    writtenExponent,
    fractionDigits: fracPart.length,
  };
}

/** True when two parsed decimals are the same number (zero's sign is compared too). */
function sameDecimal(a: DecimalText, b: DecimalText): boolean {
  return a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
}

/**
 * Why PostgreSQL's `numeric` input would refuse this decimal, or null when it accepts it: at most 131072
 * digits before the point and 16383 after (the display scale counts written trailing zeros), and an
 * exponent under 2^30 — see https://www.postgresql.org/docs/current/datatype-numeric.html and
 * `set_var_from_str`/`make_result` in src/backend/utils/adt/numeric.c. Checked against PostgreSQL 15 and 18.
 */
export function numericRangeProblem(d: DecimalText): string | null {
  if (Math.abs(d.writtenExponent) >= 1073741823) return 'its exponent is beyond what numeric holds';
  if (d.fractionDigits - d.writtenExponent > 16383)
    return 'it has more than 16383 digits after the decimal point (numeric’s limit)';
  if (d.digits !== '' && d.digits.length - 1 + d.exponent > 131071) {
    return 'it has more than 131072 digits before the decimal point (numeric’s limit)';
  }
  return null;
}

/**
 * A double as PostgreSQL prints it, in ECMAScript's spelling: the shortest decimal that reads back as
 * exactly this double, the nearest such when several are as short; `-0` kept as `-0`; `NaN`,
 * `Infinity`, `-Infinity` as PostgreSQL spells them. PostgreSQL (Ryu, src/common/d2s.c) never picks
 * a decimal lying exactly halfway to the next double, which ECMAScript's Number-to-String may
 * (34262784306106928 prints as 34262784306106930 in JavaScript, 3.4262784306106928e+16 in
 * PostgreSQL): in that one case the next longer form is used, so the decimal is the double's value.
 */
export function formatDouble(n: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
  const s = String(n);
  // A shortest form can only be such a midpoint for whole doubles from 2^54 up to about 1e40 (see doubleTie).
  const abs = Math.abs(n);
  if (abs < 18014398509481984 || abs >= 1e40 || !doubleTie(parseDecimal(s) as DecimalText, n)) return s;
  for (let p = (parseDecimal(s) as DecimalText).digits.length; p <= 17; p++) {
    for (const c of nearDecimals(n, p)) if (Number(renderDecimal(c)) === n && !doubleTie(c, n)) return renderDecimal(c);
  }
  return s; // unreachable: 17 digits always name a double without a tie
}

/**
 * True when decimal `dec` is exactly halfway between whole double `d` (|d| ≥ 2^54) and a neighbour.
 * Elsewhere no decimal of 17 digits or fewer is such a midpoint: below 2^54 the midpoints have too few
 * trailing zeros, and from 1e40 on they have more than 17 significant digits.
 */
function doubleTie(dec: DecimalText, d: number): boolean {
  if (dec.exponent < 0) return false;
  const exact = BigInt(Math.abs(d));
  const value = BigInt(dec.digits) * 10n ** BigInt(dec.exponent);
  const diff = value > exact ? value - exact : exact - value;
  const ulp = 2n ** BigInt(exact.toString(2).length - 53);
  if (diff * 2n === ulp) return true;
  const powerOfTwo = (exact & (exact - 1n)) === 0n;
  return powerOfTwo && value < exact && diff * 4n === ulp; // below a power of two the gap is half as wide
}

/** The p-digit decimal nearest |x| and its two neighbours in the last digit, signed like x. */
function nearDecimals(x: number, p: number): DecimalText[] {
  const e = x.toExponential(p - 1);
  const at = e.indexOf('e');
  const mantissa = BigInt(e.slice(x < 0 ? 1 : 0, at).replace('.', ''));
  const exponent = Number(e.slice(at + 1)) - (p - 1);
  // toExponential rounds a halfway value up; Ryu (PostgreSQL's output) breaks that tie to the even digit.
  const midpoint = {
    negative: x < 0,
    digits: String((2n * mantissa - 1n) * 5n),
    exponent: exponent - 1,
    writtenExponent: 0,
    fractionDigits: 0,
  };
  const tieBelow = mantissa % 2n === 1n && compareExact(midpoint, x) === 0;
  const order = tieBelow ? [mantissa - 1n, mantissa, mantissa + 1n] : [mantissa, mantissa + 1n, mantissa - 1n];
  return order
    .filter((m) => m > 0n)
    .map((m) => {
      const digits = String(m).replace(/0+$/, '');
      return {
        negative: x < 0,
        digits,
        exponent: exponent + String(m).length - digits.length,
        writtenExponent: 0,
        fractionDigits: 0,
      };
    });
}

/**
 * A non-zero decimal as ECMAScript's Number-to-String would write it (fixed below 1e21 and from 1e-6, else `1.5e+25`).
 */
function renderDecimal(dec: DecimalText): string {
  const k = dec.digits.length;
  const n = dec.exponent + k; // the decimal point sits after n digits
  const sign = dec.negative ? '-' : '';
  if (k <= n && n <= 21) return sign + dec.digits + '0'.repeat(n - k);
  if (0 < n && n <= 21) return `${sign}${dec.digits.slice(0, n)}.${dec.digits.slice(n)}`;
  if (-6 < n && n <= 0) return `${sign}0.${'0'.repeat(-n)}${dec.digits}`;
  const mantissa = k === 1 ? dec.digits : `${dec.digits[0]}.${dec.digits.slice(1)}`;
  return `${sign}${mantissa}e${n - 1 > 0 ? '+' : '-'}${Math.abs(n - 1)}`;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float4 next to float4 `f` on the side of `d` (bit patterns order by magnitude). */
function float4Toward(f: number, d: number): number {
  F32[0] = f;
  U32[0] += Math.abs(d) > Math.abs(f) ? 1 : -1;
  return F32[0];
}

/** −1, 0 or 1 as decimal `dec` is below, equal to or above finite double `d` (exactly, with BigInt). */
function compareExact(dec: DecimalText, d: number): number {
  let k = 0;
  while (!Number.isInteger(d * 2 ** k)) k++; // exact: scaling by a power of two keeps every bit
  const m = BigInt(Math.abs(d * 2 ** k)); // |d| = m / 2^k = m·5^k / 10^k
  const a = dec.digits === '' ? 0n : BigInt(dec.digits);
  const b = m * 5n ** BigInt(k);
  const scale = Math.max(0, -dec.exponent, k);
  const lhs = a * 10n ** BigInt(dec.exponent + scale);
  const rhs = b * 10n ** BigInt(scale - k);
  const magnitude = lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
  return d < 0 ? -magnitude : magnitude;
}

/**
 * How PostgreSQL's real input (strtof, correctly rounded) reads decimal `text`: the float4, and whether
 * the decimal lay exactly halfway between two float4 values (then rounded half to even).
 * Math.fround(Number(text)) rounds twice and can be wrong only when Number(text) lands exactly on such
 * a midpoint; then the decimal is compared with that midpoint exactly.
 */
export function readFloat4(text: string, dec: DecimalText): { value: number; tie: boolean } {
  const d = Number(text);
  const f = Math.fround(d);
  if (f === d || !Number.isFinite(f)) return { value: f, tie: false };
  const other = float4Toward(f, d);
  if ((f + other) / 2 !== d) return { value: f, tie: false };
  const cmp = compareExact(dec, d);
  if (cmp === 0) return { value: f, tie: true }; // strtof and fround both round half to even
  const [below, above] = f < other ? [f, other] : [other, f];
  return { value: cmp < 0 ? below : above, tie: false };
}

/** The float4 PostgreSQL's real input reads from decimal `text` (`dec` is its parse). */
export function parseFloat4(text: string, dec: DecimalText): number {
  return readFloat4(text, dec).value;
}

/** True when decimal `s` reads back as float4 `f` without being a halfway tie (PostgreSQL's f2s.c never prints one). */
function readsAsFloat4(s: string, f: number): boolean {
  const r = readFloat4(s, parseDecimal(s) as DecimalText);
  return Object.is(r.value, f) && !r.tie;
}

/**
 * The shortest decimal that reads back as float4 `f` (the value PostgreSQL prints for a `real`, in
 * ECMAScript's spelling); `f` must be a float4 value. Among equally short candidates the nearest wins;
 * halfway ties are never picked, as in PostgreSQL.
 */
export function formatFloat4(f: number): string {
  if (f === 0 || !Number.isFinite(f)) return formatDouble(f);
  for (let p = 1; p <= 9; p++) {
    // The nearest p-digit decimal first; next to a power of two the round-trip interval is lopsided,
    // so a neighbour on the wide side may fit when it does not.
    for (const c of nearDecimals(f, p)) {
      const s = renderDecimal(c);
      if (readsAsFloat4(s, f)) return s;
    }
  }
  return formatDouble(f); // unreachable: 9 significant digits always name a float4
}

const describe = describeValue;

function integerConverter(name: string, min: bigint, max: bigint): Converter {
  const inRange = (n: bigint, value: SqliteValue): Conversion =>
    n < min || n > max
      ? fail('out_of_range', `${describe(value)} is outside ${name}'s range ${min}..${max}`)
      : ok(String(n));
  return (value) => {
    if (value === null) return ok(null);
    if (typeof value === 'bigint') return inRange(value, value);
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return fail('not_a_number', `${describe(value)} is not a number`);
      if (!Number.isFinite(value))
        return fail('out_of_range', `${describe(value)} is outside ${name}'s range ${min}..${max}`);
      if (!Number.isInteger(value)) return fail('precision_loss', `${describe(value)} is not a whole number`);
      // A whole double is exactly a BigInt; -0.0 is the integer 0 (integers have no signed zero).
      return inRange(BigInt(value), value);
    }
    if (typeof value === 'string') {
      if (!/^[+-]?[0-9]+$/.test(value)) return fail('not_a_number', `${describe(value)} is not an integer`);
      return inRange(BigInt(value), value);
    }
    if (Buffer.isBuffer(value)) return fail('type_mismatch', `${describe(value)} cannot be ${name}`);
    return fail('not_a_number', `${describe(value)} is not an integer`);
  };
}

/** smallint: −32768..32767. */
export const toSmallint: Converter = integerConverter('smallint', -32768n, 32767n);
/** integer: −2^31..2^31−1. */
export const toInteger: Converter = integerConverter('integer', -2147483648n, 2147483647n);
/** bigint: −2^63..2^63−1, read exactly (INTEGER arrives as a bigint, never through a double). */
export const toBigint: Converter = integerConverter('bigint', -9223372036854775808n, 9223372036854775807n);

/** `inf`, `infinity`, `nan`, any case, optional sign: what PostgreSQL's float input (via strtod) reads. */
const NON_FINITE = /^([+-]?)(inf|infinity|nan)$/i;

type FloatKind = 'real' | 'double precision';

function parseFloatText(text: string, kind: FloatKind, value: SqliteValue): Conversion {
  const special = NON_FINITE.exec(text);
  if (special !== null) {
    if (special[2].toLowerCase() === 'nan') return ok('NaN');
    return ok(special[1] === '-' ? '-Infinity' : 'Infinity');
  }
  const dec = parseDecimal(text);
  if (dec === null) return fail('not_a_number', `${describe(value)} is not a number`);
  // ECMAScript's string-to-number rounds correctly, as strtod does.
  const f = kind === 'real' ? parseFloat4(text, dec) : Number(text);
  if (!Number.isFinite(f)) return fail('out_of_range', `${describe(value)} is outside ${kind}'s range`);
  if (f === 0 && dec.digits !== '')
    return fail('precision_loss', `${describe(value)} is too small for ${kind}: it would become 0`);
  const shortest = kind === 'real' ? formatFloat4(f) : formatDouble(f);
  if (!sameDecimal(dec, parseDecimal(shortest) as DecimalText)) {
    return fail(
      'precision_loss',
      `${describe(value)} has more precision than ${kind} keeps (it would read back as ${shortest})`,
    );
  }
  return ok(shortest);
}

function floatConverter(kind: FloatKind): Converter {
  const isReal = kind === 'real';
  return (value) => {
    if (value === null) return ok(null);
    if (typeof value === 'number') {
      if (!isReal) return ok(formatDouble(value));
      if (Number.isNaN(value) || Math.fround(value) === value) return ok(formatFloat4(value));
      return fail(
        'precision_loss',
        `${describe(value)} is not exactly a real (4-byte float) value: real would round it`,
      );
    }
    if (typeof value === 'bigint') {
      const d = isReal ? Math.fround(Number(value)) : Number(value);
      // Sent in the float's own shortest form, as PostgreSQL prints it back (-2^63 as -9.223372036854776e+18).
      if (Number.isFinite(d) && BigInt(d) === value) return ok(isReal ? formatFloat4(d) : formatDouble(d));
      return fail('precision_loss', `${describe(value)} cannot be held exactly by ${kind}`);
    }
    if (typeof value === 'string') return parseFloatText(value, kind, value);
    if (Buffer.isBuffer(value)) return fail('type_mismatch', `${describe(value)} cannot be ${kind}`);
    return fail('not_a_number', `${describe(value)} is not a number`);
  };
}

/** real (float4): only values a 4-byte float holds exactly; SQLite's REAL is 8 bytes, so most are `precision_loss`. */
export const toReal: Converter = floatConverter('real');
/**
 * double precision: SQLite's REAL exactly, INTEGER when a double holds it, decimal text when it reads back the same.
 */
export const toDouble: Converter = floatConverter('double precision');

/**
 * numeric: INTEGER digits, REAL's shortest decimal (NaN and ±Infinity need PostgreSQL 14+), decimal text as written.
 */
export const toNumeric: Converter = (value) => {
  if (value === null) return ok(null);
  if (typeof value === 'bigint') return ok(String(value));
  // numeric has no negative zero: -0.0 is sent as 0 (SQL compares them equal).
  if (typeof value === 'number') return ok(value === 0 ? '0' : formatDouble(value));
  if (typeof value === 'string') {
    const dec = parseDecimal(value);
    if (dec === null) return fail('not_a_number', `${describe(value)} is not a decimal number`);
    const problem = numericRangeProblem(dec);
    if (problem !== null) return fail('out_of_range', `${describe(value)} cannot be numeric: ${problem}`);
    return ok(value);
  }
  if (Buffer.isBuffer(value)) return fail('type_mismatch', `${describe(value)} cannot be numeric`);
  return fail('not_a_number', `${describe(value)} is not a decimal number`);
};
