// Local wall times of an IANA zone to UTC, through Intl (ICU's tz data), with a per-day offset cache:
// the hot path for columns whose naive timestamps are host-local.
import { daysFromCivil } from './calendar.js';

/** A zone's offsets during one UTC day: `before` until second `at`, `after` from it (at = Infinity: no change). */
interface DayOffsets {
  at: number;
  before: number;
  after: number;
}

/** One zone's formatter, and its offsets per UTC day (null: two changes that day, ask Intl each time). */
interface Zone {
  format: Intl.DateTimeFormat;
  days: Map<number, DayOffsets | null>;
}

const ZONES = new Map<string, Zone>();

/** True when `name` is an IANA time zone this runtime knows (for validating mappings). */
export function isKnownTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function zoneOf(name: string): Zone {
  let zone = ZONES.get(name);
  if (zone === undefined) {
    let format: Intl.DateTimeFormat;
    try {
      // h23: midnight is 00, never 24. era: years before 1 come out as "1 BC" and so on.
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new Error(`unknown time zone '${name}' (localTimeZone must be an IANA name such as Europe/Berlin)`);
    }
    zone = { format, days: new Map() };
    ZONES.set(name, zone);
  }
  return zone;
}

/** The zone's offset from UTC, in seconds, at `utc` (seconds since 1970), read from Intl (ICU's tz data). */
function exactOffset(zone: Zone, utc: number): number {
  let y = 0,
    mo = 0,
    d = 0,
    h = 0,
    mi = 0,
    s = 0;
  let bc = false;
  for (const part of zone.format.formatToParts(new Date(utc * 1000))) {
    switch (part.type) {
      case 'year':
        y = Number(part.value);
        break;
      case 'month':
        mo = Number(part.value);
        break;
      case 'day':
        d = Number(part.value);
        break;
      case 'hour':
        h = Number(part.value);
        break;
      case 'minute':
        mi = Number(part.value);
        break;
      case 'second':
        s = Number(part.value);
        break;
      case 'era':
        bc = part.value === 'BC';
        break;
    }
  }
  if (bc) y = 1 - y;
  return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - utc;
}

/** Readings per UTC day: every six hours, both ends included. */
const DAY_READINGS = 5;
const READING_STEP = 86400 / (DAY_READINGS - 1);

/**
 * The zone's offsets during UTC day `day`, from Intl readings every six hours and, where two differ, a
 * bisection to the second of the change. This assumes no zone changes its offset twice within six
 * hours; a day with two changes is left to Intl, value by value.
 */
function dayOffsets(zone: Zone, day: number): DayOffsets | null {
  const start = day * 86400;
  const readings: number[] = [];
  for (let k = 0; k < DAY_READINGS; k++) readings.push(exactOffset(zone, start + k * READING_STEP));
  let change = -1;
  for (let k = 1; k < DAY_READINGS; k++) {
    if (readings[k] === readings[k - 1]) continue;
    if (change >= 0) return null;
    change = k;
  }
  if (change < 0) return { at: Infinity, before: readings[0], after: readings[0] };
  const before = readings[change - 1];
  let lo = start + (change - 1) * READING_STEP; // the offset at lo is `before`, at hi the new one
  let hi = lo + READING_STEP;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (exactOffset(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return { at: hi, before, after: readings[change] };
}

/** The zone's offset at `utc`, from the per-day cache (Intl is asked five times per UTC day seen, more on a change). */
function offsetAt(zone: Zone, utc: number): number {
  const day = Math.floor(utc / 86400);
  let d = zone.days.get(day);
  if (d === undefined) {
    d = dayOffsets(zone, day);
    if (zone.days.size >= 100000) zone.days.clear();
    zone.days.set(day, d);
  }
  if (d === null) return exactOffset(zone, utc);
  return utc < d.at ? d.before : d.after;
}

/** Offsets have stayed within ±16 hours (LMT included), so every instant a wall time can mean is this close to it. */
const OFFSET_REACH = 16 * 3600;

/**
 * The UTC instant of wall-clock time `local` (seconds since 1970, as if it were UTC) in zone `name`:
 * each offset in force around it is a candidate, kept when the zone really has that offset at the
 * instant it gives. None: the time was skipped by a DST change; two: it was repeated.
 */
export function localToUtc(name: string, local: number): number | 'nonexistent' | 'ambiguous' {
  const zone = zoneOf(name);
  const before = offsetAt(zone, local - OFFSET_REACH);
  const after = offsetAt(zone, local + OFFSET_REACH);
  const middle = offsetAt(zone, local);
  let found: number | null = null;
  for (const offset of before === after && after === middle ? [middle] : [before, middle, after]) {
    const utc = local - offset;
    if (offsetAt(zone, utc) !== offset || utc === found) continue;
    if (found !== null) return 'ambiguous';
    found = utc;
  }
  return found ?? 'nonexistent';
}
