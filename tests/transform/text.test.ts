// The text converter: TEXT byte for byte, NUL and non-UTF-8 refused (with what `strip` would write), REAL as Python's
// repr.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';
import { decodeUtf8, pythonRepr, stripInvalidUtf8, toText } from '../../src/transform/text.js';

const run = (v: SqliteValue) => toText(v, { localTimeZone: null });

describe('TEXT', () => {
  it('is copied verbatim: entities, backslashes, tabs, newlines, a literal \\N, emoji, empty', () => {
    const samples = [
      'Tom &amp; Jerry&#x27;s',
      'C:\\Users\\admin',
      'a\tb',
      'line\nnext\r\nold mac\r',
      '\\N',
      '\\\\N',
      '学习 😀 naïve',
      '',
      ' leading and trailing ',
      '\u00a0\u200b\ufeffBOM inside',
      'x'.repeat(100_000),
    ];
    for (const s of samples) expect(run(s)).toEqual({ ok: true, text: s });
  });
  it('with a NUL is nul_byte; strip removes the NULs', () => {
    expect(run('before\u0000after')).toEqual({
      ok: false,
      code: 'nul_byte',
      reason: "text 'before\\u0000after' holds a NUL character, which PostgreSQL text cannot store",
      stripped: 'beforeafter',
    });
    expect(run('\u0000')).toMatchObject({ code: 'nul_byte', stripped: '' });
  });
  it('that is not UTF-8 is invalid_utf8; strip drops the invalid sequences (and NULs)', () => {
    const cases: [number[], string][] = [
      [[0x63, 0x61, 0x66, 0xe9], 'caf'], // Latin-1 é
      [[0xc0, 0x80, 0x41], 'A'], // overlong NUL
      [[0xed, 0xa0, 0x80, 0x42], 'B'], // an encoded surrogate
      [[0xf0, 0x9f, 0x98, 0x43], 'C'], // a truncated emoji
      [[0x80, 0x44, 0xbf], 'D'], // stray continuation bytes
      [[0xf5, 0x80, 0x80, 0x80, 0x45], 'E'], // beyond U+10FFFF
      [[0x61, 0x00, 0xff, 0x62], 'ab'],
      [[0xe2, 0x82, 0xac, 0xff, 0xf0, 0x9f, 0x98, 0x80], '€😀'],
    ];
    for (const [bytes, stripped] of cases) {
      expect(run(new InvalidUtf8Text(Buffer.from(bytes)))).toMatchObject({ ok: false, code: 'invalid_utf8', stripped });
    }
  });
  it('as a JS string with an unpaired surrogate is invalid_utf8 (it has no UTF-8 form)', () => {
    expect(run('a\ud800b')).toMatchObject({ ok: false, code: 'invalid_utf8', stripped: 'ab' });
    expect(run('\udc00')).toMatchObject({ ok: false, code: 'invalid_utf8', stripped: '' });
    expect(run('😀')).toEqual({ ok: true, text: '😀' });
  });
  it('property: any text without NUL is kept exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = run(s);
        if (s.includes('\u0000'))
          expect(r).toMatchObject({ ok: false, code: 'nul_byte', stripped: s.replaceAll('\u0000', '') });
        else expect(r).toEqual({ ok: true, text: s });
      }),
      { numRuns: 500 },
    );
  });
});

describe('stripInvalidUtf8', () => {
  it('property: drops exactly what the WHATWG decoder replaces with U+FFFD', () => {
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        if (b.includes(Buffer.from([0xef, 0xbf, 0xbd]))) return; // a real U+FFFD would be indistinguishable
        expect(stripInvalidUtf8(b)).toBe(lenient.decode(b).replaceAll('\ufffd', ''));
      }),
      { numRuns: 5000 },
    );
  });
  it('keeps valid text unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(stripInvalidUtf8(Buffer.from(s, 'utf8'))).toBe(s);
      }),
    );
  });
});

describe('decodeUtf8', () => {
  it('keeps a byte-order mark and refuses invalid bytes', () => {
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x41]))).toBe('\ufeffA');
    expect(decodeUtf8(Buffer.from([0xff]))).toBeNull();
  });
});

describe('INTEGER and REAL', () => {
  it('INTEGER is its decimal digits', () => {
    expect(run(-9223372036854775808n)).toEqual({ ok: true, text: '-9223372036854775808' });
    expect(run(9007199254740993n)).toEqual({ ok: true, text: '9007199254740993' });
  });
  it("REAL is Python's repr", () => {
    const cases: [number, string][] = [
      [1, '1.0'],
      [0.1, '0.1'],
      [100, '100.0'],
      [-1.5, '-1.5'],
      [123.456, '123.456'],
      [1e15, '1000000000000000.0'],
      [9999999999999998, '9999999999999998.0'],
      [1e16, '1e+16'],
      [123456789012345678, '1.2345678901234568e+17'],
      [1e22, '1e+22'],
      [1.5e300, '1.5e+300'],
      [0.0001, '0.0001'],
      [0.00012, '0.00012'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [0.1 + 0.2, '0.30000000000000004'],
      [-0, '-0.0'],
      [0, '0.0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
      [2 ** 53 + 1, '9007199254740992.0'],
    ];
    for (const [v, s] of cases) {
      expect(pythonRepr(v), String(v)).toBe(s);
      expect(run(v)).toEqual({ ok: true, text: s });
    }
  });
  it('property: repr reads back as the same double and has the shape Python gives it', () => {
    fc.assert(
      fc.property(fc.double(), (d) => {
        const s = pythonRepr(d);
        const back = s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
        expect(Object.is(back, d)).toBe(true);
        if (Number.isFinite(d)) expect(s).toMatch(/^-?([0-9]+\.[0-9]+|[0-9](\.[0-9]+)?e[+-][0-9]{2,3})$/);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('BLOB', () => {
  it('valid UTF-8 without NUL is that text (a BOM is kept)', () => {
    expect(run(Buffer.from('résumé ✓', 'utf8'))).toEqual({ ok: true, text: 'résumé ✓' });
    expect(run(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]))).toEqual({ ok: true, text: '\ufeffhi' });
    expect(run(Buffer.alloc(0))).toEqual({ ok: true, text: '' });
  });
  it('otherwise invalid_utf8 / nul_byte, which strip cannot fix', () => {
    const bad = run(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xc3, 0x28, 0xff, 0x61]));
    expect(bad).toMatchObject({ ok: false, code: 'invalid_utf8' });
    expect(bad).not.toHaveProperty('stripped');
    const nul = run(Buffer.from([0x61, 0x00]));
    expect(nul).toMatchObject({ ok: false, code: 'nul_byte' });
    expect(nul).not.toHaveProperty('stripped');
  });
});

describe('NULL', () => {
  it('stays NULL', () => expect(run(null)).toEqual({ ok: true, text: null }));
});
