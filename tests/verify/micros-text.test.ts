// The canonical timestamp's digits are exact on the fast path (two halves below 1e8) as on the BigInt one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { microsText } from '../../src/verify/canonical-time.js';

describe('microsText', () => {
  it('prints days × 86400000000 + micros exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -719162, max: 2932896 }), fc.integer({ min: 0, max: 86_399_999_999 }), (days, micros) => {
        expect(microsText({ days, micros })).toBe((BigInt(days) * 86_400_000_000n + BigInt(micros)).toString());
      }),
      { numRuns: 5000 },
    );
  });

  it('around zero and the 1e8 boundary', () => {
    for (const [days, micros] of [[0, 0], [0, 99_999_999], [0, 100_000_000], [0, 100_000_001], [-1, 86_399_999_999], [-1, 0], [1, 5]]) {
      expect(microsText({ days, micros })).toBe((BigInt(days) * 86_400_000_000n + BigInt(micros)).toString());
    }
  });
});
