// Timestamps and dates for the verifier, in integer arithmetic: calendar days plus microseconds of the day,
// so nothing passes through a JavaScript Date (which keeps only milliseconds).
import { localToUtcSeconds } from './canonical-zone.js';
import { doubleDecimal } from './canonical-number.js';

/** An instant (or a naive wall-clock time read as UTC): days since 1970-01-01 plus microseconds into that day. */
export interface Instant {
  days: number;
  micros: number;
}

/** Not ok: `reason` starts with the data rules' code (`invalid_timestamp:` or `precision_loss:`). */
export type TimeResult = { ok: true; instant: Instant } | { ok: false; reason: string };

const invalid = (why: string): TimeResult => ({ ok: false, reason: `invalid_timestamp: ${why}` });

const US_PER_DAY = 86_400_000_000;
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
  // |days| < 100000 keeps days × 8.64e10 below 2^53: plain numbers are exact there (years 1697–2243).
  if (t.days > -100_000 && t.days < 100_000) return String(t.days * US_PER_DAY + t.micros);
  return String(BigInt(t.days) * BigInt(US_PER_DAY) + BigInt(t.micros));
}

function normalise(days: number, micros: number): Instant {
  const carry = Math.floor(micros / US_PER_DAY);
  return { days: days + carry, micros: micros - carry * US_PER_DAY };
}

function inRange(t: Instant): TimeResult {
  if (t.days < MIN_DAY || t.days > MAX_DAY) return invalid('outside years 0001–9999');
  return { ok: true, instant: t };
}

// YYYY-MM-DD, then ` HH:MM`, ` HH:MM:SS[.f]` or `THH:MM:SS[.f]`, then an optional offset Z, ±HH, ±HHMM, ±HH:MM.
const SOURCE_FORM =
  /^(\d{4})-(\d{2})-(\d{2})(?:( )(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?|(T)(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?:\d{2}|:\d{2})?)?$/;

/**
 * Reads a timestamp text form of the data rules: the instant it stands for (UTC), or why it is not one.
 * Naive `T` forms are local times in `localTimeZone` when one is given; everything else naive is as written.
 */
export function parseSourceTimestamp(text: string, localTimeZone: string | null): TimeResult {
  const m = SOURCE_FORM.exec(text);
  if (!m) return invalid('not a timestamp form the data rules accept');
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const tSep = m[9] === 'T';
  const hour = Number((tSep ? m[10] : m[5]) ?? 0);
  const minute = Number((tSep ? m[11] : m[6]) ?? 0);
  const second = Number((tSep ? m[12] : m[7]) ?? 0);
  const fraction = (tSep ? m[13] : m[8]) ?? '';
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return invalid('not a real calendar date');
  }
  if (hour > 23 || minute > 59 || second > 59) return invalid('time of day out of range');
  if (fraction.length > 6 && !/^0+$/.test(fraction.slice(6))) {
    return { ok: false, reason: 'precision_loss: fraction finer than a microsecond' };
  }
  const fracMicros = Number(fraction.slice(0, 6).padEnd(6, '0'));
  const offset = m[14];
  let days = daysFromCivil(year, month, day);
  let seconds = (hour * 60 + minute) * 60 + second;
  if (offset !== undefined) {
    const shift = offsetSeconds(offset);
    // PostgreSQL itself reads offsets up to ±15:59 ("time zone displacement out of range" beyond).
    if (shift === null) return invalid('UTC offset beyond ±15:59');
    seconds -= shift;
  } else if (tSep && localTimeZone !== null) {
    const local = localToUtcSeconds(localTimeZone, days * 86400 + seconds);
    if (!local.ok) return invalid(local.reason);
    days = Math.floor(local.seconds / 86400);
    seconds = local.seconds - days * 86400;
  }
  return inRange(normalise(days, seconds * 1_000_000 + fracMicros));
}

function offsetSeconds(offset: string): number | null {
  if (offset === 'Z') return 0;
  const sign = offset[0] === '-' ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || 0);
  if (hours > 15 || minutes > 59) return null;
  return sign * (hours * 3600 + minutes * 60);
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
  const dayBig = micros >= 0n ? micros / BigInt(US_PER_DAY) : -((-micros + BigInt(US_PER_DAY) - 1n) / BigInt(US_PER_DAY));
  if (dayBig < BigInt(MIN_DAY) || dayBig > BigInt(MAX_DAY)) return invalid('epoch outside years 0001–9999');
  return inRange({ days: Number(dayBig), micros: Number(micros - dayBig * BigInt(US_PER_DAY)) });
}

// PostgreSQL's ISO output: `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]][ BC]` (years may have 5+ digits).
const PG_FORM = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?)?( BC)?$/;

/** Canonical microseconds from PostgreSQL's timestamp/timestamptz text, or null when it is not that form. */
export function pgTimestampMicros(text: string): string | null {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = PG_FORM.exec(text);
  if (!m) return null;
  const year = m[12] ? 1 - Number(m[1]) : Number(m[1]);
  const days = daysFromCivil(year, Number(m[2]), Number(m[3]));
  let seconds = (Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6]);
  if (m[8]) {
    const off = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    seconds -= m[8] === '-' ? -off : off;
  }
  const micros = seconds * 1_000_000 + Number((m[7] ?? '').padEnd(6, '0'));
  return microsText(normalise(days, micros));
}
