// Unit tests of the verifier's decimal arithmetic: exact parsing, numeric's limits, float4 rounding.
import { describe, expect, it } from 'vitest';
import {
  canonicalFloat4,
  compareDecimalToDouble,
  decimalToFloat4,
  doubleDecimal,
  numericOverflow,
  parseDecimal,
  plainDecimal,
} from '../../../src/verify/canonical/canonical-number.js';

describe('parseDecimal and plainDecimal', () => {
  it('normalise any spelling to one value text', () => {
    const cases: [string, string][] = [
      ['0', '0'],
      ['-0.000', '0'],
      ['007.500', '7.5'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['1e2', '100'],
      ['1E-2', '0.01'],
      ['-12.34e+3', '-12340'],
      ['0.000e99', '0'],
      ['123456789012345678901234567890', '123456789012345678901234567890'],
    ];
    for (const [text, plain] of cases) expect(plainDecimal(parseDecimal(text)!), text).toBe(plain);
    expect(parseDecimal('1.2.3')).toBeNull();
    expect(parseDecimal('.')).toBeNull();
  });
  it('keeps the scale numeric_in would keep, for its limits', () => {
    expect(parseDecimal('1.50')!.writtenScale).toBe(2);
    expect(parseDecimal('1.50e1')!.writtenScale).toBe(1);
    expect(parseDecimal('15e2')!.writtenScale).toBe(-2);
    expect(numericOverflow(parseDecimal('1e-16383')!)).toBeNull();
    expect(numericOverflow(parseDecimal('1e-16384')!)).not.toBeNull();
    expect(numericOverflow(parseDecimal('100000e-16383')!)).toBeNull();
    expect(numericOverflow(parseDecimal('9.9e131071')!)).toBeNull();
    expect(numericOverflow(parseDecimal('1e131072')!)).not.toBeNull();
    expect(numericOverflow(parseDecimal('0e1073741822')!)).toBeNull();
    expect(numericOverflow(parseDecimal('0e1073741823')!)).not.toBeNull();
  });
});

describe('doubles and float4', () => {
  it('gives the shortest digits of a double', () => {
    expect(plainDecimal(doubleDecimal(0.1))).toBe('0.1');
    expect(plainDecimal(doubleDecimal(-1.5e-7))).toBe('-0.00000015');
    expect(plainDecimal(doubleDecimal(1e21))).toBe('1000000000000000000000');
    expect(doubleDecimal(-0).neg).toBe(true);
  });
  it('compares a decimal with a double exactly', () => {
    expect(compareDecimalToDouble(parseDecimal('0.1')!, 0.1)).toBe(-1); // the double 0.1 is 0.1000000000000000055…
    expect(compareDecimalToDouble(parseDecimal('0.5')!, 0.5)).toBe(0);
    expect(compareDecimalToDouble(parseDecimal('-0.5')!, -0.25)).toBe(-1);
    expect(compareDecimalToDouble(parseDecimal('0')!, -0)).toBe(0);
  });
  it('rounds decimal text to float4 once, even where the double lands on a float4 midpoint', () => {
    const mid = 1 + 2 ** -24; // halfway between float4 1 and 1 + 2^-23, exactly a double
    expect(Math.fround(Number('1.00000005960464477539062500001'))).toBe(1); // rounded twice: wrong
    expect(decimalToFloat4('1.00000005960464477539062500001')).toBe(Math.fround(1 + 2 ** -23));
    expect(decimalToFloat4('1.00000005960464477539062499999')).toBe(1);
    expect(decimalToFloat4('1.000000059604644775390625')).toBe(1); // the midpoint itself: ties to even
    expect(decimalToFloat4(String(mid))).toBe(Math.fround(1 + 2 ** -23)); // '1.0000000596046448' is above it
    expect(decimalToFloat4('-1.00000005960464477539062500001')).toBe(-Math.fround(1 + 2 ** -23));
  });
  it('prints a float4 as its shortest decimal', () => {
    expect(canonicalFloat4(Math.fround(0.1))).toBe('0.1');
    expect(canonicalFloat4(Math.fround(1 / 3))).toBe('0.33333334');
    expect(canonicalFloat4(Math.fround(16777216))).toBe('16777216');
    expect(canonicalFloat4(-0)).toBe('-0');
  });
});

describe('a REAL where the decimal itself is kept (numeric, json, jsonb)', () => {
  it('never uses a decimal exactly halfway to a neighbouring double, as PostgreSQL prints it', async () => {
    const { pgDoubleText } = await import('../../../src/verify/canonical/canonical-number.js');
    const { canonicalFromSource } = await import('../../../src/verify/canonical/canonical-source.js');
    const { canonicalFromPg } = await import('../../../src/verify/canonical/canonical-pg.js');
    expect(pgDoubleText(1e23)).toBe('9.999999999999999e+22'); // JavaScript says 1e+23: a midpoint
    expect(pgDoubleText(34262784306106928)).toBe('34262784306106928');
    expect(pgDoubleText(0.1)).toBe('0.1');
    const col = { logical: 'numeric' as const, localTimeZone: null, emptyAsNull: false };
    expect(canonicalFromSource(col, 1e23)).toEqual({
      ok: true,
      value: canonicalFromPg('numeric', '99999999999999990000000'),
    });
  });
});
