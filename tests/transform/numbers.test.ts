// Number converters: integers exact and range-checked, floats only when they read back the same, numeric as written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Conversion, Converter } from '../../src/transform/conversion.js';
import {
  formatDouble,
  formatFloat4,
  numericRangeProblem,
  parseDecimal,
  parseFloat4,
  readFloat4,
  toBigint,
  toDouble,
  toInteger,
  toNumeric,
  toReal,
  toSmallint,
} from '../../src/transform/numbers.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

const opts = { localTimeZone: null };
const run = (c: Converter, v: SqliteValue): Conversion => c(v, opts);
const accepts = (c: Converter, v: SqliteValue, text: string | null) => expect(run(c, v)).toEqual({ ok: true, text });
const rejects = (c: Converter, v: SqliteValue, code: string) => expect(run(c, v)).toMatchObject({ ok: false, code });

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

describe('parseDecimal', () => {
  it('reduces spellings of one value to one form', () => {
    const forms = ['100', '1e2', '1.00E+2', '0100.0', '.1e3', '10.e1', '+100'];
    for (const f of forms) expect(parseDecimal(f)).toMatchObject({ negative: false, digits: '1', exponent: 2 });
    expect(parseDecimal('-0.000')).toMatchObject({ negative: true, digits: '', exponent: 0 });
    expect(parseDecimal('0.10')).toMatchObject({ digits: '1', exponent: -1, fractionDigits: 2 });
  });
  it('refuses what the decimal pattern refuses', () => {
    for (const t of ['', ' 1', '1 ', '.', '-', '1e', 'e5', '0x10', '1_000', '1,5', 'inf', 'NaN', '--1', '1.2.3']) {
      expect(parseDecimal(t), t).toBeNull();
    }
  });
});

describe('numericRangeProblem (PostgreSQL numeric input limits)', () => {
  const problem = (t: string) => numericRangeProblem(parseDecimal(t)!);
  it('accepts up to 131072 digits before the point and 16383 after', () => {
    for (const t of ['1e131071', '9.99e131071', '1e-16383', '1.5e-16382', '0e1073741822', `0.${'0'.repeat(16383)}`])
      expect(problem(t), t).toBeNull();
  });
  it('refuses beyond them', () => {
    for (const t of [
      '1e131072',
      '1e-16384',
      '1.5e-16383',
      '0e-16384',
      '0e1073741823',
      '0e-1073741823',
      `0.${'0'.repeat(16384)}`,
      '1e99999999999999999999',
    ]) {
      expect(problem(t), t).not.toBeNull();
    }
  });
});

