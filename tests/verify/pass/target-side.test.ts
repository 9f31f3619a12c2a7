// The streaming pass's target side hashes fields in place in their COPY line: the same tally as the fields made
// canonical one by one (canonicalFromCopyField) and hashed as strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TablePlan } from '../../../src/model/table-plan.js';
import { canonicalFromCopyField } from '../../../src/verify/canonical/canonical-pg.js';
import type { Logical } from '../../../src/verify/canonical/canonical-source.js';
import { ChecksumAccumulator, digestRow } from '../../../src/verify/canonical/row-hash.js';
import { digestKindsOf } from '../../../src/verify/canonical/typed-value.js';
import { SideTally } from '../../../src/verify/pass/side-tally.js';
import { targetLineTallier } from '../../../src/verify/pass/target-side.js';

/** COPY fields a column of each type may hold, well-formed or not (an unreadable one must still hash alike). */
const FIELDS: Record<string, string[]> = {
  int8: ['0', '-0', '7', '-12', '007', '12a', '', '\\N', '9223372036854775807'],
  float8: [
    '0',
    '-0',
    '0.5',
    '0.50',
    '1.',
    '.5',
    '12345678901234567',
    '123456789012345',
    '0.1',
    '0.10000000000000001',
    '1e+300',
    'NaN',
    '-Infinity',
    '01.5',
    '',
    '\\N',
  ],
  text: ['', 'a', 'tab\\there', 'back\\\\slash', '\\N', 'ünï', '\\\\N', 'x\\ny'],
  boolean: ['t', 'f', 'true', '', '\\N'],
  jsonb: ['{}', '{"a": 1.50}', '{"a": "b\\\\"c"}', '[1, 2]', '{"b": -0}', '{"e": 1e5}', '\\N', '"x"'],
  timestamp: [
    '2024-01-01 00:00:00',
    '2024-01-01 00:00:00.5',
    '2024-01-01 00:00:00.1234567',
    '1000-06-01 12:00:00+02',
    '0044-03-15 12:00:00 BC',
    '2024-01-01 00:00:00+05:30',
    '2024-01-01 00:00',
    'infinity',
    'nope',
    '\\N',
  ],
  date: ['2024-02-29', '0001-12-31 BC', '\\N'],
  json: ['{"b":1, "a":2}', '\\N', '"\\\\u0041"'],
};
const LOGICALS = Object.keys(FIELDS) as Logical[];

function plan(logicals: Logical[], key: number | null): TablePlan {
  const columns = logicals.map((logical, i) => ({ name: `c${i}`, logical }));
  return { columns, primaryKey: key === null ? [] : [`c${key}`] } as unknown as TablePlan;
}

describe('targetLineTallier', () => {
  it('tallies fields hashed in place as it would their canonical values (property)', () => {
    const table = fc.array(fc.constantFrom(...LOGICALS), { minLength: 1, maxLength: 8 }).chain((logicals) =>
      fc.record({
        logicals: fc.constant(logicals),
        key: fc.option(fc.nat(logicals.length - 1), { nil: null }),
        lines: fc.array(fc.tuple(...logicals.map((l) => fc.constantFrom(...FIELDS[l]))), { maxLength: 12 }),
      }),
    );
    fc.assert(
      fc.property(table, ({ logicals, key, lines }) => {
        const p = plan(logicals, key);
        const tally = new SideTally({ kind: 'keys' }, null);
        const text = lines.map((fields) => fields.join('\t'));
        targetLineTallier(p)(text, tally);
        const expected = new ChecksumAccumulator();
        for (const l of text)
          expected.addDigest(
            digestRow(
              l.split('\t').map((f, i) => canonicalFromCopyField(logicals[i], f)),
              false,
              digestKindsOf(logicals),
            ),
          );
        expect(tally.acc.digest()).toBe(expected.digest());
        expect(tally.seen).toBe(lines.length);
      }),
      { numRuns: 500 },
    );
  });
});
