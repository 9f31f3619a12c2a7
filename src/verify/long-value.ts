// Long canonical values: from LONG_VALUE_UNITS UTF-16 code units on, a value stands in the canonical form
// as its own digest, made from the value where it already is (a BLOB's bytes, a COPY line), so a 100 MB
// BLOB is never copied into a 200 MB hex string and a row's digest never walks a value twice.
import { WordDigest } from './row-hash.js';

/** Canonical values this long (in UTF-16 code units) or longer are replaced by their digest. */
export const LONG_VALUE_UNITS = 1 << 20;

/**
 * The stand-in of a long value: NUL (no canonical value holds one: PostgreSQL text cannot, and bytea,
 * numbers and times are spelled in ASCII letters and digits), the value's length, and the
 * MurmurHash3_x86_128 of its length and code units — the words row-hash.ts hashes for a one-value row.
 * Equal values give equal stand-ins; different values of 2^20 units or more differ with the hash.
 */
function standIn(length: number, d: WordDigest): string {
  return `\u0000long ${length}:${d.hex()}`;
}

/** A canonical value as the canonical form keeps it: itself, or its stand-in when it is long. */
export function keptValue(s: string): string {
  if (s.length < LONG_VALUE_UNITS) return s;
  const d = new WordDigest();
  d.push(s.length);
  d.units(s, 0, s.length);
  return standIn(s.length, d);
}

/** Bytes turned into hex a piece at a time: 64 KB strings, which stay in the young generation. */
const HEX_PIECE_BYTES = 32 * 1024;

/** The canonical form of bytea (lower-case hex) of these bytes; hashed from the bytes in pieces when it is long. */
export function hexOfBytes(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length * 2 < LONG_VALUE_UNITS) return buf.toString('hex');
  const d = new WordDigest();
  d.push(buf.length * 2);
  for (let at = 0; at < buf.length; at += HEX_PIECE_BYTES) {
    const hex = buf.toString('hex', at, Math.min(at + HEX_PIECE_BYTES, buf.length));
    d.units(hex, 0, hex.length);
  }
  return standIn(buf.length * 2, d);
}
