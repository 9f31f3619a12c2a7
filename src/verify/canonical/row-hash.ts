// Row hashes and the order-independent table checksum the verifier compares between SQLite and PostgreSQL.
import { AS_DOUBLE, AS_MICROS, typedInto, typedOut, type DigestKinds } from './typed-value.js';

/** The word that stands for NULL (no length can be 2^32 − 1: V8 strings stop below 2^30). */
const NULL_WORD = 0xffff_ffff;
/** The word that starts the digest of a row holding a value that cannot be represented. */
const INVALID_WORD = 0xffff_fffe;
const TWO_32 = 0x1_0000_0000;
/** The first word of a timestamp hashed as its microseconds, of a double hashed as its bits, of an integer. */
const MICROS_WORD = 0xffff_fffd;
const DOUBLE_WORD = 0xffff_fffc;
const INTEGER_WORD = 0xffff_fffb;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The two words after a typed value's first word (low, high), left by typedWords. */
const typedPair = new Int32Array(2);

/**
 * A typed value's words: MICROS_WORD or INTEGER_WORD then the number as a 64-bit two's complement integer,
 * or DOUBLE_WORD then the double's IEEE 754 bits (every NaN as 0x7ff8000000000000), low word first.
 */
function typedWords(kind: number, x: number): number {
  if (kind !== AS_DOUBLE) {
    const hi = Math.floor(x / TWO_32);
    typedPair[0] = x - hi * TWO_32;
    typedPair[1] = hi;
    return kind === AS_MICROS ? MICROS_WORD : INTEGER_WORD;
  }
  if (x !== x) {
    typedPair[0] = 0;
    typedPair[1] = 0x7ff8_0000;
  } else {
    f64[0] = x;
    typedPair[0] = u32[LITTLE_ENDIAN ? 0 : 1];
    typedPair[1] = u32[LITTLE_ENDIAN ? 1 : 0];
  }
  return DOUBLE_WORD;
}

/**
 * The row as the stream of 32-bit words the digest hashes: per value, NULL_WORD for NULL, else its length
 * in UTF-16 code units followed by the code units two to a word (low half first, an odd last one padded
 * with 0), so ('ab','c') ≠ ('a','bc') and NULL ≠ '' ≠ 'NULL'. In a column `kinds` types (typed-value.ts),
 * a value standing for a number is three words instead: MICROS_WORD or DOUBLE_WORD, then the number's 64
 * bits (typedWords); no length reaches those first words. The stream decodes back to the row, so
 * different rows give different streams, for any string (unpaired surrogates included). The reference
 * form for tests; digestRow hashes the same words streaming, without building them.
 */
export function rowWords(values: readonly (string | null)[], invalid = false, kinds: DigestKinds = null): number[] {
  const out: number[] = invalid ? [INVALID_WORD] : [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      out.push(NULL_WORD);
      continue;
    }
    if (kinds !== null && kinds[i] !== 0 && typedInto(kinds[i], v)) {
      out.push(typedWords(kinds[i], typedOut[0]), typedPair[0] >>> 0, typedPair[1] >>> 0);
      continue;
    }
    out.push(v.length);
    for (let i = 0; i < v.length; i += 2)
      out.push((v.charCodeAt(i) | ((i + 1 < v.length ? v.charCodeAt(i + 1) : 0) << 16)) >>> 0);
  }
  return out;
}

// MurmurHash3_x86_128 (Austin Appleby, public domain) over the row's words, fed four words to a block as
// they are made: no row string is built and no bytes are encoded, as a digest from node:crypto would need
// for every row of every table. The checksum guards against bugs, not adversaries;
// a 128-bit non-cryptographic hash with full avalanche is what that needs.
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The four 32-bit words of the last digest (h1–h4). */
const out = new Int32Array(4);

/** MurmurHash3_x86_128's tail (the last 0–3 words, k1–k3) and finalisation; leaves h1–h4 in `out`. */
function finish(
  h1: number,
  h2: number,
  h3: number,
  h4: number,
  k1: number,
  k2: number,
  k3: number,
  lane: number,
  words: number,
): void {
  if (lane > 2) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  if (lane > 1) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  if (lane > 0) h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  const bytes = words * 4;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[0] = h1;
  out[1] = (h2 + h1) | 0;
  out[2] = (h3 + h1) | 0;
  out[3] = (h4 + h1) | 0;
}

