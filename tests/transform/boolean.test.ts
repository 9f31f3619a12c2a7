// The boolean converter: 0/1 and true/false/t/f/1/0 in any case, nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBoolean } from '../../src/transform/boolean.js';
import { InvalidUtf8Text, type SqliteValue } from '../../src/model/sqlite-value.js';

const run = (v: SqliteValue) => toBoolean(v, { localTimeZone: null });

describe('boolean', () => {
  it('reads INTEGER 0/1 and REAL 0.0/1.0', () => {
    expect(run(0n)).toEqual({ ok: true, text: 'false' });
    expect(run(1n)).toEqual({ ok: true, text: 'true' });
    expect(run(0)).toEqual({ ok: true, text: 'false' });
    expect(run(-0)).toEqual({ ok: true, text: 'false' });
    expect(run(1)).toEqual({ ok: true, text: 'true' });
  });
  it('reads true/false/t/f/1/0 in any case', () => {
    for (const t of ['true', 'TRUE', 'True', 't', 'T', '1']) expect(run(t)).toEqual({ ok: true, text: 'true' });
    for (const t of ['false', 'FALSE', 'fAlSe', 'f', 'F', '0']) expect(run(t)).toEqual({ ok: true, text: 'false' });
  });
  it('refuses everything else with invalid_boolean', () => {
    for (const v of [2n, -1n, 0.5, NaN, 2, 'yes', 'no', 'on', '', ' true', 'true ', '01', 'tr', 'y', 'constructor']) {
      expect(run(v)).toMatchObject({ ok: false, code: 'invalid_boolean' });
    }
    expect(run(new InvalidUtf8Text(Buffer.from([0x74, 0xff])))).toMatchObject({ ok: false, code: 'invalid_boolean' });
    expect(run(2n)).toMatchObject({ reason: 'INTEGER 2 is not 0 or 1' });
  });
  it('refuses a BLOB with type_mismatch and keeps NULL', () => {
    expect(run(Buffer.from([1]))).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(run(null)).toEqual({ ok: true, text: null });
  });
  it('property: only the six spellings are accepted', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }), (s) => {
        const accepted = ['true', 'false', 't', 'f', '1', '0'].includes(s.toLowerCase());
        expect(run(s).ok).toBe(accepted);
      }),
      { numRuns: 2000 },
    );
  });
});
