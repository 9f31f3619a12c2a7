// Converter to PostgreSQL `boolean`: 0/1 numbers and the usual true/false spellings, nothing else.
import { type Converter, describeValue, fail, ok } from './conversion.js';

/** The accepted spellings (compared in lower case). */
const SPELLINGS = new Map<string, string>([
  ['true', 'true'],
  ['t', 'true'],
  ['1', 'true'],
  ['false', 'false'],
  ['f', 'false'],
  ['0', 'false'],
]);

/** boolean: INTEGER 0/1, REAL 0.0/1.0, TEXT `true`/`false`/`t`/`f`/`1`/`0` in any case; BLOB → `type_mismatch`. */
export const toBoolean: Converter = (value) => {
  if (value === null) return ok(null);
  if (typeof value === 'bigint' || typeof value === 'number') {
    // A zero of either sign (-0.0 too) is false.
    if (value === 0n || value === 0) return ok('false');
    if (value === 1n || value === 1) return ok('true');
    return fail('invalid_boolean', `${describeValue(value)} is not 0 or 1`);
  }
  if (typeof value === 'string') {
    const b = value.length <= 5 ? SPELLINGS.get(value.toLowerCase()) : undefined;
    if (b !== undefined) return ok(b);
    return fail('invalid_boolean', `${describeValue(value)} is not true/false/t/f/1/0`);
  }
  if (Buffer.isBuffer(value)) return fail('type_mismatch', `${describeValue(value)} cannot be boolean`);
  return fail('invalid_boolean', `${describeValue(value)} is not true/false/t/f/1/0`);
};
