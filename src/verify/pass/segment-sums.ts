// Per-segment checksums for a fixed set of segments: the same 128-bit sums as ChecksumAccumulator, kept
// in one typed array, so the one streaming pass can already tell which first-level segments differ.

/** Sums and row counts of `size` segments. */
export class SegmentSums {
  /** Four 32-bit limbs per segment, least significant first. */
  readonly limbs: Float64Array;
  readonly counts: Float64Array;

  constructor(
    readonly size: number,
    limbs?: Float64Array,
    counts?: Float64Array,
  ) {
    this.limbs = limbs ?? new Float64Array(size * 4);
    this.counts = counts ?? new Float64Array(size);
  }

  /** Adds a row digest (a latin1 string, as digestRow gives it) to segment `seg`. */
  add(seg: number, h: string): void {
    const l = this.limbs;
    const at = seg * 4;
    let carry = 0;
    for (let k = 0; k < 4; k++) {
      const i = k * 4;
      const a =
        (h.charCodeAt(i) | (h.charCodeAt(i + 1) << 8) | (h.charCodeAt(i + 2) << 16) | (h.charCodeAt(i + 3) << 24)) >>>
        0;
      const s = l[at + k] + a + carry;
      carry = s >= 0x1_0000_0000 ? 1 : 0;
      l[at + k] = s - carry * 0x1_0000_0000; // the carry out of 2^128 is dropped
    }
    this.counts[seg]++;
  }

  /** Adds a row digest given as its four words, unsigned (row-hash.ts's digestWords), to segment `seg`. */
  addWords(seg: number, a0: number, a1: number, a2: number, a3: number): void {
    const l = this.limbs;
    const at = seg * 4;
    let s = l[at] + a0;
    let carry = s >= 0x1_0000_0000 ? 1 : 0;
    l[at] = s - carry * 0x1_0000_0000;
    s = l[at + 1] + a1 + carry;
    carry = s >= 0x1_0000_0000 ? 1 : 0;
    l[at + 1] = s - carry * 0x1_0000_0000;
    s = l[at + 2] + a2 + carry;
    carry = s >= 0x1_0000_0000 ? 1 : 0;
    l[at + 2] = s - carry * 0x1_0000_0000;
    s = l[at + 3] + a3 + carry;
    l[at + 3] = s >= 0x1_0000_0000 ? s - 0x1_0000_0000 : s; // the carry out of 2^128 is dropped
    this.counts[seg]++;
  }

  /** True when segment `seg` holds the same multiset of rows here and in `other`. */
  same(other: SegmentSums, seg: number): boolean {
    if (this.counts[seg] !== other.counts[seg]) return false;
    for (let k = seg * 4; k < seg * 4 + 4; k++) if (this.limbs[k] !== other.limbs[k]) return false;
    return true;
  }
}
