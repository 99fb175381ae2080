// MD5 (RFC 1321), incremental: update() as chunks of a file arrive, digest() once at the end.
// Our own implementation, tested bit for bit against Python's hashlib (tests/web/); WebCrypto
// has no MD5, and MD5 is only here because hash lists (NCMEC, StopNCII) still carry it.

import { BlockHash } from "./blockhash.js";

// floor(abs(sin(i + 1)) * 2^32), written out rather than computed so no engine's sin() can
// change them
const K = Int32Array.of(
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
  0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
  0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
  0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
  0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
  0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
  0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
  0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
  0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
);
const SHIFTS = Uint8Array.of(
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
  4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
);
// which message word each of the 64 steps reads
const WORD = Uint8Array.from({ length: 64 }, (_, i) => (
  i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16));

export class Md5 extends BlockHash {
  constructor() {
    super();
    this.state = Int32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476);
    this.words = new Int32Array(16);
  }

  /** The digest as 32 lowercase hex digits; the object is spent afterwards. */
  digest() {
    this.finish(true);
    let hex = "";
    for (let i = 0; i < 4; i++) {
      for (let b = 0; b < 4; b++) hex += ((this.state[i] >>> (8 * b)) & 0xff).toString(16).padStart(2, "0");
    }
    return hex;
  }

  compress(data, offset) {
    const m = this.words;
    for (let i = 0; i < 16; i++) m[i] = data.getInt32(offset + 4 * i, true);
    const s = this.state;
    let a = s[0], b = s[1], c = s[2], d = s[3];
    for (let i = 0; i < 64; i++) {
      let f;
      if (i < 16) f = (b & c) | (~b & d);
      else if (i < 32) f = (d & b) | (~d & c);
      else if (i < 48) f = b ^ c ^ d;
      else f = c ^ (b | ~d);
      f = (f + a + K[i] + m[WORD[i]]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((f << SHIFTS[i]) | (f >>> (32 - SHIFTS[i])))) | 0;
    }
    s[0] += a;
    s[1] += b;
    s[2] += c;
    s[3] += d;
  }
}
