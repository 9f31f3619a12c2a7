// Converters to PostgreSQL `timestamp`, `timestamptz` and `date`: known text forms and Unix epochs, checked and put in
// UTC.
import { type Conversion, type ConvertOptions, type Converter, describeValue, fail, ok } from './conversion.js';
import { formatDouble, parseDecimal } from './numbers.js';
import { InvalidUtf8Text, type SqliteValue } from '../model/sqlite-value.js';
import { daysFromCivil } from './calendar.js';
import { localToUtc } from './time-zone.js';

/*
 * Output format, the same for every accepted input: `YYYY-MM-DD HH:MM:SS`, then `.` and the fraction of a
 * second with its trailing zeros removed (1 to 6 digits), or nothing when the fraction is zero; then
 * `+00` for timestamptz. It is exactly what PostgreSQL prints for the value (DateStyle ISO, TimeZone UTC),
 * so a value read back as text compares equal to the text sent.
 */

/** `00`..`99`. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** The two digits at i as a number, or -1 when they are not both digits. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** The date `YYYY-MM-DD` of a day number (days since 1970-01-01); year 1..9999 expected. */
function civilDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${TWO[m]}-${TWO[d]}`;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Seconds since 1970 of 0001-01-01 00:00:00 and of 9999-12-31 23:59:59: the years our output writes. */
const MIN_SECONDS = daysFromCivil(1, 1, 1) * 86400;
const MAX_SECONDS = daysFromCivil(9999, 12, 31) * 86400 + 86399;

/** A timestamp text, scanned. */
interface Scanned {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  hasTime: boolean;
  /** `T` separator (Python isoformat): the form a `localTimeZone` applies to. */
  tSeparator: boolean;
  /** Fraction digits kept (at most 6, trailing zeros removed). */
  fraction: string;
  /** A non-zero digit past the 6th: finer than PostgreSQL's microsecond. */
  subMicro: boolean;
  /** Seconds east of UTC, or null for a naive value. */
  offset: number | null;
  /** The time after the separator is already `HH:MM:SS[.f]` as we write it (seconds present, fraction trimmed). */
  canonical: boolean;
}

/**
 * Scans `YYYY-MM-DD`, `YYYY-MM-DD[ T]HH:MM`, `YYYY-MM-DD[ T]HH:MM:SS[.f{1,9}]`, the timed forms optionally
 * followed by `Z`, `±HH`, `±HHMM` or `±HH:MM`. Null when the text has none of these shapes (field ranges
 * are checked by the caller).
 */
function scan(s: string): Scanned | null {
  const n = s.length;
  if (n < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const yHi = d2(s, 0);
  const yLo = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  if (yHi < 0 || yLo < 0 || mo < 0 || d < 0) return null;
  const r: Scanned = {
    y: yHi * 100 + yLo,
    mo,
    d,
    h: 0,
    mi: 0,
    s: 0,
    hasTime: false,
    tSeparator: false,
    fraction: '',
    subMicro: false,
    offset: null,
    canonical: true,
  };
  if (n === 10) {
    r.canonical = false; // a date alone: timestamp adds 00:00:00
    return r;
  }
  const sep = s.charCodeAt(10);
  if (sep === 84)
    r.tSeparator = true; // T
  else if (sep !== 32) return null;
  r.h = d2(s, 11);
  r.mi = d2(s, 14);
  if (r.h < 0 || s.charCodeAt(13) !== 58 || r.mi < 0) return null;
  r.hasTime = true;
  let p = 16;
  if (s.charCodeAt(16) === 58) {
    r.s = d2(s, 17);
    if (r.s < 0) return null;
    p = 19;
    if (s.charCodeAt(19) === 46) {
      p = 20;
      while (p < n && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
      const digits = p - 20;
      if (digits === 0 || digits > 9) return null;
      let keep = Math.min(digits, 6);
      for (let k = 26; k < p; k++) if (s.charCodeAt(k) !== 48) r.subMicro = true;
      while (keep > 0 && s.charCodeAt(19 + keep) === 48) keep--;
      r.fraction = s.slice(20, 20 + keep);
      if (keep !== digits) r.canonical = false;
    }
  } else r.canonical = false;
  if (p === n) return r;
  const c = s.charCodeAt(p);
  if (c === 90 && p + 1 === n) {
    r.offset = 0; // Z
    return r;
  }
  if (c !== 43 && c !== 45) return null;
  const oh = d2(s, p + 1);
  let om = 0;
  if (oh < 0) return null;
  if (p + 3 !== n) {
    const colon = s.charCodeAt(p + 3) === 58 ? 1 : 0;
    om = d2(s, p + 3 + colon);
    if (om < 0 || p + 5 + colon !== n) return null;
  }
  // PostgreSQL refuses offsets of 16 hours or more ("time zone displacement out of range"): so do we.
  if (oh > 15 || om > 59) return null;
  r.offset = (c === 45 ? -1 : 1) * (oh * 3600 + om * 60);
  return r;
}

type Target = 'timestamp' | 'timestamptz' | 'date';

const FORMS = 'YYYY-MM-DD, optionally with [ T]HH:MM[:SS[.fraction]] and an offset Z, ±HH, ±HHMM or ±HH:MM';

/** Checks field ranges; a reason, or null when the scanned text is a real timestamp. */
function fieldProblem(t: Scanned): string | null {
  if (t.y === 0) return 'has year 0000 (years run 0001–9999)';
  if (t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > daysInMonth(t.y, t.mo)) return 'is not a real date';
  if (t.h > 23) return `has hour ${TWO[t.h]} (hours run 00–23)`;
  if (t.mi > 59) return `has minute ${TWO[t.mi]} (minutes run 00–59)`;
  if (t.s === 60) return 'has second 60, a leap second (PostgreSQL would roll it into the next minute)';
  if (t.s > 59) return `has second ${TWO[t.s]} (seconds run 00–59)`;
  return null;
}

function timeOfDay(secondOfDay: number): string {
  const h = Math.floor(secondOfDay / 3600);
  const mi = Math.floor((secondOfDay % 3600) / 60);
  return `${TWO[h]}:${TWO[mi]}:${TWO[secondOfDay % 60]}`;
}

/** `YYYY-MM-DD HH:MM:SS[.f]` (or `YYYY-MM-DD` for date) of seconds since 1970 and a trimmed fraction. */
function formatSeconds(seconds: number, fraction: string, target: Target): string {
  const days = Math.floor(seconds / 86400);
  const date = civilDate(days);
  if (target === 'date') return date;
  const text = `${date} ${timeOfDay(seconds - days * 86400)}${fraction === '' ? '' : `.${fraction}`}`;
  return target === 'timestamptz' ? `${text}+00` : text;
}

function convertText(text: string, value: SqliteValue, target: Target, zone: string | null): Conversion {
  const t = scan(text);
  if (t === null)
    return fail('invalid_timestamp', `${describeValue(value)} is not a timestamp in a known form (${FORMS})`);
  const problem = fieldProblem(t);
  if (problem !== null) return fail('invalid_timestamp', `${describeValue(value)} ${problem}`);
  if (t.subMicro) {
    return fail(
      'precision_loss',
      `${describeValue(value)} has a fraction finer than a microsecond, which PostgreSQL would round`,
    );
  }
  const shiftByZone = zone !== null && t.tSeparator && t.offset === null;
  if (t.offset === null && !shiftByZone) {
    // As written: no arithmetic, and text already in our format goes out as it came.
    if (target === 'date') {
      if (t.h !== 0 || t.mi !== 0 || t.s !== 0 || t.fraction !== '') {
        return fail('precision_loss', `${describeValue(value)} has a time of day, which date would drop`);
      }
      return ok(t.hasTime ? text.slice(0, 10) : text);
    }
    if (t.canonical) {
      const out = t.tSeparator ? `${text.slice(0, 10)} ${text.slice(11)}` : text;
      return ok(target === 'timestamptz' ? `${out}+00` : out);
    }
    const out = `${text.slice(0, 10)} ${TWO[t.h]}:${TWO[t.mi]}:${TWO[t.s]}${t.fraction === '' ? '' : `.${t.fraction}`}`;
    return ok(target === 'timestamptz' ? `${out}+00` : out);
  }
  const local = daysFromCivil(t.y, t.mo, t.d) * 86400 + t.h * 3600 + t.mi * 60 + t.s;
  let utc: number;
  if (t.offset !== null) {
    utc = local - t.offset;
  } else {
    const found = localToUtc(zone as string, local);
    if (found === 'nonexistent') {
      return fail('invalid_timestamp', `${describeValue(value)} does not exist in ${zone} (skipped by a DST change)`);
    }
    if (found === 'ambiguous') {
      return fail(
        'invalid_timestamp',
        `${describeValue(value)} happened twice in ${zone} (repeated by a DST change): the instant cannot be known`,
      );
    }
    utc = found;
  }
  if (utc < MIN_SECONDS || utc > MAX_SECONDS) {
    return fail('out_of_range', `${describeValue(value)} falls outside the years 0001–9999 in UTC`);
  }
  if (target === 'date' && (utc % 86400 !== 0 || t.fraction !== '')) {
    return fail(
      'precision_loss',
      `${describeValue(value)} is ${formatSeconds(utc, t.fraction, 'timestamp')} in UTC: date would drop the time of day`,
    );
  }
  return ok(formatSeconds(utc, t.fraction, target));
}

/** |n| below this is seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const EPOCH_MS_THRESHOLD = 100000000000;

/** A REAL Unix epoch in microseconds, or the reason it is not one. */
function epochMicros(value: number): bigint | Conversion {
  if (!Number.isFinite(value)) return fail('invalid_timestamp', `${describeValue(value)} is not a Unix epoch`);
  const seconds = Math.abs(value) < EPOCH_MS_THRESHOLD;
  // The fraction is the one the REAL's shortest decimal form shows (1700000000.123456 → .123456).
  const dec = parseDecimal(formatDouble(value));
  if (dec === null || dec.digits === '') return 0n;
  const shift = dec.exponent + (seconds ? 6 : 3);
  if (shift < 0) {
    return fail(
      'precision_loss',
      `${describeValue(value)} has a fraction finer than a microsecond as epoch ${seconds ? 'seconds' : 'milliseconds'}`,
    );
  }
  if (shift > 30)
    return fail('out_of_range', `${describeValue(value)} as a Unix epoch falls outside the years 0001–9999`);
  const micros = BigInt(dec.digits) * 10n ** BigInt(shift);
  return dec.negative ? -micros : micros;
}

const EPOCH_MS_THRESHOLD_N = BigInt(EPOCH_MS_THRESHOLD);
const MIN_MS_N = BigInt(MIN_SECONDS) * 1000n;
const MAX_MS_N = BigInt(MAX_SECONDS) * 1000n + 999n;
const MIN_MICROS = BigInt(MIN_SECONDS) * 1000000n;
const MAX_MICROS = BigInt(MAX_SECONDS) * 1000000n + 999999n;

const outsideYears = (value: SqliteValue): Conversion =>
  fail('out_of_range', `${describeValue(value)} as a Unix epoch falls outside the years 0001–9999`);

/** The trimmed fraction of a microsecond count 0..999999 (`500000` → `5`). */
function microsFraction(us: number): string {
  return us === 0 ? '' : String(us).padStart(6, '0').replace(/0+$/, '');
}

function convertEpoch(value: bigint | number, target: Target): Conversion {
  if (typeof value === 'bigint') {
    // The common case, in plain numbers: in range, every bigint epoch fits a double exactly.
    const seconds = value < 0n ? -value < EPOCH_MS_THRESHOLD_N : value < EPOCH_MS_THRESHOLD_N;
    const ms = seconds ? value * 1000n : value;
    if (ms < MIN_MS_N || ms > MAX_MS_N) return outsideYears(value);
    const n = Number(ms);
    const s = Math.floor(n / 1000);
    return ok(formatSeconds(s, microsFraction((n - s * 1000) * 1000), target));
  }
  const micros = epochMicros(value);
  if (typeof micros !== 'bigint') return micros;
  if (micros < MIN_MICROS || micros > MAX_MICROS) return outsideYears(value);
  let seconds = micros / 1000000n;
  let rest = micros % 1000000n;
  if (rest < 0n) {
    seconds -= 1n;
    rest += 1000000n;
  }
  return ok(formatSeconds(Number(seconds), microsFraction(Number(rest)), target));
}

function timestampConverter(target: Target): Converter {
  return (value: SqliteValue, options: ConvertOptions) => {
    if (value === null) return ok(null);
    if (typeof value === 'string') return convertText(value, value, target, options.localTimeZone);
    if (typeof value === 'bigint' || typeof value === 'number') {
      if (target === 'date')
        return fail(
          'type_mismatch',
          `${describeValue(value)}: a number is not a date (only timestamp columns read epochs)`,
        );
      return convertEpoch(value, target);
    }
    if (value instanceof InvalidUtf8Text)
      return fail('invalid_timestamp', `${describeValue(value)} is not a timestamp`);
    return fail('type_mismatch', `${describeValue(value)} cannot be ${target}`);
  };
}

/**
 * timestamp: the text forms of docs/data-rules.md or a Unix epoch; offsets and `localTimeZone` converted to UTC, else
 * as written.
 */
export const toTimestamp: Converter = timestampConverter('timestamp');
/** timestamptz: as timestamp, sent in UTC with `+00` (naive values without a `localTimeZone` are read as UTC). */
export const toTimestamptz: Converter = timestampConverter('timestamptz');
/** date: `YYYY-MM-DD`, or a timestamp form whose time (in UTC, after any conversion) is exactly midnight. */
export const toDate: Converter = timestampConverter('date');
