// The canonical timestamp's digits are exact on the fast path (two halves below 1e8) as on the BigInt one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microsText, pgTimestampMicros } from '../../../src/verify/canonical/canonical-time.js';

describe('microsText', () => {
  it('prints days × 86400000000 + micros exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -719162, max: 2932896 }),
        fc.integer({ min: 0, max: 86_399_999_999 }),
        (days, micros) => {
          expect(microsText({ days, micros })).toBe((BigInt(days) * 86_400_000_000n + BigInt(micros)).toString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('around zero and the 1e8 boundary', () => {
    for (const [days, micros] of [
      [0, 0],
      [0, 99_999_999],
      [0, 100_000_000],
      [0, 100_000_001],
      [-1, 86_399_999_999],
      [-1, 0],
      [1, 5],
    ]) {
      expect(microsText({ days, micros })).toBe((BigInt(days) * 86_400_000_000n + BigInt(micros)).toString());
    }
  });
});

describe('pgTimestampMicros', () => {
  /** The instant's microseconds, independently: Date for the day and second, the fraction added exactly. */
  function reference(y: number, mo: number, d: number, h: number, mi: number, s: number, micros: number): string {
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    date.setUTCHours(h, mi, s, 0);
    return (BigInt(date.getTime()) * 1000n + BigInt(micros)).toString();
  }
  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  it("reads PostgreSQL's ISO output exactly, with and without a fraction and +00 (property)", () => {
    const parts = fc.record({
      y: fc.integer({ min: 1, max: 9999 }),
      mo: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      micros: fc.integer({ min: 0, max: 999_999 }),
      zone: fc.constantFrom('', '+00', '+05:30', '-08'),
    });
    fc.assert(
      fc.property(parts, ({ y, mo, d, h, mi, s, micros, zone }) => {
        // float8-like trimming as PostgreSQL prints it: the fraction without trailing zeros, none when 0.
        const frac = micros === 0 ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
        const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}${zone}`;
        const offsetMicros =
          zone === '' || zone === '+00' ? 0n : zone === '+05:30' ? 19_800_000_000n : -28_800_000_000n;
        expect(pgTimestampMicros(text)).toBe((BigInt(reference(y, mo, d, h, mi, s, micros)) - offsetMicros).toString());
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses what is not ISO output, and reads BC, 5-digit years and infinity', () => {
    expect(pgTimestampMicros('2024-01-01 00:00:00.1234567')).toBeNull();
    expect(pgTimestampMicros('2024-01-01 00:00:00.')).toBeNull();
    expect(pgTimestampMicros('2024-01-01T00:00:00')).toBeNull();
    expect(pgTimestampMicros('0044-03-15 12:00:00 BC')).toBe(reference(-43, 3, 15, 12, 0, 0, 0));
    expect(pgTimestampMicros('infinity')).toBe('infinity');
    expect(pgTimestampMicros('12024-01-01 00:00:00')).toBe(reference(12024, 1, 1, 0, 0, 0, 0));
  });
});
