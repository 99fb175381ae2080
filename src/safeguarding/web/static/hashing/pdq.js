// PDQ, Meta's 256-bit perceptual image hash: a port of hashing/_pdq_kernels.py, operation for
// operation, so that the same luma gives the same bits as the server (tested bit for bit).
//
// The reference blurs the whole image twice with a box filter and keeps 64 x 64 of it; as on
// the server, each kept pixel is computed directly from the pixels its two box windows reach
// (the blur is linear and separable), in float64. The DCT, the median and the quality are
// float32 arithmetic on the server (numba), so here every such step goes through Math.fround.
//
// A plane is {data: Float32Array|Uint8Array, width, height, stride, offset}: luma values
// 0..255, row r starting at data[offset + r * stride].

const SIDE = 64;

/** The 16 x 64 DCT matrix, float32, as the server's `_DCT`. */
export const DCT = (() => {
  const m = new Float32Array(16 * SIDE);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < SIDE; j++) {
      m[i * SIDE + j] = Math.sqrt(2 / 64) * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/** A plane over all of `data` (width x height, rows packed). */
export function plane(data, width, height) {
  return { data, width, height, stride: width, offset: 0 };
}

/** The plane PDQ reads from pixels ({width, height, channels, data: Uint8Array}): luma
 * pixels as they are, RGB (3) or RGBA (4) as 0.299 R + 0.587 G + 0.114 B in float32
 * (alpha ignored, as the reference does). */
export function lumaPlane(pixels) {
  const { width, height, channels, data } = pixels;
  if (channels === 1) return plane(data, width, height);
  const out = new Float32Array(width * height);
  for (let i = 0, k = 0; i < out.length; i++, k += channels) {
    out[i] = data[k] * 0.299 + data[k + 1] * 0.587 + data[k + 2] * 0.114;
  }
  return plane(out, width, height);
}

const windowSize = (old) => Math.floor((old + 2 * SIDE - 1) / (2 * SIDE));

// the input span [lo, hi) the reference's running-sum box filter averages into output `out`
function box(n, window, out) {
  const half = Math.floor((window + 2) / 2);
  return [Math.max(0, out - (window - half)), Math.min(n, out + half)];
}

const tapsCache = new Map();

/** The weights taking a line of n pixels to its 64 samples: two box passes, then the sample
 * (`taps` on the server, unmirrored). */
function taps(n) {
  let found = tapsCache.get(n);
  if (found) return found;
  const window = windowSize(n);
  const width = 2 * window - 1;
  const starts = new Int32Array(SIDE);
  const lengths = new Int32Array(SIDE);
  const weights = new Float64Array(SIDE * width);
  for (let i = 0; i < SIDE; i++) {
    const [lo, hi] = box(n, window, Math.trunc(((i + 0.5) * n) / SIDE));
    const first = box(n, window, lo)[0];
    const last = box(n, window, hi - 1)[1];
    for (let k = lo; k < hi; k++) {
      const [lo2, hi2] = box(n, window, k);
      for (let m = lo2; m < hi2; m++) weights[i * width + m - first] += 1.0 / ((hi - lo) * (hi2 - lo2));
    }
    starts[i] = first;
    lengths[i] = last - first;
  }
  found = { starts, lengths, weights, width };
  if (tapsCache.size > 256) tapsCache.clear();
  tapsCache.set(n, found);
  return found;
}

/** PDQ's blurred, decimated 64 x 64 image (float32), the server's `blur64`. */
export function blur64(p) {
  const { data, width: cols, stride, offset } = p;
  const down = taps(p.height);
  const rows = new Float64Array(SIDE * cols);
  for (let i = 0; i < SIDE; i++) {
    const total = rows.subarray(i * cols, (i + 1) * cols);
    for (let t = 0; t < down.lengths[i]; t++) {
      const weight = down.weights[i * down.width + t];
      const base = offset + (down.starts[i] + t) * stride;
      for (let c = 0; c < cols; c++) total[c] += weight * data[base + c];
    }
  }
  const across = taps(cols);
  const small = new Float32Array(SIDE * SIDE);
  for (let i = 0; i < SIDE; i++) {
    for (let j = 0; j < SIDE; j++) {
      let total = 0.0;
      const base = i * cols + across.starts[j];
      for (let t = 0; t < across.lengths[j]; t++) total += across.weights[j * across.width + t] * rows[base + t];
      small[i * SIDE + j] = total;
    }
  }
  return small;
}

/** PDQ's quality 0..100 of a 64 x 64 image: its summed gradients, float32 as the server. */
export function quality(small) {
  const f = Math.fround;
  const step = (a, b) => Math.abs(Math.trunc(f(f(f(a - b) * 100) / 255)));
  let gradient = 0;
  for (let i = 0; i < SIDE - 1; i++) {
    for (let j = 0; j < SIDE; j++) gradient += step(small[i * SIDE + j], small[(i + 1) * SIDE + j]);
  }
  for (let i = 0; i < SIDE; i++) {
    for (let j = 0; j < SIDE - 1; j++) gradient += step(small[i * SIDE + j], small[i * SIDE + j + 1]);
  }
  return Math.min(100, Math.floor(gradient / 90));
}

const HEX = "0123456789abcdef";

/** The hash of a 64 x 64 image as 64 hex digits: DCT, then each of 256 coefficients against
 * their median (the first hex digit holds bits 255..252, as the reference writes it). */
export function bitsHex(small) {
  const f = Math.fround;
  const partial = new Float32Array(16 * SIDE);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < SIDE; j++) {
      let total = 0;
      for (let k = 0; k < SIDE; k++) total = f(total + f(DCT[i * SIDE + k] * small[k * SIDE + j]));
      partial[i * SIDE + j] = total;
    }
  }
  const coefficients = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let total = 0;
      for (let k = 0; k < SIDE; k++) total = f(total + f(partial[i * SIDE + k] * DCT[j * SIDE + k]));
      coefficients[i * 16 + j] = total;
    }
  }
  const median = Float32Array.from(coefficients).sort()[127];
  let hex = "";
  for (let digit = 0; digit < 64; digit++) {
    let value = 0;
    for (let b = 0; b < 4; b++) value = (value << 1) | (coefficients[255 - (digit * 4 + b)] > median ? 1 : 0);
    hex += HEX[value];
  }
  return hex;
}

/** PDQ of a luma plane: {hash: 64 hex digits, quality: 0..100}. */
export function pdqHash(p) {
  if (p.width < 1 || p.height < 1) throw new RangeError(`PDQ needs pixels, got ${p.width}x${p.height}`);
  const small = blur64(p);
  return { hash: bitsHex(small), quality: quality(small) };
}