/**
 * The row's digest, left in {@link digestWords} (h1–h4): MurmurHash3_x86_128 (seed 0) of
 * rowWords(values, invalid, kinds) as little-endian bytes. `invalid` marks a row holding a value that cannot be
 * represented, so it never matches a target row. The hot path of both sides: no object is made. A value
 * `undefined` stands for nums[i] in a column `kinds` types (made without its text), else for the text
 * line[starts[i], ends[i]) (hashed where it is, never sliced out).
 * One loop with the state in locals: each word of a value (its length, then its code units two at a
 * time) goes to the next of the block's four lanes, and the fourth mixes the block.
 */
export function digestRowInto(
  values: readonly (string | null | undefined)[],
  invalid = false,
  line = '',
  starts: Int32Array | null = null,
  ends: Int32Array | null = null,
  kinds: DigestKinds = null,
  nums: Float64Array | null = null,
): void {
  let h1 = 0,
    h2 = 0,
    h3 = 0,
    h4 = 0;
  let k1 = invalid ? INVALID_WORD : 0,
    k2 = 0,
    k3 = 0;
  let lane = invalid ? 1 : 0;
  let words = lane;
  // The code units of each value OR-ed together: a span's (below) must be ASCII, as spansWereAscii tells.
  let high = 0;
  spanHigh = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // The value's code units are s[j, end); its first word (NULL_WORD or its length) is w.
    let s = '';
    let j = 0;
    let end = 0;
    let w: number;
    // A typed value's two words after its first (typedWords), still to come.
    let extra = 0;
    const kind = kinds === null ? 0 : kinds[i];
    if (v === null) w = NULL_WORD;
    else if (kind !== 0 && v === undefined) {
      w = typedWords(kind, nums![i]);
      extra = 2;
    } else if (kind !== 0 && typedInto(kind, v as string)) {
      w = typedWords(kind, typedOut[0]);
      extra = 2;
    } else if (v === undefined) {
      // A value that is the text of line[starts[i], ends[i]) (the target side's COPY fields, hashed in place).
      s = line;
      j = starts![i];
      end = ends![i];
      w = end - j;
    } else {
      s = v;
      end = v.length;
      w = end;
    }
    for (let first = true; ; first = false) {
      if (!first) {
        if (extra > 0) {
          w = typedPair[2 - extra];
          extra--;
        } else if (lane === 0 && j + 8 <= end) {
          // A whole block from eight code units at once: most of a long value goes this way.
          do {
            const w1 = s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16);
            const w2 = s.charCodeAt(j + 2) | (s.charCodeAt(j + 3) << 16);
            const w3 = s.charCodeAt(j + 4) | (s.charCodeAt(j + 5) << 16);
            const w4 = s.charCodeAt(j + 6) | (s.charCodeAt(j + 7) << 16);
            high |= w1 | w2 | w3 | w4;
            h1 ^= Math.imul(rotl(Math.imul(w1, C1), 15), C2);
            h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
            h2 ^= Math.imul(rotl(Math.imul(w2, C2), 16), C3);
            h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
            h3 ^= Math.imul(rotl(Math.imul(w3, C3), 17), C4);
            h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
            h4 ^= Math.imul(rotl(Math.imul(w4, C4), 18), C1);
            h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
            j += 8;
            words += 4;
          } while (j + 8 <= end);
          continue;
        } else if (j + 1 < end) {
          w = s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16);
          high |= w;
          j += 2;
        } else if (j < end) {
          w = s.charCodeAt(j);
          high |= w;
          j = end;
        } else break;
      }
      words++;
      if (lane === 0) k1 = w;
      else if (lane === 1) k2 = w;
      else if (lane === 2) k3 = w;
      else {
        h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
        h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
        h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
        h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
        h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
        h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
        h4 ^= Math.imul(rotl(Math.imul(w, C4), 18), C1);
        h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
        lane = 0;
        continue;
      }
      lane++;
    }
    if (v === undefined && kind === 0) spanHigh |= high;
    high = 0;
  }
  finish(h1, h2, h3, h4, k1, k2, k3, lane, words);
}

/** The code units of the spans (values read from `line`) digestRowInto hashed last, OR-ed together. */
let spanHigh = 0;

/**
 * True when every span digestRowInto hashed last was ASCII. A caller that hands it bytes as latin1 text
 * (the binary target side: one character per byte) needs this: UTF-8 beyond ASCII must be decoded first.
 */
export function spansWereAscii(): boolean {
  return (spanHigh & 0xff80ff80) === 0;
}

/** The four 32-bit words (h1–h4, as signed numbers) of the digest digestRowInto made last. */
export const digestWords: Readonly<Int32Array> = out;

/**
 * The row's digest as a latin1 string of 16 characters (one per byte; limbs and buckets are read from it):
 * digestRowInto's words, for callers that keep digests (the narrowing passes).
 */
