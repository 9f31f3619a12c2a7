// Converter to PostgreSQL `text`: verbatim, except what text cannot hold (NUL, bytes that are not UTF-8).
import { type Conversion, type Converter, describeValue, fail, ok } from './conversion.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';

// ignoreBOM keeps a leading U+FEFF as a character: the default decoder would silently drop those bytes.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text when they are valid UTF-8 (a BOM is kept), else null. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** Lone surrogates: a JS string holding one has no UTF-8 form (Buffer.from would write U+FFFD instead). */
const LONE_SURROGATE = /\p{Cs}/u;

/** True when the string has a UTF-8 encoding (no unpaired surrogate). */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The valid UTF-8 parts of `bytes` as text, dropping each invalid sequence (the same maximal subparts the
 * WHATWG decoder would replace with U+FFFD: https://encoding.spec.whatwg.org/#utf-8-decoder).
 */
export function stripInvalidUtf8(bytes: Uint8Array): string {
  const keep: Uint8Array[] = [];
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const len = validSequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    if (i > runStart) keep.push(bytes.subarray(runStart, i));
    i += invalidPrefixLength(bytes, i);
    runStart = i;
  }
  if (runStart < bytes.length) keep.push(bytes.subarray(runStart));
  return Buffer.concat(keep).toString('utf8');
}

/** Allowed range of the second byte for a lead byte (Unicode 15, table 3-7), or null when the lead is invalid. */
function secondByteRange(lead: number): [number, number, number] | null {
  if (lead >= 0xc2 && lead <= 0xdf) return [0x80, 0xbf, 2];
  if (lead === 0xe0) return [0xa0, 0xbf, 3];
  if (lead === 0xed) return [0x80, 0x9f, 3];
  if (lead >= 0xe1 && lead <= 0xef) return [0x80, 0xbf, 3];
  if (lead === 0xf0) return [0x90, 0xbf, 4];
  if (lead === 0xf4) return [0x80, 0x8f, 4];
  if (lead >= 0xf1 && lead <= 0xf3) return [0x80, 0xbf, 4];
  return null;
}

/** Bytes taken by the well-formed sequence at i, or 0 when it is not well-formed. */
function validSequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead < 0x80) return 1;
  const range = secondByteRange(lead);
  if (range === null) return 0;
  const [lo, hi, len] = range;
  if (i + len > bytes.length || bytes[i + 1] < lo || bytes[i + 1] > hi) return 0;
  for (let k = 2; k < len; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return 0;
  return len;
}

/** Length of the invalid maximal subpart at i: the lead byte and the continuation bytes that still fit it. */
function invalidPrefixLength(bytes: Uint8Array, i: number): number {
  const range = secondByteRange(bytes[i]);
  if (range === null) return 1;
  const [lo, hi, len] = range;
  let k = 1;
  if (i + k < bytes.length && bytes[i + k] >= lo && bytes[i + k] <= hi) {
    k++;
    while (k < len && i + k < bytes.length && bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf) k++;
  }
  return k;
}

/**
 * Python's `repr(float)`: the shortest round-trip digits, in positional form with `.0` for whole numbers
 * when the decimal exponent is between -5 and 15 (`1.0`, `0.0001`, `1000000000000000.0`), else scientific
 * with a signed exponent of at least two digits (`1e-05`, `1e+16`, `1.5e+300`); `inf`, `-inf`, `nan`,
 * `-0.0`. See `float_repr_style` 'short' in Python's Objects/floatobject.c and Python/pystrtod.c.
 */
export function pythonRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits: "d.ddde±x".
  const exp = Math.abs(n).toExponential();
  const e = exp.indexOf('e');
  const digits = exp.slice(0, e).replace('.', '');
  const x = Number(exp.slice(e + 1));
  if (x < -4 || x >= 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const absExp = String(Math.abs(x)).padStart(2, '0');
    return `${sign}${mantissa}e${x < 0 ? '-' : '+'}${absExp}`;
  }
  if (x < 0) return `${sign}0.${'0'.repeat(-x - 1)}${digits}`;
  if (digits.length <= x + 1) return `${sign}${digits}${'0'.repeat(x + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, x + 1)}.${digits.slice(x + 1)}`;
}

/** Checks a JS string for what PostgreSQL text cannot hold; `stripped` removes it. */
export function checkText(text: string, value: SqliteValue): Conversion {
  if (!isWellFormed(text)) {
    const stripped = text.replace(/\p{Cs}/gu, '').replaceAll('\u0000', '');
    return fail(
      'invalid_utf8',
      `${describeValue(value)} holds an unpaired surrogate, which has no UTF-8 form`,
      stripped,
    );
  }
  if (text.includes('\u0000')) {
    return fail(
      'nul_byte',
      `${describeValue(value)} holds a NUL character, which PostgreSQL text cannot store`,
      text.replaceAll('\u0000', ''),
    );
  }
  return ok(text);
}

/** text: TEXT verbatim; INTEGER digits; REAL as Python's repr; a BLOB when it is UTF-8 without NUL. */
export const toText: Converter = (value) => {
  if (value === null) return ok(null);
  if (typeof value === 'string') return checkText(value, value);
  if (typeof value === 'bigint') return ok(String(value));
  if (typeof value === 'number') return ok(pythonRepr(value));
  if (value instanceof InvalidUtf8Text) {
    const stripped = stripInvalidUtf8(value.bytes).replaceAll('\u0000', '');
    return fail('invalid_utf8', `${describeValue(value)} cannot be PostgreSQL text`, stripped);
  }
  const text = decodeUtf8(value);
  if (text === null) return fail('invalid_utf8', `${describeValue(value)} is not valid UTF-8 text`);
  if (text.includes('\u0000'))
    return fail('nul_byte', `${describeValue(value)} holds a NUL byte, which PostgreSQL text cannot store`);
  return ok(text);
};
