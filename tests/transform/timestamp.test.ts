// Timestamp and date converters: accepted forms, calendar checks, offsets and zones to UTC, epochs, output format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConvertOptions } from '../../src/transform/conversion.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';
import { toDate, toTimestamp, toTimestamptz } from '../../src/transform/timestamp.js';
import { isKnownTimeZone, localToUtc } from '../../src/transform/time-zone.js';

const naive: ConvertOptions = { localTimeZone: null };
const paris: ConvertOptions = { localTimeZone: 'Europe/Paris' };
const newYork: ConvertOptions = { localTimeZone: 'America/New_York' };
const ts = (v: SqliteValue, o = naive) => toTimestamp(v, o);
const tstz = (v: SqliteValue, o = naive) => toTimestamptz(v, o);
const date = (v: SqliteValue, o = naive) => toDate(v, o);
const okText = (text: string) => ({ ok: true, text });

/** Our output format for an instant in ms plus extra microseconds, from Date (the reference). */
function reference(ms: number, extraMicros = 0): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ for years 0000–9999
  const frac = `${iso.slice(20, 23)}${String(extraMicros).padStart(3, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''}`;
}

const MIN_MS = new Date('0001-01-01T00:00:00Z').getTime();
const MAX_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

describe('text forms', () => {
  it('accepts every documented form, naive values as written', () => {
    const cases: [string, string][] = [
      ['2024-03-01', '2024-03-01 00:00:00'],
      ['2024-03-01 10:20', '2024-03-01 10:20:00'],
      ['2024-03-01T10:20', '2024-03-01 10:20:00'],
      ['2024-03-01 10:20:30', '2024-03-01 10:20:30'],
      ['2024-03-01T10:20:30', '2024-03-01 10:20:30'],
      ['2024-03-01 10:20:30.5', '2024-03-01 10:20:30.5'],
      ['2024-03-01T10:20:30.123456', '2024-03-01 10:20:30.123456'],
      ['2024-03-01 10:20:30.120000', '2024-03-01 10:20:30.12'],
      ['2024-03-01 10:20:30.000', '2024-03-01 10:20:30'],
      ['2024-03-01 10:20:30.123456000', '2024-03-01 10:20:30.123456'],
      ['2024-03-01 10:20:30.1', '2024-03-01 10:20:30.1'],
    ];
    for (const [input, out] of cases) {
      expect(ts(input), input).toEqual(okText(out));
      expect(tstz(input), input).toEqual(okText(`${out}+00`));
    }
  });
  it('returns canonical text as the very same string (the fast path)', () => {
    const s = '2024-03-01 10:20:30';
    expect(ts(s)).toEqual(okText(s));
  });
  it('converts offsets to UTC: Z, ±HH, ±HHMM, ±HH:MM, including +05:45 and -00:30', () => {
    const cases: [string, string][] = [
      ['2024-03-01T08:00:00Z', '2024-03-01 08:00:00'],
      ['2024-03-01T10:00:00+02:00', '2024-03-01 08:00:00'],
      ['2024-03-01T10:00:00+02', '2024-03-01 08:00:00'],
      ['2024-03-01T10:00:00+0200', '2024-03-01 08:00:00'],
      ['2024-03-01 10:00:00+05:45', '2024-03-01 04:15:00'],
      ['2024-03-01 10:00:00-00:30', '2024-03-01 10:30:00'],
      ['2024-03-01 10:00:00-00:00', '2024-03-01 10:00:00'],
      ['2024-03-01 01:00:00.25+05:00', '2024-02-29 20:00:00.25'],
      ['2024-12-31 23:30+15:59', '2024-12-31 07:31:00'],
      ['2024-12-31 23:30:00-15:59', '2025-01-01 15:29:00'],
      ['2023-12-31T22:00:00-03:00', '2024-01-01 01:00:00'],
    ];
    for (const [input, out] of cases) {
      expect(ts(input), input).toEqual(okText(out));
      expect(tstz(input, paris), input).toEqual(okText(`${out}+00`)); // an offset wins over localTimeZone
    }
  });
  it('checks the calendar: leap years, month lengths, year 0001–9999', () => {
    expect(ts('2024-02-29 12:00:00')).toEqual(okText('2024-02-29 12:00:00'));
    expect(ts('2000-02-29')).toEqual(okText('2000-02-29 00:00:00'));
    expect(ts('0001-01-01 00:00:00')).toEqual(okText('0001-01-01 00:00:00'));
    expect(ts('9999-12-31 23:59:59.999999')).toEqual(okText('9999-12-31 23:59:59.999999'));
    expect(ts('1970-01-01 00:00:00')).toEqual(okText('1970-01-01 00:00:00'));
    for (const bad of [
      '2023-02-29',
      '1900-02-29',
      '2024-02-30 10:00:00',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-01-32',
      '0000-01-01',
    ]) {
      expect(ts(bad), bad).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    }
    expect(ts('2024-02-30 10:00:00')).toEqual({
      ok: false,
      code: 'invalid_timestamp',
      reason: "text '2024-02-30 10:00:00' is not a real date",
    });
  });
  it('checks the clock: hours 00–23, minutes and seconds 00–59, no leap second', () => {
    for (const bad of [
      '2024-01-01 24:00:00',
      '2024-01-01 23:60:00',
      '2024-01-01 23:59:60',
      '2024-01-01 23:59:61',
      '2024-01-01 99:00',
    ]) {
      expect(ts(bad), bad).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    }
    expect(ts('2016-12-31 23:59:60')).toMatchObject({ reason: expect.stringContaining('leap second') });
  });
  it('refuses fractions past the microsecond unless they are zeros', () => {
    expect(ts('2024-03-01 10:00:00.1234567')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts('2024-03-01 10:00:00.123456001')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts('2024-03-01 10:00:00.9999999')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts('2024-03-01 10:00:00.1234567890')).toMatchObject({ ok: false, code: 'invalid_timestamp' }); // 10 digits
  });
  it('refuses every other shape', () => {
    const bad = [
      '',
      'yesterday',
      'now',
      '1700000000',
      '2024-3-1',
      '24-03-01',
      '2024/03/01',
      '2024-03-01 ',
      ' 2024-03-01',
      '2024-03-01  10:00',
      '2024-03-01t10:00:00',
      '2024-03-01T10:00:00z',
      '2024-03-01 10',
      '2024-03-01 10:0',
      '2024-03-01 10:00:0',
      '2024-03-01 10:00:00.',
      '2024-03-01 10:00.5',
      '2024-03-01 10:00:00 +02:00',
      '2024-03-01 10:00:00+2',
      '2024-03-01 10:00:00+02:0',
      '2024-03-01 10:00:00+02:000',
      '2024-03-01 10:00:00+16:00',
      '2024-03-01 10:00:00+02:60',
      '2024-03-01Z',
      '2024-03-01+02:00',
      '2024-03-01 10:00:00 UTC',
      '2024-03-01 10:00:00+02:00Z',
      'Fri, 01 Mar 2024 10:00:00 GMT',
      '2024-03-01T10:00:00.123+',
      '+2024-03-01',
      '20240301T100000',
      '２０２４-03-01',
    ];
    for (const b of bad) expect(ts(b), b).toMatchObject({ ok: false, code: 'invalid_timestamp' });
  });
  it('keeps results within 0001–9999 after conversion', () => {
    expect(ts('0001-01-01 00:30:00+01:00')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(ts('9999-12-31 23:30:00-01:00')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(ts('0001-01-01 01:00:00+01:00')).toEqual(okText('0001-01-01 00:00:00'));
  });
  it('refuses BLOB and non-UTF-8 text', () => {
    expect(ts(Buffer.from('2024-01-01'))).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(date(Buffer.from('2024-01-01'))).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(ts(new InvalidUtf8Text(Buffer.from([0x32, 0xff])))).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(ts(null)).toEqual(okText(null as unknown as string));
  });
  it('property: any instant written in the accepted forms comes back as the reference text', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_MS, max: MAX_MS }),
        fc.integer({ min: 0, max: 999 }),
        fc.boolean(),
        (ms, extra, tSep) => {
          const ref = reference(ms, extra);
          const iso = new Date(ms).toISOString();
          const text = `${iso.slice(0, 10)}${tSep ? 'T' : ' '}${iso.slice(11, 23)}${String(extra).padStart(3, '0')}`;
          expect(ts(text)).toEqual(okText(ref));
          expect(tstz(text)).toEqual(okText(`${ref}+00`));
          expect(ts(`${text}000`)).toEqual(okText(ref));
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('property: a local time with any offset under 16 h is the UTC instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_MS + 86_400_000, max: MAX_MS - 86_400_000 }),
        fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 }),
        fc.constantFrom('hh:mm', 'hhmm', 'hh'),
        (ms, offsetMin, style) => {
          ms -= ms % 1000;
          const abs = Math.abs(offsetMin);
          if (style === 'hh') offsetMin -= Math.sign(offsetMin) * (abs % 60);
          const hh = String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0');
          const mm = String(Math.abs(offsetMin) % 60).padStart(2, '0');
          const sign = offsetMin < 0 ? '-' : '+';
          const suffix =
            style === 'hh' ? `${sign}${hh}` : style === 'hhmm' ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
          const local = new Date(ms + offsetMin * 60_000).toISOString();
          const text = `${local.slice(0, 10)}T${local.slice(11, 19)}${suffix}`;
          expect(ts(text)).toEqual(okText(reference(ms)));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('localTimeZone', () => {
  it('converts T-separated naive values and keeps space-separated ones (CURRENT_TIMESTAMP is UTC)', () => {
    expect(ts('2024-07-01T12:00:00', paris)).toEqual(okText('2024-07-01 10:00:00'));
    expect(ts('2024-01-15T12:00:00.5', paris)).toEqual(okText('2024-01-15 11:00:00.5'));
    expect(ts('2024-07-01 12:00:00', paris)).toEqual(okText('2024-07-01 12:00:00'));
    expect(tstz('2024-07-01T12:00:00', newYork)).toEqual(okText('2024-07-01 16:00:00+00'));
    expect(tstz('2024-01-01T00:00:00', newYork)).toEqual(okText('2024-01-01 05:00:00+00'));
    expect(ts('2024-07-01', paris)).toEqual(okText('2024-07-01 00:00:00')); // no T: as written
  });
  it('refuses local times skipped by a DST change', () => {
    for (const [v, o] of [
      ['2024-03-31T02:30:00', paris],
      ['2024-03-31T02:00:00', paris],
      ['2024-03-10T02:30:00', newYork],
      ['2024-03-10T02:59:59.999999', newYork],
    ] as const) {
      expect(ts(v, o), v).toMatchObject({
        ok: false,
        code: 'invalid_timestamp',
        reason: expect.stringContaining('does not exist'),
      });
    }
    expect(ts('2024-03-31T01:59:59', paris)).toEqual(okText('2024-03-31 00:59:59'));
    expect(ts('2024-03-31T03:00:00', paris)).toEqual(okText('2024-03-31 01:00:00'));
    expect(ts('2024-03-10T03:00:00', newYork)).toEqual(okText('2024-03-10 07:00:00'));
  });
  it('refuses local times repeated by a DST change', () => {
    for (const [v, o] of [
      ['2024-10-27T02:30:00', paris],
      ['2024-10-27T02:00:00', paris],
      ['2024-11-03T01:30:00', newYork],
      ['2024-11-03T01:00:00', newYork],
    ] as const) {
      expect(ts(v, o), v).toMatchObject({
        ok: false,
        code: 'invalid_timestamp',
        reason: expect.stringContaining('twice'),
      });
    }
    expect(ts('2024-10-27T01:59:59', paris)).toEqual(okText('2024-10-26 23:59:59'));
    expect(ts('2024-10-27T03:00:00', paris)).toEqual(okText('2024-10-27 02:00:00'));
    expect(ts('2024-11-03T02:00:00', newYork)).toEqual(okText('2024-11-03 07:00:00'));
  });
  it('handles historical offsets with seconds and the earliest years', () => {
    expect(ts('1900-01-01T00:00:00', paris)).toEqual(okText('1899-12-31 23:50:39')); // Paris mean time, +00:09:21
    expect(ts('0001-01-01T12:00:00', newYork)).toEqual(okText('0001-01-01 16:56:02')); // LMT -04:56:02
    expect(ts('0001-01-01T00:00:00', paris)).toMatchObject({ ok: false, code: 'out_of_range' });
  });
  it('reports an unknown zone as a configuration error', () => {
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(() => ts('2024-01-01T00:00:00', { localTimeZone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });
  it('property: in every zone, the wall time of any instant maps back to it, unless that wall time happened twice', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    expect(zones.length).toBeGreaterThan(300);
    const formats = new Map<string, Intl.DateTimeFormat>();
    const wall = (z: string, ms: number) => {
      let f = formats.get(z);
      if (!f) {
        f = new Intl.DateTimeFormat('sv-SE', {
          timeZone: z,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        });
        formats.set(z, f);
      }
      return f.format(new Date(ms)).replace(' ', 'T');
    };
    const offsetMs = (z: string, ms: number) => Date.parse(`${wall(z, ms)}Z`) - ms;
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2060, 0, 1) }),
        (zone, ms) => {
          ms -= ms % 1000;
          const text = wall(zone, ms);
          const r = ts(text, { localTimeZone: zone });
          if (r.ok) {
            expect(r.text, `${zone} ${text}`).toBe(reference(ms));
            return;
          }
          expect(r, `${zone} ${text}`).toMatchObject({
            code: 'invalid_timestamp',
            reason: expect.stringContaining('twice'),
          });
          // The other instant with this wall time is one offset change away.
          const change = offsetMs(zone, ms + 86_400_000) - offsetMs(zone, ms - 86_400_000);
          expect([wall(zone, ms + change), wall(zone, ms - change)], `${zone} ${text}`).toContain(text);
        },
      ),
      { numRuns: 5000 },
    );
  });
  it('property: around every transition, each wall minute is found, skipped or doubled consistently', () => {
    // Brute force: the instants whose wall time is W are found by scanning every minute from 20 h before to 44 h after
    // the day starts in UTC.
    const zone = 'Europe/Paris';
    const fmt = new Intl.DateTimeFormat('sv-SE', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    for (const day of [Date.UTC(2024, 2, 31), Date.UTC(2024, 9, 27), Date.UTC(1976, 2, 28), Date.UTC(1945, 8, 16)]) {
      const byWall = new Map<string, number[]>();
      for (let t = day - 20 * 3_600_000; t <= day + 44 * 3_600_000; t += 60_000) {
        const w = fmt.format(new Date(t)).replace(' ', 'T');
        byWall.set(w, [...(byWall.get(w) ?? []), t]);
      }
      for (let m = 0; m < 24 * 60; m += 10) {
        const local = new Date(day + m * 60_000).toISOString().slice(0, 19);
        const instants = byWall.get(local) ?? [];
        const r = ts(local, paris);
        if (instants.length === 1) expect(r, local).toEqual(okText(reference(instants[0])));
        else
          expect(r, local).toMatchObject({
            ok: false,
            reason: expect.stringContaining(instants.length === 0 ? 'does not exist' : 'twice'),
          });
      }
    }
  });
  it('localToUtc answers in seconds', () => {
    expect(localToUtc('UTC', 86400)).toBe(86400);
    expect(localToUtc('Europe/Paris', Date.UTC(2024, 2, 31, 2, 30) / 1000)).toBe('nonexistent');
    expect(localToUtc('Europe/Paris', Date.UTC(2024, 9, 27, 2, 30) / 1000)).toBe('ambiguous');
  });
});

describe('epoch numbers', () => {
  it('reads |n| < 1e11 as seconds and larger as milliseconds', () => {
    expect(ts(0n)).toEqual(okText('1970-01-01 00:00:00'));
    expect(ts(1700000000n)).toEqual(okText('2023-11-14 22:13:20'));
    expect(tstz(1700000000n)).toEqual(okText('2023-11-14 22:13:20+00'));
    expect(ts(99999999999n)).toEqual(okText('5138-11-16 09:46:39'));
    expect(ts(100000000000n)).toEqual(okText('1973-03-03 09:46:40'));
    expect(ts(1700000000123n)).toEqual(okText('2023-11-14 22:13:20.123'));
    expect(ts(-1n)).toEqual(okText('1969-12-31 23:59:59'));
    expect(ts(-100000000000n)).toEqual(okText('1966-10-31 14:13:20'));
    expect(ts(253402300799999n)).toEqual(okText('9999-12-31 23:59:59.999'));
    expect(ts(-62135596800000n)).toEqual(okText('0001-01-01 00:00:00'));
    expect(ts(-62135596800001n)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(ts(253402300800000n)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(ts(-99999999999n)).toMatchObject({ ok: false, code: 'out_of_range' }); // seconds: year -1199
    expect(ts(9223372036854775807n)).toMatchObject({ ok: false, code: 'out_of_range' });
  });
  it("takes a REAL's fraction from its shortest decimal form", () => {
    expect(ts(1700000000.123456)).toEqual(okText('2023-11-14 22:13:20.123456'));
    expect(ts(1700000000.5)).toEqual(okText('2023-11-14 22:13:20.5'));
    expect(ts(1700000000123.456)).toEqual(okText('2023-11-14 22:13:20.123456'));
    expect(ts(-0.5)).toEqual(okText('1969-12-31 23:59:59.5'));
    expect(ts(-0)).toEqual(okText('1970-01-01 00:00:00'));
    expect(ts(1e11)).toEqual(okText('1973-03-03 09:46:40'));
    expect(ts(1700000000.1234567)).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts(1700000000123.4567)).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts(5e-324)).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(ts(1e300)).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(ts(NaN)).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(ts(Infinity)).toMatchObject({ ok: false, code: 'invalid_timestamp' });
  });
  it('does not read digits-only TEXT as an epoch', () => {
    expect(ts('1700000000')).toMatchObject({ ok: false, code: 'invalid_timestamp' });
  });
  it('property: INTEGER seconds and milliseconds match Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: MAX_MS }), (ms) => {
        if (Math.abs(ms) >= 1e11) expect(ts(BigInt(ms))).toEqual(okText(reference(ms)));
        const s = Math.trunc(ms / 1000);
        if (Math.abs(s) < 1e11) expect(ts(BigInt(s))).toEqual(okText(reference(s * 1000)));
      }),
      { numRuns: 2000 },
    );
  });
  it('property: a REAL of seconds with up to 6 decimals is exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e9, max: 4e9 }), fc.integer({ min: 0, max: 999_999 }), (s, us) => {
        const text = `${s}.${String(us).padStart(6, '0')}`;
        const n = Number(text);
        if (String(n) !== text.replace(/0+$/, '').replace(/\.$/, '')) return; // only REALs whose shortest form is this text
        const micros = s * 1_000_000 + (text.startsWith('-') ? -us : us);
        const ms = Math.floor(micros / 1000);
        expect(ts(n)).toEqual(okText(reference(ms, micros - ms * 1000)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('date', () => {
  it('accepts a date, or a timestamp form at exactly midnight', () => {
    expect(date('2024-03-01')).toEqual(okText('2024-03-01'));
    expect(date('2024-03-01 00:00:00')).toEqual(okText('2024-03-01'));
    expect(date('2024-03-01T00:00')).toEqual(okText('2024-03-01'));
    expect(date('2024-03-01 00:00:00.000000')).toEqual(okText('2024-03-01'));
    expect(date('2024-03-01T00:00:00Z')).toEqual(okText('2024-03-01'));
    expect(date('2024-03-02T01:00:00+01:00')).toEqual(okText('2024-03-02'));
    expect(date('0001-01-01')).toEqual(okText('0001-01-01'));
    expect(date('9999-12-31')).toEqual(okText('9999-12-31'));
  });
  it('refuses another time of day with precision_loss (in UTC after conversion)', () => {
    expect(date('2024-03-01 10:00:00')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(date('2024-03-01 00:00:00.000001')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(date('2024-03-01T00:00:00+02:00')).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(date('2024-03-01T00:00:00', paris)).toMatchObject({ ok: false, code: 'precision_loss' });
    expect(date('2024-03-01 00:00:00', paris)).toEqual(okText('2024-03-01'));
  });
  it('refuses invalid dates and numbers', () => {
    expect(date('2023-02-29')).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(date('2024-03-01 25:00:00')).toMatchObject({ ok: false, code: 'invalid_timestamp' });
    expect(date(1700000000n)).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(date(19000.0)).toMatchObject({ ok: false, code: 'type_mismatch' });
  });
});