export function digestRow(values: readonly (string | null)[], invalid = false, kinds: DigestKinds = null): string {
  digestRowInto(values, invalid, '', null, null, kinds);
  const a = out[0],
    b = out[1],
    c = out[2],
    d = out[3];
  return String.fromCharCode(
    a & 0xff,
    (a >>> 8) & 0xff,
    (a >>> 16) & 0xff,
    a >>> 24,
    b & 0xff,
    (b >>> 8) & 0xff,
    (b >>> 16) & 0xff,
    b >>> 24,
    c & 0xff,
    (c >>> 8) & 0xff,
    (c >>> 16) & 0xff,
    c >>> 24,
    d & 0xff,
    (d >>> 8) & 0xff,
    (d >>> 16) & 0xff,
    d >>> 24,
  );
}

/**
 * MurmurHash3_x86_128 (seed 0) of 32-bit words pushed in pieces: the digest of a long value
 * (long-value.ts), fed where it is, a piece at a time. The words of rowWords([v]) pushed give
 * digestRow([v]); a value's code units pushed give the digest of rowWords([v]) without its length word.
 */
export class WordDigest {
  #h1 = 0;
  #h2 = 0;
  #h3 = 0;
  #h4 = 0;
  #k1 = 0;
  #k2 = 0;
  #k3 = 0;
  #lane = 0;
  #words = 0;
  /** A code unit units() holds until its pair comes; -1 when none. */
  #odd = -1;