describe('formatDouble', () => {
  it('writes the shortest round-trip form and PostgreSQL spellings', () => {
    expect(formatDouble(-0)).toBe('-0');
    expect(formatDouble(0)).toBe('0');
    expect(formatDouble(Infinity)).toBe('Infinity');
    expect(formatDouble(-Infinity)).toBe('-Infinity');
    expect(formatDouble(NaN)).toBe('NaN');
    expect(formatDouble(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatDouble(5e-324)).toBe('5e-324');
    expect(formatDouble(1e308)).toBe('1e+308');
  });
  it('never picks a decimal halfway between two doubles, as PostgreSQL does not', () => {
    expect(String(34262784306106928)).toBe('34262784306106930'); // ECMAScript may pick the tie
    expect(formatDouble(34262784306106928)).toBe('34262784306106928');
    expect(formatDouble(-25056432539818272)).toBe('-25056432539818272');
    expect(formatDouble(2 ** 60)).toBe(String(2 ** 60));
  });
  it('round-trips every double', () => {
    fc.assert(fc.property(fc.double(), (d) => Object.is(Number(formatDouble(d)), d)));
  });
});

describe('formatFloat4', () => {
  it('writes what PostgreSQL prints for a real', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1e-45, '1e-45'],
      [3.4028234663852886e38, '3.4028235e+38'],
      [1.1754943508222875e-38, '1.1754944e-38'],
      [16777216, '16777216'],
      [0.3, '0.3'],
      [-2.5, '-2.5'],
      [-0, '-0'],
      [Infinity, 'Infinity'],
    ];
    for (const [v, s] of cases) expect(formatFloat4(Math.fround(v)), String(v)).toBe(s);
  });
  it('reads an exact midpoint as strtof does (half to even), a decimal just off it to its side', () => {
    // 45813710 is halfway between the float4 values 45813708 and 45813712 (even mantissa wins).
    expect(readFloat4('45813710', parseDecimal('45813710')!)).toEqual({ value: 45813712, tie: true });
    expect(formatFloat4(45813712)).toBe('45813712'); // PostgreSQL prints 4.5813712e+07, never the tie
    expect(parseFloat4('45813709.99999999999', parseDecimal('45813709.99999999999')!)).toBe(45813708);
    expect(parseFloat4('45813710.00000000001', parseDecimal('45813710.00000000001')!)).toBe(45813712);
  });
  it('round-trips every float4 with no shorter decimal that would', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
        const s = formatFloat4(f);
        expect(Object.is(Math.fround(Number(s)), f)).toBe(true);
        const digits = parseDecimal(s.replace(/^-/, ''))?.digits.length ?? 1;
        for (let p = 1; p < digits; p++) {
          const shorter = f.toPrecision(p);
          const r = readFloat4(shorter, parseDecimal(shorter)!);
          expect(r.value === f && !r.tie).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe.each([
  ['smallint', toSmallint, -32768n, 32767n],
  ['integer', toInteger, -2147483648n, 2147483647n],
  ['bigint', toBigint, INT64_MIN, INT64_MAX],
] as const)('%s', (_name, conv, min, max) => {
  it('takes INTEGER exactly within range, out_of_range beyond', () => {
    accepts(conv, min, String(min));
    accepts(conv, max, String(max));
    accepts(conv, 0n, '0');
    if (max < INT64_MAX) {
      rejects(conv, max + 1n, 'out_of_range');
      rejects(conv, min - 1n, 'out_of_range');
    }
  });
  it('takes a whole REAL as that integer; fractions are precision_loss, huge and infinite out_of_range', () => {
    accepts(conv, 42.0, '42');
    accepts(conv, -0, '0'); // integers have no signed zero
    accepts(conv, -32768.0, '-32768');
    rejects(conv, 3.5, 'precision_loss');
    rejects(conv, -0.5, 'precision_loss');
    rejects(conv, 5e-324, 'precision_loss');
    rejects(conv, 1e30, 'out_of_range');
    rejects(conv, Infinity, 'out_of_range');
    rejects(conv, -Infinity, 'out_of_range');
    rejects(conv, NaN, 'not_a_number');
  });
  it('takes integer TEXT (sign allowed, no spaces), range checked', () => {
    accepts(conv, '+5', '5');
    accepts(conv, '-0', '0');
    accepts(conv, '007', '7');
    accepts(conv, String(max), String(max));
    rejects(conv, String(max + 1n), 'out_of_range');
    rejects(conv, '99999999999999999999999', 'out_of_range');
    for (const t of ['', ' 5', '5 ', '5.0', '1e3', 'N/A', '0x1F', '1_000', '+', '٣']) rejects(conv, t, 'not_a_number');
  });
  it('refuses BLOB and non-UTF-8 TEXT; passes NULL', () => {
    rejects(conv, Buffer.from([1]), 'type_mismatch');
    rejects(conv, new InvalidUtf8Text(Buffer.from([0x31, 0xff])), 'not_a_number');
    accepts(conv, null, null);
  });
  it('property: any INTEGER is accepted as its digits exactly when in range', () => {
    fc.assert(
      fc.property(fc.bigInt(INT64_MIN, INT64_MAX), (n) => {
        const r = run(conv, n);
        if (n >= min && n <= max) expect(r).toEqual({ ok: true, text: String(n) });
        else expect(r).toMatchObject({ ok: false, code: 'out_of_range' });
        expect(run(conv, String(n))).toMatchObject(r.ok ? r : { ok: false, code: r.code });
      }),
      { numRuns: 500 },
    );
  });
});

describe('bigint edge values', () => {
  it('keeps values a double cannot hold', () => {
    accepts(toBigint, 9007199254740993n, '9007199254740993');
    accepts(toBigint, '9223372036854775807', '9223372036854775807');
    accepts(toBigint, -9223372036854775808.0, '-9223372036854775808'); // -2^63 is a double
    rejects(toBigint, 9223372036854775808.0, 'out_of_range'); // 2^63
    accepts(toBigint, 9007199254740992.0, '9007199254740992');
  });
  it('property: a whole REAL is exactly its integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(run(toBigint, n)).toEqual({ ok: true, text: String(n) });
      }),
    );
  });
});

