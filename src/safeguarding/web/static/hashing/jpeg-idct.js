// libjpeg's accurate integer inverse DCT (jidctint.c, jpeg_idct_islow: CONST_BITS 13,
// PASS1_BITS 2), which Pillow's libjpeg-turbo uses, so decoded samples are the server's bit
// for bit. Its products exceed 32 bits, so the arithmetic is in doubles (exact below 2^53)
// and its shifts are floor divisions by powers of two.

const F0298 = 2446, F0390 = 3196, F0541 = 4433, F0765 = 6270, F0899 = 7373, F1175 = 9633,
  F1501 = 12299, F1847 = 15137, F1961 = 16069, F2053 = 16819, F2562 = 20995, F3072 = 25172;

// the range limit: centre on 128 and clamp, wrapping far outside as libjpeg's table does
const limit = (x) => {
  const m = x & 1023;
  return m < 128 ? m + 128 : m < 512 ? 255 : m < 896 ? 0 : m - 896;
};

// One 1-D pass of 8 values: the 8 sums, not yet descaled, into out[0..7] in output order.
function butterfly(z0, z1, z2, z3, z4, z5, z6, z7, out) {
  const a = (z2 + z6) * F0541;
  const t2 = a - z6 * F1847, t3 = a + z2 * F0765;
  const t0 = (z0 + z4) * 8192, t1 = (z0 - z4) * 8192;
  const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
  const b = (z7 + z3 + z5 + z1) * F1175;
  const w1 = -(z7 + z1) * F0899, w2 = -(z5 + z3) * F2562;
  const y3 = -(z7 + z3) * F1961 + b, y4 = -(z5 + z1) * F0390 + b;
  const e0 = z7 * F0298 + w1 + y3, e1 = z5 * F2053 + w2 + y4;
  const e2 = z3 * F3072 + w2 + y3, e3 = z1 * F1501 + w1 + y4;
  out[0] = t10 + e3;
  out[7] = t10 - e3;
  out[1] = t11 + e2;
  out[6] = t11 - e2;
  out[2] = t12 + e1;
  out[5] = t12 - e1;
  out[3] = t13 + e0;
  out[4] = t13 - e0;
}

const P11 = 1 / 2048, P18 = 1 / 262144; // 2^-11, 2^-18: exact, and cheaper than dividing

// Column x of the block at k[o], dequantised by q, into work (scaled up by 2^PASS1_BITS).
function column(k, o, q, x, work, sums) {
  const z0 = k[o + x] * q[x], z1 = k[o + 8 + x] * q[8 + x], z2 = k[o + 16 + x] * q[16 + x];
  const z3 = k[o + 24 + x] * q[24 + x], z4 = k[o + 32 + x] * q[32 + x];
  const z5 = k[o + 40 + x] * q[40 + x], z6 = k[o + 48 + x] * q[48 + x], z7 = k[o + 56 + x] * q[56 + x];
  if (z1 === 0 && z2 === 0 && z3 === 0 && z4 === 0 && z5 === 0 && z6 === 0 && z7 === 0) {
    for (let i = 0; i < 8; i++) work[8 * i + x] = z0 * 4; // AC terms all zero
    return;
  }
  butterfly(z0, z1, z2, z3, z4, z5, z6, z7, sums);
  for (let i = 0; i < 8; i++) work[8 * i + x] = Math.floor((sums[i] + 1024) * P11);
}

// Row y of work into 8 samples at out[at], descaled and range-limited.
function row(work, y, out, at, sums) {
  const w = 8 * y;
  const z0 = work[w], z1 = work[w + 1], z2 = work[w + 2], z3 = work[w + 3];
  const z4 = work[w + 4], z5 = work[w + 5], z6 = work[w + 6], z7 = work[w + 7];
  if (z1 === 0 && z2 === 0 && z3 === 0 && z4 === 0 && z5 === 0 && z6 === 0 && z7 === 0) {
    out.fill(limit(Math.floor((z0 + 16) * 0.03125)), at, at + 8);
    return;
  }
  butterfly(z0, z1, z2, z3, z4, z5, z6, z7, sums);
  for (let i = 0; i < 8; i++) out[at + i] = limit(Math.floor((sums[i] + 131072) * P18));
}

/** The samples of one component (c: its coefficient blocks, 64 each in natural order, and
 * block counts) with quantisation table q: {width, height, data: Uint8Array}. */
export function idct(frame, c, q) {
  const across = c.blocksAcross * 8, down = c.blocksDown * 8;
  const padded = new Uint8Array(across * down);
  const k = c.coefficients;
  const work = new Float64Array(64), sums = new Float64Array(8);
  for (let br = 0; br < c.blocksDown; br++) {
    for (let bc = 0; bc < c.blocksAcross; bc++) {
      const o = (br * c.stride + bc) * 64;
      for (let x = 0; x < 8; x++) column(k, o, q, x, work, sums);
      for (let y = 0; y < 8; y++) row(work, y, padded, (br * 8 + y) * across + bc * 8, sums);
    }
  }
  const width = Math.ceil((frame.width * c.h) / frame.hmax), height = Math.ceil((frame.height * c.v) / frame.vmax);
  const out = new Uint8Array(width * height);
  for (let r = 0; r < height; r++) out.set(padded.subarray(r * across, r * across + width), r * width);
  return { width, height, data: out };
}
