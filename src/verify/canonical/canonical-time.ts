// Timestamps and dates for the verifier, in integer arithmetic: calendar days plus microseconds of the day,
// so nothing passes through a JavaScript Date (which keeps only milliseconds).
import { localToUtcSeconds } from './canonical-zone.js';
import { doubleDecimal } from './canonical-number.js';
import { typedOut } from './typed-value.js';

/** An instant (or a naive wall-clock time read as UTC): days since 1970-01-01 plus microseconds into that day. */
export interface Instant {
  days: number;
  micros: number;
}

/** Not ok: `reason` starts with the data rules' code (`invalid_timestamp:` or `precision_loss:`). */
export type TimeResult = { ok: true; instant: Instant } | { ok: false; reason: string };

const invalid = (why: string): TimeResult => ({ ok: false, reason: `invalid_timestamp: ${why}` });

/** Microseconds in a day. */
export const US_PER_DAY = 86_400_000_000;
/** 0001-01-01 and 9999-12-31, the years the data rules accept. */
const MIN_DAY = daysFromCivil(1, 1, 1);
const MAX_DAY = daysFromCivil(9999, 12, 31);

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date of a day number, as `YYYY-MM-DD` (years 0001–9999). */
export function civilFromDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Canonical timestamp: microseconds since 1970-01-01 00:00 UTC as decimal digits. */
export function microsText(t: Instant): string {
  return microsDigits(t.days, t.micros);
}

/** Canonical microseconds since 1970 (decimal digits, exact) of an instant's days and micros within its day. */
export function microsDigits(days: number, micros: number): string {
  // |days| < 100000 keeps days × 8.64e10 below 2^53: plain numbers are exact there (years 1697–2243).
  if (days > -100_000 && days < 100_000) return integerText(days * US_PER_DAY + micros);
  return String(BigInt(days) * BigInt(US_PER_DAY) + BigInt(micros));
}

/**
 * String(n) of a safe integer, without the shortest-digits algorithm V8 prints doubles beyond the
 * small-integer range through (timestamps in microseconds are such doubles); two halves below 1e8 print directly.
 */
function integerText(n: number): string {
  if (n >= 1e15 && n < 1e16) return sixteenDigits(n); // the instants of 2001-09-09 to 2286-11-20
  if (n < 0) return `-${integerText(-n)}`;
  if (n < 1e8) return String(n);
  const hi = Math.floor(n / 1e8);
  const lo = String(n - hi * 1e8);
  return `${hi}${'00000000'.slice(lo.length)}${lo}`;
}

function inRange(t: Instant): TimeResult {
  if (t.days < MIN_DAY || t.days > MAX_DAY) return invalid('outside years 0001–9999');
  return { ok: true, instant: t };
}

/** Digit `p` (a power of ten) of `x`, as a character code. */
const digit = (x: number, p: number): number => 48 + (Math.floor(x / p) % 10);

/** A whole number of 16 digits as one flat string (a concatenation is flattened again when hashed). */
function sixteenDigits(n: number): string {
  const hi = Math.floor(n / 1e8);
  const lo = n - hi * 1e8;
  return String.fromCharCode(
    digit(hi, 1e7),
    digit(hi, 1e6),
    digit(hi, 1e5),
    digit(hi, 1e4),
    digit(hi, 1e3),
    digit(hi, 100),
    digit(hi, 10),
    digit(hi, 1),
    digit(lo, 1e7),
    digit(lo, 1e6),
    digit(lo, 1e5),
    digit(lo, 1e4),
    digit(lo, 1e3),
    digit(lo, 100),
    digit(lo, 10),
    digit(lo, 1),
  );
}

/** The value of `n` decimal digits at `at`, or -1 when they are not all digits. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(at + k);
    if (!(c >= 48 && c <= 57)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

const NOT_A_FORM = 'invalid_timestamp: not a timestamp form the data rules accept';

/** Where scanSourceTimestamp leaves the instant it read (no object per value: this runs once per timestamp). */
const scanned: Instant = { days: 0, micros: 0 };

/**
 * Reads a timestamp text form of the data rules: the instant it stands for (UTC), or why it is not one.
 * Accepted: `YYYY-MM-DD`, then ` HH:MM`, ` HH:MM:SS[.f]` or `THH:MM:SS[.f]` (1–9 fraction digits), then
 * an optional offset `Z`, `±HH`, `±HHMM`, `±HH:MM`. Naive `T` forms are local times in `localTimeZone`
 * when one is given; everything else naive is as written. (A hand scanner: a regular expression with
 * this many groups cost a microsecond per value.)
 */
export function parseSourceTimestamp(text: string, localTimeZone: string | null): TimeResult {
  const reason = scanSourceTimestamp(text, localTimeZone);
  return reason === null
    ? { ok: true, instant: { days: scanned.days, micros: scanned.micros } }
    : { ok: false, reason };
}

/** The canonical form (microseconds as digits) of the instant scanSourceTimestamp read last. */
export function scannedMicrosText(): string {
  return microsDigits(scanned.days, scanned.micros);
}

