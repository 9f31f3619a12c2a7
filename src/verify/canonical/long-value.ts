// Long canonical values: from LONG_VALUE_UNITS UTF-16 code units on, a value stands in the canonical form
// as its length and digest, hashed in pieces where the value is read (a BLOB's bytes, the target's COPY
// output as it arrives): a 100 MB BLOB never becomes a 200 MB hex string, and a row's digest walks a
// value once.
import { WordDigest } from './row-hash.js';

/** Canonical values this long (in UTF-16 code units) or longer are replaced by their stand-in. */
export const LONG_VALUE_UNITS = 1 << 20;

/** Bytes turned into hex a piece at a time: 64 KB strings, which stay in the young generation. */
const HEX_PIECE_BYTES = 32 * 1024;

/**
 * A long value's digest, fed its code units in pieces. Its stand-in: NUL (no canonical value holds one:
 * PostgreSQL text cannot, and bytea, numbers and times are spelled in ASCII letters and digits), the
 * value's length, and the MurmurHash3_x86_128 of its code units two to a word (row-hash.ts's encoding of a
 * value, without the length word). Equal values give equal stand-ins; different ones differ in length or
 * by the hash.
 */
export class LongValueDigest {
  readonly #d = new WordDigest();
  length = 0;

  /** Adds s[start, end) to the value. */
  units(s: string, start = 0, end = s.length): void {
    this.#d.units(s, start, end);
    this.length += end - start;
  }

  /** Adds the hex (bytea's canonical form) of bytes[start, end), made 32 KB at a time. */
  hexOf(bytes: Uint8Array, start = 0, end = bytes.byteLength): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = start; at < end; at += HEX_PIECE_BYTES)
      this.units(buf.toString('hex', at, Math.min(at + HEX_PIECE_BYTES, end)));
  }

  standIn(): string {
    return `\u0000long ${this.length}:${this.#d.hex()}`;
  }
}

/** True for a long value's stand-in. */
export const isStandIn = (v: string): boolean => v.charCodeAt(0) === 0;

/** A canonical value as the canonical form keeps it: itself, or its stand-in when it is long. */
export function keptValue(s: string): string {
  if (s.length < LONG_VALUE_UNITS) return s;
  const d = new LongValueDigest();
  d.units(s);
  return d.standIn();
}

/** The canonical form of bytea (lower-case hex) of these bytes; hashed from the bytes in pieces when it is long. */
export function hexOfBytes(bytes: Uint8Array): string {
  if (bytes.byteLength * 2 < LONG_VALUE_UNITS)
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  const d = new LongValueDigest();
  d.hexOf(bytes);
  return d.standIn();
}
