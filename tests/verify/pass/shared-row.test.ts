// The streaming pass's shared row (numbers made without their text) hashes as the narrowing passes' rows do,
// constant columns and values that fall back to text included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TablePlan } from '../../../src/model/table-plan.js';
import { digestRowInto, digestWords } from '../../../src/verify/canonical/row-hash.js';
import { canonicalDigest, sharedRowFiller, sourceRowReader } from '../../../src/verify/pass/source-side.js';

const NOTHING = { rejected: new Set<string>(), changes: new Map() };

/** A plan of read columns of these types, a key first, then one constant column of each kind. */
function plan(): TablePlan {
  const read = ['int8', 'int8', 'float8', 'timestamp', 'text', 'int4'] as const;
  const columns = [
    ...read.map((logical, i) => ({ name: `c${i}`, logical, extractIndex: i, source: { kind: 'column' } })),
    { name: 'k1', logical: 'int8', source: { kind: 'const', value: 42 } },
    { name: 'k2', logical: 'float8', source: { kind: 'const', value: 0.25 } },
    { name: 'k3', logical: 'timestamp', source: { kind: 'const', value: '2024-01-01 10:00:00' } },
  ].map((c) => ({ localTimeZone: null, emptyAsNull: false, extractIndex: -1, ...c }));
  return { columns, primaryKey: ['c0'] } as unknown as TablePlan;
}

const value = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double(),
  fc.constantFrom('2024-02-29 23:59:59.5', '0044-03-15 12:00:00', 'infinity', 'x', '12', null),
);

describe('sharedRowFiller', () => {
  it('hashes as canonicalDigest of the same row read as text (property)', () => {
    const p = plan();
    const fill = sharedRowFiller(p, NOTHING, false);
    const read = sourceRowReader(p, NOTHING);
    fc.assert(
      fc.property(fc.array(value, { minLength: 6, maxLength: 6 }), (values) => {
        const row = fill([7n, ...values], 1, undefined);
        digestRowInto(row.values, row.invalid !== null, '', null, null, row.kinds, row.nums ?? null);
        const hot = [...digestWords].map((w) => (w >>> 0).toString(16)).join(':');
        const slow = canonicalDigest(read({ key: '7', values }, null, null)!);
        const slowWords = [0, 4, 8, 12].map((at) => Buffer.from(slow, 'latin1').readUInt32LE(at).toString(16));
        expect(hot).toBe(slowWords.join(':'));
      }),
      { numRuns: 1000 },
    );
  });
});