describe('double precision', () => {
  it('takes REAL as its shortest round-trip decimal', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [0.1 + 0.2, '0.30000000000000004'],
      [5e-324, '5e-324'],
      [1e308, '1e+308'],
      [-0, '-0'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
      [NaN, 'NaN'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [2 ** 53 + 2, '9007199254740994'],
    ];
    for (const [v, s] of cases) accepts(toDouble, v, s);
  });
  it('takes INTEGER when a double holds it exactly', () => {
    accepts(toDouble, 9007199254740992n, '9007199254740992');
    accepts(toDouble, 10n ** 22n, '1e+22');
    rejects(toDouble, 9007199254740993n, 'precision_loss');
    accepts(toDouble, INT64_MIN, '-9223372036854776000');
    rejects(toDouble, INT64_MAX, 'precision_loss');
    accepts(toDouble, -1n, '-1');
  });
  it('takes decimal TEXT whose value is the shortest form of its double', () => {
    accepts(toDouble, '0.1', '0.1');
    accepts(toDouble, '0.10', '0.1');
    accepts(toDouble, '1E2', '100');
    accepts(toDouble, '.5', '0.5');
    accepts(toDouble, '5.', '5');
    accepts(toDouble, '-0', '-0');
    accepts(toDouble, '0.30000000000000004', '0.30000000000000004');
    accepts(toDouble, '5e-324', '5e-324');
    accepts(toDouble, '100000000000000000000', '100000000000000000000');
    rejects(toDouble, '123456789012345678901234567890', 'precision_loss');
    rejects(toDouble, '0.10000000000000000001', 'precision_loss');
    rejects(toDouble, '4.9406564584124654e-324', 'precision_loss'); // the exact value of the least subnormal
    rejects(toDouble, '9007199254740993', 'precision_loss');
    rejects(toDouble, '1e-400', 'precision_loss'); // underflows to 0
    rejects(toDouble, '1e400', 'out_of_range');
    rejects(toDouble, '-1e309', 'out_of_range');
    accepts(toDouble, '0e999', '0');
    accepts(toDouble, '34262784306106928', '34262784306106928');
    rejects(toDouble, '34262784306106930', 'precision_loss'); // reads as ...928, which PostgreSQL prints so
  });
  it('reads inf/infinity/nan in any case with a sign, as PostgreSQL does', () => {
    for (const t of ['inf', 'INF', '+Inf', 'infinity', 'Infinity', '+INFINITY']) accepts(toDouble, t, 'Infinity');
    for (const t of ['-inf', '-Infinity', '-iNfInItY']) accepts(toDouble, t, '-Infinity');
    for (const t of ['nan', 'NaN', 'NAN', '-nan', '+NaN']) accepts(toDouble, t, 'NaN');
  });
  it('refuses anything else', () => {
    for (const t of ['', ' 1', '1 ', 'N/A', '1,5', '0x10', 'infinit', 'nana', '1e', '٣'])
      rejects(toDouble, t, 'not_a_number');
    rejects(toDouble, Buffer.from('1'), 'type_mismatch');
    rejects(toDouble, new InvalidUtf8Text(Buffer.from([0xff])), 'not_a_number');
    accepts(toDouble, null, null);
  });
  it('property: every REAL and its shortest text are accepted and read back the same', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        const r = run(toDouble, d);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(Object.is(Number(r.text), d)).toBe(true);
        expect(run(toDouble, formatDouble(d))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
  it('property: a decimal with more digits than the shortest form is precision_loss unless it is the same value', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }),
        fc.integer({ min: 1, max: 9 }),
        (d, extra) => {
          if (d === 0) return;
          // 18 or more significant digits: never the shortest form of any double.
          const e = d.toExponential();
          const text = e.replace('e', `${e.includes('.') ? '' : '.'}${'0'.repeat(17)}${extra}e`);
          expect(run(toDouble, text)).toMatchObject({ ok: false, code: 'precision_loss' });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('real', () => {
  it('takes a REAL only when it is exactly a float4', () => {
    accepts(toReal, 0.5, '0.5');
    accepts(toReal, Math.fround(0.1), '0.1');
    accepts(toReal, Math.fround(3.4028234663852886e38), '3.4028235e+38');
    accepts(toReal, Math.fround(1e-45), '1e-45');
    accepts(toReal, -0, '-0');
    accepts(toReal, Infinity, 'Infinity');
    accepts(toReal, NaN, 'NaN');
    rejects(toReal, 0.1, 'precision_loss');
    rejects(toReal, 1 / 3, 'precision_loss');
    rejects(toReal, 1e308, 'precision_loss');
    rejects(toReal, 5e-324, 'precision_loss');
  });
  it('takes INTEGER when a float4 holds it exactly', () => {
    accepts(toReal, 16777216n, '16777216');
    rejects(toReal, 16777217n, 'precision_loss');
    accepts(toReal, 16777218n, '16777218');
    accepts(toReal, -(2n ** 63n), '-9223372000000000000');
  });
  it('takes decimal TEXT whose value is the shortest form of its float4', () => {
    accepts(toReal, '0.1', '0.1');
    accepts(toReal, '3.4028235e38', '3.4028235e+38');
    accepts(toReal, '1e-45', '1e-45');
    rejects(toReal, '0.30000000000000004', 'precision_loss');
    rejects(toReal, '16777217', 'precision_loss');
    rejects(toReal, '45813710', 'precision_loss'); // a halfway tie: reads as 45813712
    rejects(toReal, '3.4028236e38', 'out_of_range');
    rejects(toReal, '1e39', 'out_of_range');
    rejects(toReal, '1e-46', 'precision_loss');
    accepts(toReal, '-inf', '-Infinity');
    rejects(toReal, 'abc', 'not_a_number');
    rejects(toReal, Buffer.alloc(4), 'type_mismatch');
  });
  it('property: every float4 is accepted, as REAL and as its text', () => {
    fc.assert(
      fc.property(fc.float(), (f) => {
        const r = run(toReal, f);
        expect(r).toEqual({ ok: true, text: formatFloat4(f) });
        expect(run(toReal, formatFloat4(f))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
  it('property: a double that is not a float4 is precision_loss', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        if (Math.fround(d) === d) return;
        expect(run(toReal, d)).toMatchObject({ ok: false, code: 'precision_loss' });
      }),
    );
  });
});

describe('numeric', () => {
  it('takes INTEGER digits and REAL shortest form', () => {
    accepts(toNumeric, INT64_MIN, String(INT64_MIN));
    accepts(toNumeric, 0.1, '0.1');
    accepts(toNumeric, 1e308, '1e+308');
    accepts(toNumeric, 5e-324, '5e-324');
    accepts(toNumeric, -0, '0'); // numeric has no negative zero
    accepts(toNumeric, NaN, 'NaN');
    accepts(toNumeric, Infinity, 'Infinity');
    accepts(toNumeric, -Infinity, '-Infinity');
  });
  it('sends decimal TEXT as written (numeric keeps every digit)', () => {
    for (const t of [
      '1.50',
      '+5',
      '.5',
      '5.',
      '1e5',
      '-0.000',
      '12345678901234567890.123456789012345678901234567890',
      '1e-16383',
    ])
      accepts(toNumeric, t, t);
  });
  it('refuses text that is not a decimal, and decimals numeric cannot hold', () => {
    for (const t of ['', 'NaN', 'Infinity', 'abc', '1 ', '1,5', '$5']) rejects(toNumeric, t, 'not_a_number');
    for (const t of ['1e131072', '1e-16384', '0e1073741823']) rejects(toNumeric, t, 'out_of_range');
    rejects(toNumeric, Buffer.from('1'), 'type_mismatch');
    rejects(toNumeric, new InvalidUtf8Text(Buffer.from([0xff])), 'not_a_number');
  });
  it('property: every decimal that matches the pattern within range is sent as written', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?([0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})([eE][+-]?[0-9]{1,4})?$/), (t) => {
        expect(run(toNumeric, t)).toEqual({ ok: true, text: t });
      }),
    );
  });
});

describe('reasons', () => {
  it('say what the value is and why it does not fit', () => {
    expect(run(toBigint, 3.5)).toEqual({ ok: false, code: 'precision_loss', reason: 'REAL 3.5 is not a whole number' });
    expect(run(toSmallint, 40000n)).toMatchObject({
      reason: "INTEGER 40000 is outside smallint's range -32768..32767",
    });
    expect(run(toInteger, 'x'.repeat(200))).toMatchObject({
      reason: expect.stringMatching(/^text 'x{80}…' is not an integer$/),
    });
  });
});
