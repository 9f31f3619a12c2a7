// Converter to PostgreSQL `bytea`: the bytes themselves, written in bytea's hex input format.
import { type Converter, describeValue, fail, ok } from './conversion.js';
import { InvalidUtf8Text } from './sqlite-value.js';
import { isWellFormed } from './text.js';

/** `\x` + lowercase hex: https://www.postgresql.org/docs/current/datatype-binary.html#DATATYPE-BINARY-BYTEA-HEX-FORMAT */
export function byteaHex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** bytea: a BLOB's bytes; TEXT's UTF-8 bytes (TEXT that is not UTF-8: its raw bytes); numbers → `type_mismatch`. */
export const toBytea: Converter = (value) => {
  if (value === null) return ok(null);
  if (Buffer.isBuffer(value)) return ok(byteaHex(value));
  if (value instanceof InvalidUtf8Text) return ok(byteaHex(value.bytes));
  if (typeof value === 'string') {
    // Buffer.from would write U+FFFD for an unpaired surrogate: that is not the text's bytes.
    if (!isWellFormed(value)) return fail('invalid_utf8', `${describeValue(value)} holds an unpaired surrogate, which has no UTF-8 form`);
    return ok(`\\x${Buffer.from(value, 'utf8').toString('hex')}`);
  }
  return fail('type_mismatch', `${describeValue(value)} cannot be bytea (only BLOB and TEXT can)`);
};
