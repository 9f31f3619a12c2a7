// The verifier's own number arithmetic: decimal parsing and normalising, shortest double/float4 forms,
// and PostgreSQL numeric's limits, written apart from the loader's converters on purpose.

/** A decimal value `(neg ? -1 : 1) × digits × 10^exp`, `digits` without leading or trailing zeros ('' is zero). */
export interface Decimal {
  neg: boolean;
  digits: string;
  exp: number;
  /** Digits written after the point minus the written exponent: the scale PostgreSQL's numeric_in keeps. */
  writtenScale: number;
  /** The exponent as written (`1.5e3` → 3), clamped to ±1e15. */
  writtenExp: number;
}

/** The data rules' decimal pattern for text in number columns. */
export const DECIMAL_TEXT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const DECIMAL_PARTS = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * Parses decimal text (JSON numbers and the DECIMAL_TEXT pattern both fit) exactly, digit by digit.
 * Exponents beyond ±1e15 are clamped; no real value gets near them and PostgreSQL refuses them anyway.
 */
export function parseDecimal(text: string): Decimal | null {
  const m = DECIMAL_PARTS.exec(text);
  if (!m) return null;
  const intPart = m[2];
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return null;
  const writtenExp = m[4] === undefined ? 0 : clampExp(m[4]);
  let all = intPart + fracPart;
  let exp = writtenExp - fracPart.length;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  exp += all.length - end;
  all = all.slice(start, end);
  return {
    neg: m[1] === '-',
    digits: all,
    exp: all === '' ? 0 : exp,
    writtenScale: fracPart.length - writtenExp,
    writtenExp,
  };
}

function clampExp(text: string): number {
  const n = Number(text);
  return Math.max(-1e15, Math.min(1e15, n));
}

/** The value as plain decimal text without trailing fraction zeros or sign of zero: `100`, `-0.015`, `0`. */
export function plainDecimal(d: Decimal): string {
  const { digits, exp } = d;
  if (digits === '') return '0';
  const sign = d.neg ? '-' : '';
  if (exp >= 0) return sign + digits + '0'.repeat(exp);
  const point = digits.length + exp;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${digits}`;
}

const PLAIN = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/**
 * plainDecimal(parseDecimal(text)) for decimal text, with a fast path for text already in plain form
 * (PostgreSQL's numeric output, most JSON numbers): only trailing fraction zeros and `-0` change there.
 */
export function normaliseDecimalText(text: string): string {
  if (!PLAIN.test(text)) return plainDecimal(parseDecimal(text)!);
  let t = text;
  if (t.includes('.')) {
    let end = t.length;
    while (t.charCodeAt(end - 1) === 48) end--;
    if (t.charCodeAt(end - 1) === 46) end--;
    t = t.slice(0, end);
  }
  return t === '-0' ? '0' : t;
}

/** True when decimal text is short and plain enough that numeric's limits cannot be reached (no parse needed). */
export function surelyFitsNumeric(text: string): boolean {
  return text.length < 16000 && PLAIN.test(text);
}

/**
 * Why PostgreSQL's numeric cannot hold this written number, or null when it can. numeric keeps at
 * most 131072 digits before the point and a scale (as written) of at most 16383, and its input
 * refuses exponents of ±(INT_MAX/2) or more ("value overflows numeric format").
 */
export function numericOverflow(d: Decimal): string | null {
  if (Math.abs(d.writtenExp) >= 1073741823) return `exponent ${d.writtenExp} beyond what numeric reads`;
  if (d.writtenScale > 16383) return `scale ${d.writtenScale} beyond numeric's 16383`;
  if (d.digits !== '' && d.digits.length + d.exp > 131072) return 'more than 131072 digits before the point';
  return null;
}

/** The shortest round-trip decimal digits of a finite double, as a Decimal (toExponential() is shortest). */
export function doubleDecimal(x: number): Decimal {
  const text = x.toExponential();
  const e = text.indexOf('e');
  const neg = text.charCodeAt(0) === 45;
  const mantissa = text.slice(neg ? 1 : 0, e).replace('.', '');
  const d = parseDecimal(`${mantissa}e${Number(text.slice(e + 1)) - mantissa.length + 1}`)!;
  d.neg = neg || Object.is(x, -0);
  return d;
}

/** Canonical text of a double: shortest round-trip decimal in JavaScript's spelling, `-0` kept, NaN/±Infinity named. */
export function canonicalDouble(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  return String(x); // 'NaN', 'Infinity', '-Infinity' already
}