/** True when the instant scanSourceTimestamp read last is a midnight (a date). */
export function scannedIsMidnight(): boolean {
  return scanned.micros === 0;
}

/** The days since 1970-01-01 of the instant scanSourceTimestamp read last. */
export function scannedDays(): number {
  return scanned.days;
}

/**
 * parseSourceTimestamp without objects: null when `text` is a timestamp (its instant then in `scanned`),
 * else why it is not one (`invalid_timestamp: …` or `precision_loss: …`).
 */
export function scanSourceTimestamp(text: string, localTimeZone: string | null): string | null {
  const len = text.length;
  if (len < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return NOT_A_FORM;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return NOT_A_FORM;
  let i = 10;
  let hour = 0,
    minute = 0,
    second = 0,
    fracMicros = 0;
  const sep = text.charCodeAt(i);
  const tSep = sep === 84; // 'T'
  if (sep === 32 || tSep) {
    hour = digitsAt(text, i + 1, 2);
    minute = digitsAt(text, i + 4, 2);
    if (hour < 0 || text.charCodeAt(i + 3) !== 58 || minute < 0) return NOT_A_FORM;
    i += 6;
    if (text.charCodeAt(i) === 58) {
      second = digitsAt(text, i + 1, 2);
      if (second < 0) return NOT_A_FORM;
      i += 3;
      if (text.charCodeAt(i) === 46) {
        // `.f…`: 1 to 9 digits; digits past the 6th must be zeros (finer than a microsecond otherwise).
        let end = i + 1;
        while (end < len && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
        const n = end - i - 1;
        if (n < 1 || n > 9) return NOT_A_FORM;
        for (let k = 0; k < 6; k++) fracMicros = fracMicros * 10 + (k < n ? text.charCodeAt(i + 1 + k) - 48 : 0);
        for (let k = 6; k < n; k++) if (text.charCodeAt(i + 1 + k) !== 48) fracMicros = -1;
        i = end;
      }
    } else if (tSep) return NOT_A_FORM; // the T form always has seconds
  }
  let offset: number | null | undefined; // seconds east; null: beyond what PostgreSQL reads
  if (i < len) {
    const o = text.charCodeAt(i);
    if (o === 90) {
      offset = 0;
      i++;
    } else if (o === 43 || o === 45) {
      const oh = digitsAt(text, i + 1, 2);
      if (oh < 0) return NOT_A_FORM;
      i += 3;
      let om = 0;
      if (i < len) {
        const colon = text.charCodeAt(i) === 58 ? 1 : 0;
        om = digitsAt(text, i + colon, 2);
        if (om < 0) return NOT_A_FORM;
        i += colon + 2;
      }
      // PostgreSQL itself reads offsets up to ±15:59 ("time zone displacement out of range" beyond).
      offset = oh > 15 || om > 59 ? null : (o === 45 ? -1 : 1) * (oh * 3600 + om * 60);
    } else return NOT_A_FORM;
  }
  if (i !== len) return NOT_A_FORM;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return 'invalid_timestamp: not a real calendar date';
  }
  if (hour > 23 || minute > 59 || second > 59) return 'invalid_timestamp: time of day out of range';
  if (fracMicros < 0) return 'precision_loss: fraction finer than a microsecond';
  if (offset === null) return 'invalid_timestamp: UTC offset beyond ±15:59';
  let days = daysFromCivil(year, month, day);
  let seconds = (hour * 60 + minute) * 60 + second;
  if (offset !== undefined) {
    seconds -= offset;
  } else if (tSep && localTimeZone !== null) {
    const local = localToUtcSeconds(localTimeZone, days * 86400 + seconds);
    if (!local.ok) return `invalid_timestamp: ${local.reason}`;
    days = Math.floor(local.seconds / 86400);
    seconds = local.seconds - days * 86400;
  }
  // Normalised: micros within the day, the days carried.
  const micros = seconds * 1_000_000 + fracMicros;
  const carry = Math.floor(micros / US_PER_DAY);
  days += carry;
  if (days < MIN_DAY || days > MAX_DAY) return 'invalid_timestamp: outside years 0001–9999';
  scanned.days = days;
  scanned.micros = micros - carry * US_PER_DAY;
  return null;
}

/** A Unix epoch stored as a number: |n| < 1e11 is seconds, larger is milliseconds (data rules). */
export function epochInstant(value: bigint | number): TimeResult {
  let micros: bigint;
  if (typeof value === 'bigint') {
    const abs = value < 0n ? -value : value;
    micros = abs < 100_000_000_000n ? value * 1_000_000n : value * 1000n;
  } else {
    if (!Number.isFinite(value)) return invalid(`${value} is not an epoch`);
    // The fraction comes from the REAL's shortest decimal form, exactly.
    const dec = doubleDecimal(value);
    const exp = dec.exp + (Math.abs(value) < 1e11 ? 6 : 3);
    if (exp < 0) return { ok: false, reason: 'precision_loss: epoch fraction finer than a microsecond' };
    if (dec.digits.length + exp > 20) return invalid('epoch outside years 0001–9999');
    micros = dec.digits === '' ? 0n : BigInt(dec.digits + '0'.repeat(exp));
    if (dec.neg) micros = -micros;
  }
  const dayBig =
    micros >= 0n ? micros / BigInt(US_PER_DAY) : -((-micros + BigInt(US_PER_DAY) - 1n) / BigInt(US_PER_DAY));
  if (dayBig < BigInt(MIN_DAY) || dayBig > BigInt(MAX_DAY)) return invalid('epoch outside years 0001–9999');
  return inRange({ days: Number(dayBig), micros: Number(micros - dayBig * BigInt(US_PER_DAY)) });
}

/**
 * Canonical microseconds from PostgreSQL's ISO timestamp/timestamptz output,
 * `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]][ BC]` (years may have 5+ digits), or null when it is not that.
 */
export function pgTimestampMicros(text: string): string | null {
  if (text === 'infinity' || text === '-infinity') return text;
  return scanPgTimestamp(text, 0, text.length) ? microsDigits(pgScanned.days, pgScanned.micros) : null;
}

/** Where scanPgTimestamp leaves the instant it read. */
const pgScanned: Instant = { days: 0, micros: 0 };

/**
 * Puts the microseconds since 1970 of the instant scanPgTimestamp read last in typedOut[0] when they are a
 * safe integer whose digits are its canonical form (|days| < 100000, as microsDigits prints them); false
 * otherwise. A boolean and a slot rather than a number or null: no number is boxed per value.
 */
export function pgScannedMicrosInto(): boolean {
  return microsInto(pgScanned.days, pgScanned.micros);
}

/** The instant scanSourceTimestamp read last, as pgScannedMicrosInto puts one. */
export function scannedMicrosInto(): boolean {
  return microsInto(scanned.days, scanned.micros);
}

/** An instant's microseconds since 1970 in typedOut[0], when exact (|days| < 100000). */
export function microsInto(days: number, micros: number): boolean {
  if (days <= -100_000 || days >= 100_000) return false;
  typedOut[0] = days * US_PER_DAY + micros + 0;
  return true;
}

/**
 * pgTimestampMicros on text[start, end) without slicing it: true when it is an ISO timestamp (its instant
 * then in pgScanned), false otherwise (`infinity` included).
 */
export function scanPgTimestamp(text: string, start: number, end: number): boolean {
  let i = start;
  let year = 0;
  for (let c = text.charCodeAt(i); i < end && c >= 48 && c <= 57; c = text.charCodeAt(++i)) year = year * 10 + (c - 48);
  const yearDigits = i - start;
  if (yearDigits < 4 || yearDigits > 6 || i + 15 > end) return false;
  if (text.charCodeAt(i) !== 45 || text.charCodeAt(i + 3) !== 45 || text.charCodeAt(i + 6) !== 32) return false;
  if (text.charCodeAt(i + 9) !== 58 || text.charCodeAt(i + 12) !== 58) return false;
  const month = digitsAt(text, i + 1, 2);
  const day = digitsAt(text, i + 4, 2);
  const hour = digitsAt(text, i + 7, 2);
  const minute = digitsAt(text, i + 10, 2);
  const second = digitsAt(text, i + 13, 2);
  if (month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return false;
  i += 15;
  let micros = 0;
  if (i < end && text.charCodeAt(i) === 46) {
    // `.f…`: 1 to 6 digits (timestamp_out drops trailing zeros).
    const stop = ++i + 6 < end ? i + 6 : end;
    const first = i;
    for (let c = text.charCodeAt(i); i < stop && c >= 48 && c <= 57; c = text.charCodeAt(++i))
      micros = micros * 10 + (c - 48);
    if (i === first) return false;
    for (let k = i - first; k < 6; k++) micros *= 10;
    const c = i < end ? text.charCodeAt(i) : -1;
    if (c >= 48 && c <= 57) return false; // a 7th digit
  }
  let seconds = (hour * 60 + minute) * 60 + second;
  const sign = i < end ? text.charCodeAt(i) : -1;
  if (sign === 43 || sign === 45) {
    let off = 0;
    let unit = 3600;
    for (i++; unit >= 1; unit /= 60) {
      if (i + 2 > end) return false;
      const v = digitsAt(text, i, 2);
      if (v < 0) return false;
      off += v * unit;
      i += 2;
      if (i >= end || text.charCodeAt(i) !== 58 || unit === 1) break;
      i++;
    }
    seconds -= sign === 45 ? -off : off;
  }
  if (i === end - 3 && text.charCodeAt(i) === 32 && text.charCodeAt(i + 1) === 66 && text.charCodeAt(i + 2) === 67) {
    year = 1 - year; // ` BC`
    i += 3;
  }
  if (i !== end) return false;
  const all = seconds * 1_000_000 + micros;
  const carry = Math.floor(all / US_PER_DAY);
  pgScanned.days = daysFromCivil(year, month, day) + carry;
  pgScanned.micros = all - carry * US_PER_DAY;
  return true;
}
