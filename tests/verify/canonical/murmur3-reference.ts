// MurmurHash3_x86_128 (seed 0) written the textbook way, over bytes, block by block with a byte tail, as
// in Austin Appleby's MurmurHash3.cpp: the reference the streamed row digest is checked against.
const C = [0x239b961b, 0xab0e9789, 0x38b34ae5, 0xa1e38b93];
const ROT = [15, 16, 17, 18];

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const fmix = (h: number) => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};
/** k_i's mix: multiply by C[i], rotate by ROT[i], multiply by C[i+1]. */
const mixK = (k: number, i: number) => Math.imul(rotl(Math.imul(k, C[i]), ROT[i]), C[(i + 1) % 4]);

/** The 128-bit hash as 32 hex digits, h1 h2 h3 h4 each big-endian (how published vectors print it). */
export function murmur3x86_128(data: Buffer): string {
  const h = [0, 0, 0, 0];
  const blocks = Math.floor(data.length / 16);
  const hRot = [19, 17, 15, 13];
  const hAdd = [0x561ccd1b, 0x0bcaa747, 0x96cd1c35, 0x32ac3b17];
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < 4; i++) {
      h[i] ^= mixK(data.readInt32LE(b * 16 + i * 4), i);
      h[i] = (Math.imul(rotl(h[i], hRot[i]) + h[(i + 1) % 4], 5) + hAdd[i]) | 0;
    }
  }
  const tail = data.subarray(blocks * 16);
  for (let i = 3; i >= 0; i--) {
    let k = 0;
    for (let byte = Math.min(tail.length, i * 4 + 4) - 1; byte >= i * 4; byte--) k = (k << 8) | tail[byte];
    if (tail.length > i * 4) h[i] ^= mixK(k, i);
  }
  for (let i = 0; i < 4; i++) h[i] ^= data.length;
  h[0] = (h[0] + h[1] + h[2] + h[3]) | 0;
  for (let i = 1; i < 4; i++) h[i] = (h[i] + h[0]) | 0;
  for (let i = 0; i < 4; i++) h[i] = fmix(h[i]);
  h[0] = (h[0] + h[1] + h[2] + h[3]) | 0;
  for (let i = 1; i < 4; i++) h[i] = (h[i] + h[0]) | 0;
  return h.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
}
