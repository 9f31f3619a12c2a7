// Converter to PostgreSQL `bytea`: the bytes themselves, written in bytea's hex input format.
import { type Converter, describeValue, fail, ok } from './conversion.js';
import { InvalidUtf8Text } from '../model/sqlite-value.js';
import { isWellFormed, pythonRepr } from './text.js';

/**
 * `\x` + lowercase hex: https://www.postgresql.org/docs/current/datatype-binary.html#DATATYPE-BINARY-BYTEA-HEX-FORMAT
 */
export function byteaHex(bytes: Uint8Array): string {
  return `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/**
 * bytea: a BLOB's bytes; TEXT's UTF-8 bytes (TEXT that is not UTF-8: its raw bytes); a number, the UTF-8
 * bytes of the text the `text` rule writes for it (as SQLite's CAST(x AS BLOB) does for integers), so a
 * column mixing BLOBs and numbers keeps every value.
 */
export const toBytea: Converter = (value) => {
  if (value === null) return ok(null);
  if (Buffer.isBuffer(value)) return ok(byteaHex(value));
  if (value instanceof InvalidUtf8Text) return ok(byteaHex(value.bytes));
  if (typeof value === 'string') {
    // Buffer.from would write U+FFFD for an unpaired surrogate: that is not the text's bytes.
    if (!isWellFormed(value))
      return fail('invalid_utf8', `${describeValue(value)} holds an unpaired surrogate, which has no UTF-8 form`);
    return ok(byteaHex(Buffer.from(value, 'utf8')));
  }
  return ok(byteaHex(Buffer.from(typeof value === 'bigint' ? String(value) : pythonRepr(value), 'utf8')));
};