  push(w: number): void {
    this.#words++;
    const lane = this.#lane;
    if (lane === 0) this.#k1 = w;
    else if (lane === 1) this.#k2 = w;
    else if (lane === 2) this.#k3 = w;
    else {
      let h1 = this.#h1,
        h2 = this.#h2,
        h3 = this.#h3,
        h4 = this.#h4;
      h1 ^= Math.imul(rotl(Math.imul(this.#k1, C1), 15), C2);
      h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
      h2 ^= Math.imul(rotl(Math.imul(this.#k2, C2), 16), C3);
      h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
      h3 ^= Math.imul(rotl(Math.imul(this.#k3, C3), 17), C4);
      h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
      h4 ^= Math.imul(rotl(Math.imul(w, C4), 18), C1);
      h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
      this.#h1 = h1;
      this.#h2 = h2;
      this.#h3 = h3;
      this.#h4 = h4;
      this.#lane = 0;
      return;
    }
    this.#lane = lane + 1;
  }

  /**
   * Pushes the code units s[start, end) two to a word, as rowWords does: a value may come in pieces of any
   * length (an odd unit at a piece's end waits for the next one; at the value's end hex() pads it with 0).
   * Whole blocks of eight code units go through one loop with the state in locals.
   */
  units(s: string, start: number, end: number): void {
    let j = start;
    if (this.#odd >= 0 && j < end) {
      this.push(this.#odd | (s.charCodeAt(j++) << 16));
      this.#odd = -1;
    }
    while (this.#lane !== 0 && j + 1 < end) {
      this.push(s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16));
      j += 2;
    }
    if (j + 8 <= end) {
      let h1 = this.#h1,
        h2 = this.#h2,
        h3 = this.#h3,
        h4 = this.#h4;
      let blocks = 0;
      do {
        h1 ^= Math.imul(rotl(Math.imul(s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16), C1), 15), C2);
        h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
        h2 ^= Math.imul(rotl(Math.imul(s.charCodeAt(j + 2) | (s.charCodeAt(j + 3) << 16), C2), 16), C3);
        h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
        h3 ^= Math.imul(rotl(Math.imul(s.charCodeAt(j + 4) | (s.charCodeAt(j + 5) << 16), C3), 17), C4);
        h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
        h4 ^= Math.imul(rotl(Math.imul(s.charCodeAt(j + 6) | (s.charCodeAt(j + 7) << 16), C4), 18), C1);
        h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
        j += 8;
        blocks++;
      } while (j + 8 <= end);
      this.#h1 = h1;
      this.#h2 = h2;
      this.#h3 = h3;
      this.#h4 = h4;
      this.#words += blocks * 4;
    }
    for (; j + 1 < end; j += 2) this.push(s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16));
    if (j < end) this.#odd = s.charCodeAt(j);
  }

  /** The digest of the words pushed, as 32 hex digits (h1–h4, each little-endian: the digest's bytes in order). */
  hex(): string {
    if (this.#odd >= 0) {
      this.push(this.#odd);
      this.#odd = -1;
    }
    finish(this.#h1, this.#h2, this.#h3, this.#h4, this.#k1, this.#k2, this.#k3, this.#lane, this.#words);
    let hex = '';
    for (let i = 0; i < 4; i++)
      for (let b = 0; b < 32; b += 8) hex += ((out[i] >>> b) & 0xff).toString(16).padStart(2, '0');
    return hex;
  }
}

/** The hash of one row of canonical values (16 bytes). */
export function hashRow(values: readonly (string | null)[]): Buffer {
  return Buffer.from(digestRow(values), 'latin1');
}

/** Four 32-bit limbs of the sum, then the row count. */
export type AccumulatorState = [number, number, number, number, number];

/** The first four bytes of a digest as an unsigned 32-bit number: uniform, used to bucket rows without a key. */
export function digestBucket(h: string): number {
  return limb(h, 0);
}

/**
 * Sums row hashes modulo 2^128 (as four little-endian uint32 limbs with carries: exact, and no BigInt per
 * row) and counts rows. Addition is commutative, so row order does not matter, and unlike XOR a row seen
 * twice adds twice instead of cancelling out.
 */
export class ChecksumAccumulator {
  #l0 = 0;
  #l1 = 0;
  #l2 = 0;
  #l3 = 0;
  #count = 0;

  /** Rows added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds one row hash (its first 16 bytes, read as a little-endian 128-bit number). */
  add(rowHash: Buffer): void {
    if (rowHash.length < 16) throw new RangeError('a row hash has at least 16 bytes');
    this.#addLimbs(rowHash.readUInt32LE(0), rowHash.readUInt32LE(4), rowHash.readUInt32LE(8), rowHash.readUInt32LE(12));
    this.#count++;
  }

  /** Hashes a row of canonical values and adds it: the same as add(hashRow(values)), without the Buffer. */
  addRow(values: readonly (string | null)[]): void {
    this.addDigest(digestRow(values));
  }

  /** Adds a row digest as digestRow gives it (a latin1 string of at least 16 characters). */
  addDigest(h: string): void {
    this.#addLimbs(limb(h, 0), limb(h, 4), limb(h, 8), limb(h, 12));
    this.#count++;
  }

  /** Adds a row digest as its four words, unsigned (digestWords[i] >>> 0): the same as addDigest of its string. */
  addWords(a0: number, a1: number, a2: number, a3: number): void {
    this.#addLimbs(a0, a1, a2, a3);
    this.#count++;
  }

  /** Adds everything another accumulator has seen (checksums of table parts combine into the table's). */
  merge(other: ChecksumAccumulator): void {
    this.#addLimbs(other.#l0, other.#l1, other.#l2, other.#l3);
    this.#count += other.#count;
  }

  /** The accumulator's state as plain numbers (it crosses a worker thread boundary this way). */
  state(): AccumulatorState {
    return [this.#l0, this.#l1, this.#l2, this.#l3, this.#count];
  }

  /** An accumulator holding a state() taken elsewhere. */
  static fromState(s: AccumulatorState): ChecksumAccumulator {
    const acc = new ChecksumAccumulator();
    [acc.#l0, acc.#l1, acc.#l2, acc.#l3, acc.#count] = s;
    return acc;
  }

  /** True when both saw the same multiset of rows (as far as a 128-bit sum can tell). */
  equals(other: ChecksumAccumulator): boolean {
    return (
      this.#count === other.#count &&
      this.#l0 === other.#l0 &&
      this.#l1 === other.#l1 &&
      this.#l2 === other.#l2 &&
      this.#l3 === other.#l3
    );
  }

  /** `<row count>:<sum as 32 hex digits>`: equal exactly when both sides saw the same multiset of rows. */
  digest(): string {
    const hex = [this.#l3, this.#l2, this.#l1, this.#l0].map((l) => l.toString(16).padStart(8, '0')).join('');
    return `${this.#count}:${hex}`;
  }

  #addLimbs(a0: number, a1: number, a2: number, a3: number): void {
    let s = this.#l0 + a0;
    let carry = s >= TWO_32 ? 1 : 0;
    this.#l0 = s - carry * TWO_32;
    s = this.#l1 + a1 + carry;
    carry = s >= TWO_32 ? 1 : 0;
    this.#l1 = s - carry * TWO_32;
    s = this.#l2 + a2 + carry;
    carry = s >= TWO_32 ? 1 : 0;
    this.#l2 = s - carry * TWO_32;
    s = this.#l3 + a3 + carry;
    this.#l3 = s >= TWO_32 ? s - TWO_32 : s; // the carry out of 2^128 is dropped
  }
}

/** Little-endian uint32 from four latin1 characters of a digest string. */
function limb(s: string, at: number): number {
  return (
    (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0
  );
}
