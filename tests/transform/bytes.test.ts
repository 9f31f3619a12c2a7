// The bytea converter: the bytes themselves in bytea's `\x` hex input form.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBytea } from '../../src/transform/bytes.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

const run = (v: SqliteValue) => toBytea(v, { localTimeZone: null });

describe('bytea', () => {
  it('writes a BLOB as \\x and lowercase hex', () => {
    expect(run(Buffer.from([0x00, 0xab, 0xff, 0x5c]))).toEqual({ ok: true, text: '\\x00abff5c' });
    expect(run(Buffer.alloc(0))).toEqual({ ok: true, text: '\\x' });
  });
  it('writes TEXT as its UTF-8 bytes, NUL included', () => {
    expect(run('é\u0000')).toEqual({ ok: true, text: '\\xc3a900' });
    expect(run('')).toEqual({ ok: true, text: '\\x' });
  });
  it('writes TEXT that is not UTF-8 as its raw bytes', () => {
    expect(run(new InvalidUtf8Text(Buffer.from([0x63, 0xe9, 0xff])))).toEqual({ ok: true, text: '\\x63e9ff' });
  });
  it('writes a number as the UTF-8 bytes of its text form', () => {
    expect(run(-12n)).toEqual({ ok: true, text: `\\x${Buffer.from('-12').toString('hex')}` });
    expect(run(1.5)).toEqual({ ok: true, text: `\\x${Buffer.from('1.5').toString('hex')}` });
    expect(run(1e300)).toEqual({ ok: true, text: `\\x${Buffer.from('1e+300').toString('hex')}` });
  });
  it('refuses unpaired surrogates', () => {
    expect(run('\ud800')).toMatchObject({ ok: false, code: 'invalid_utf8' });
    expect(run(null)).toEqual({ ok: true, text: null });
  });
  it('property: the hex decodes to the same bytes (also for a view into a larger buffer)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(8), (bytes, skip) => {
        const big = Buffer.concat([Buffer.alloc(skip, 7), Buffer.from(bytes), Buffer.alloc(3, 9)]);
        const view = big.subarray(skip, skip + bytes.length);
        const r = run(view);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(r.text).toMatch(/^\\x([0-9a-f]{2})*$/);
          expect(Buffer.from(r.text!.slice(2), 'hex').equals(Buffer.from(bytes))).toBe(true);
        }
      }),
    );
  });
});