/** True when two Decimals are the same value. */
export function sameDecimal(a: Decimal, b: Decimal): boolean {
  if (a.digits === '' && b.digits === '') return true;
  return a.neg === b.neg && a.digits === b.digits && a.exp === b.exp;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float4 next to finite float `f` in the direction of `towards`. */
function nextFloat(f: number, towards: number): number {
  if (f === 0) return towards > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = f;
  const awayFromZero = towards > f === f > 0;
  u32[0] += awayFromZero ? 1 : -1;
  return f32[0];
}

/**
 * The float4 nearest to decimal text, correctly rounded. Math.fround(Number(text)) rounds twice and
 * is wrong exactly when the double lands on the midpoint of two floats while the text does not;
 * that rare case is settled by comparing the text with the midpoint exactly.
 */
export function decimalToFloat4(text: string): number {
  const d = Number(text);
  const f = Math.fround(d);
  if (f === d || !Number.isFinite(f)) return f;
  const other = nextFloat(f, d);
  if (!Number.isFinite(other) || (f + other) / 2 !== d) return f;
  const dec = parseDecimal(text);
  if (!dec) return f;
  const cmp = compareDecimalToDouble(dec, d);
  if (cmp === 0) return f;
  return cmp > 0 ? Math.max(f, other) : Math.min(f, other);
}

/** Sign of (decimal − double), exactly, with BigInt: used only on the rare midpoint path. */
export function compareDecimalToDouble(dec: Decimal, x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp2 = biased === 0 ? -1074 : biased - 1075;
  if (biased !== 0) mant |= 1n << 52n;
  const xNeg = x < 0;
  const decNeg = dec.neg && dec.digits !== '';
  if (dec.digits === '' || mant === 0n) {
    const ds = dec.digits === '' ? 0 : decNeg ? -1 : 1;
    const xs = mant === 0n ? 0 : xNeg ? -1 : 1;
    return Math.sign(ds - xs);
  }
  if (decNeg !== xNeg) return decNeg ? -1 : 1;
  let left = BigInt(dec.digits);
  let right = mant;
  if (dec.exp >= 0) left *= 10n ** BigInt(dec.exp);
  else right *= 10n ** BigInt(-dec.exp);
  if (exp2 >= 0) right <<= BigInt(exp2);
  else left <<= BigInt(-exp2);
  const magnitude = left === right ? 0 : left > right ? 1 : -1;
  return xNeg ? -magnitude : magnitude;
}

/** Canonical text of a float4 value: the shortest decimal that reads back as that float4. */
export function canonicalFloat4(f: number): string {
  if (!Number.isFinite(f) || f === 0) return canonicalDouble(f);
  for (let p = 1; p < 9; p++) {
    const text = f.toPrecision(p);
    if (decimalToFloat4(text) === f) return String(Number(text));
  }
  return String(Number(f.toPrecision(9)));
}

/** True when decimal `d` is exactly halfway between whole double `x` and one of its neighbours. */
function isMidpointOf(d: Decimal, x: number): boolean {
  if (d.exp < 0) return false; // only whole decimals can be midpoints of whole doubles
  const value = BigInt(d.digits || '0') * 10n ** BigInt(d.exp);
  const whole = BigInt(Math.abs(x));
  const k = whole.toString(2).length - 1; // 2^k ≤ |x| < 2^(k+1)
  if (k < 53) return false; // below 2^53 doubles are spaced ≤ 1: their midpoints are not whole
  const ulp = 2n ** BigInt(k - 52);
  const powerOfTwo = whole === 2n ** BigInt(k);
  const below = powerOfTwo ? whole - ulp / 4n : whole - ulp / 2n;
  return value === whole + ulp / 2n || value === below;
}

/**
 * The decimal PostgreSQL prints for a double (Ryu without the boundary: never a value exactly halfway to a
 * neighbour, where JavaScript may pick one, e.g. 1e23). Used where the target keeps the decimal itself
 * (numeric, json, jsonb numbers) and so must match the loader's spelling of a REAL.
 */
export function pgDoubleDecimal(x: number): Decimal {
  const shortest = doubleDecimal(x);
  if (!Number.isFinite(x) || !Number.isInteger(x) || !isMidpointOf(shortest, x)) return shortest;
  for (let p = shortest.digits.length + 1; p <= 17; p++) {
    const candidate = parseDecimal(x.toPrecision(p))!;
    candidate.neg = x < 0;
    if (Number(x.toPrecision(p)) === x && !isMidpointOf(candidate, x)) return candidate;
  }
  return parseDecimal(x.toPrecision(17))!;
}

/** A double's text as pgDoubleDecimal chooses it, spelled as JavaScript's Number-to-String spells decimals. */
export function pgDoubleText(x: number): string {
  const d = pgDoubleDecimal(x);
  if (!Number.isInteger(x) || sameDecimal(d, doubleDecimal(x))) return canonicalDouble(x);
  const n = d.exp + d.digits.length; // whole doubles only here: exp ≥ 0
  const sign = x < 0 ? '-' : '';
  if (n <= 21) return sign + d.digits + '0'.repeat(d.exp);
  const mantissa = d.digits.length === 1 ? d.digits : `${d.digits[0]}.${d.digits.slice(1)}`;
  return `${sign}${mantissa}e+${n - 1}`;
}
