// The views of an image a bank stores besides the image itself, as hashing/views.py makes
// them, so an entry hashed here matches as well as one added with `bank add`: the picture
// without uniform borders (padding, letterboxing), and centre crops of 95% and 90%. The
// names are stored with the hashes: never rename them. Also the server's reduction of large
// images (media/image.py's reduce_pixels: Pillow's BOX filter, in its integer arithmetic).
//
// Pixels are {width, height, channels: 1 (luma) or 3 (RGB), data: Uint8Array}, as the
// server's arrays; borders are judged on luma, or on the mean of R, G and B, in float32.

export const TRIMMED = "trimmed";
/** name -> share of width and height kept, centred */
export const CROPS = { crop95: 0.95, crop90: 0.9 };

// a border line is uniform when this share of its pixels is within TOLERANCE of its colour
const SHARE = 0.97;
const TOLERANCE = 10.0;
// once a border is found, where it ends is judged more loosely (JPEG ringing near the edge)
const EDGE_TOLERANCE = 25.0;
// trims smaller than this share of the side are noise, not padding
const MIN_TRIM = 0.02;
// never trim more than this share from one side
const MAX_TRIM = 0.45;
const f32 = Math.fround;

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x) {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return diff > 0.5 ? floor + 1 : floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function median(values) { // numpy's, of float32 values
  const sorted = Float32Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : f32(f32(sorted[mid - 1] + sorted[mid]) / 2);
}

// where line k of a side starts (counted from that side) and the step along it, in values
function lineAt(px, side, k) {
  const { width, height, channels } = px;
  if (side === "top" || side === "bottom") {
    const row = side === "top" ? k : height - 1 - k;
    return [row * width * channels, channels, width];
  }
  const col = side === "left" ? k : width - 1 - k;
  return [col * channels, width * channels, height];
}

const grey = (data, at, channels) => (channels === 1 ? data[at] : f32(data[at] + data[at + 1] + data[at + 2]) / 3);

// line k of a side as grey values (for its median)
function line(px, side, k) {
  const [start, step, count] = lineAt(px, side, k);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = grey(px.data, start + i * step, px.channels);
  return out;
}

// whether SHARE of line k's pixels are within `tolerance` of `reference`
function isClose(px, side, k, reference, tolerance) {
  const [start, step, count] = lineAt(px, side, k);
  const { data, channels } = px;
  let close = 0;
  for (let i = 0; i < count; i++) {
    if (Math.abs(f32(grey(data, start + i * step, channels) - reference)) <= tolerance) close++;
  }
  return close / count >= SHARE;
}

// how many lines from a side stay close to `reference`
function uniformLines(px, side, reference, tolerance) {
  const limit = Math.trunc((side === "top" || side === "bottom" ? px.height : px.width) * MAX_TRIM);
  for (let k = 0; k < limit; k++) if (!isClose(px, side, k, reference, tolerance)) return k;
  return limit;
}

/** The uniform borders as {top, bottom, left, right} in pixels, or null when there are none
 * (trim_borders on the server). */
export function findBorders(px) {
  const { width, height } = px;
  if (height < 16 || width < 16) return null;
  const sides = ["top", "bottom", "left", "right"];
  const medians = Object.fromEntries(sides.map((side) => [side, median(line(px, side, 0))]));
  if (!sides.some((side) => isClose(px, side, 0, medians[side], TOLERANCE))) {
    return null; // most pictures: decided from four lines of pixels
  }
  const trims = {};
  for (const side of sides) {
    const lines = side === "top" || side === "bottom" ? height : width;
    const reference = medians[side];
    let strict = uniformLines(px, side, reference, TOLERANCE);
    if (strict / lines >= MIN_TRIM) strict = uniformLines(px, side, reference, EDGE_TOLERANCE);
    trims[side] = strict;
  }
  const { top, bottom, left, right } = trims;
  if (Math.max(top / height, bottom / height, left / width, right / width) < MIN_TRIM) return null;
  if (top + bottom >= height * 0.9 || left + right >= width * 0.9) return null; // a flat image
  return trims;
}

/** A copy of the rectangle from (left, top), width x height. */
export function crop(px, left, top, width, height) {
  const { channels, data } = px;
  const out = new Uint8Array(width * height * channels);
  for (let r = 0; r < height; r++) {
    const from = ((top + r) * px.width + left) * channels;
    out.set(data.subarray(from, from + width * channels), r * width * channels);
  }
  return { width, height, channels, data: out };
}

/** The pixels without the given borders. */
export function trim(px, b) {
  return crop(px, b.left, b.top, px.width - b.left - b.right, px.height - b.top - b.bottom);
}

/** The centre `keep` of the width and height (centre_crop on the server). */
export function centreCrop(px, keep) {
  const dy = roundHalfEven((px.height * (1 - keep)) / 2);
  const dx = roundHalfEven((px.width * (1 - keep)) / 2);
  return crop(px, dx, dy, px.width - 2 * dx, px.height - 2 * dy);
}

const PRECISION = 22; // Pillow's PRECISION_BITS for 8-bit images

// Pillow's BOX weights for one axis (Resample.c: precompute_coeffs, normalize_coeffs_8bpc),
// over the source interval [in0, in1), which Pillow takes as float32
function coefficients(inSize, outSize, in0 = 0, in1 = inSize) {
  const scale = Math.fround(in1 - in0) / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const ss = 1.0 / filterscale;
  const out = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const weights = new Float64Array(count);
    let total = 0;
    for (let x = 0; x < count; x++) {
      const at = (x + xmin - center + 0.5) * ss;
      weights[x] = at > -0.5 && at <= 0.5 ? 1.0 : 0.0;
      total += weights[x];
    }
    const fixed = new Int32Array(count);
    for (let x = 0; x < count; x++) {
      const w = total !== 0 ? weights[x] / total : weights[x];
      fixed[x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION) : 0.5 + w * (1 << PRECISION));
    }
    out.push({ start: xmin, weights: fixed });
  }
  return out;
}

const clip8 = (x) => (x >= 255 * 2 ** PRECISION + 2 ** PRECISION ? 255 : x <= 0 ? 0 : x >> PRECISION);

/** Pixels shrunk to width x height as Pillow's resize(BOX, box) does: rows, then columns,
 * each rounded to 8 bits; `box` [left, top, right, bottom] the source area (float32). */
export function boxResize(px, width, height, box = [0, 0, px.width, px.height]) {
  const { channels, data } = px;
  const [left, top, right, bottom] = box.map(Math.fround);
  const across = coefficients(px.width, width, left, right);
  const down = coefficients(px.height, height, top, bottom);
  const first = down[0].start;
  const last = down[height - 1].start + down[height - 1].weights.length;
  let rows = { data, offset: 0 };
  if (width !== px.width || left !== 0 || right !== width) {
    const temp = new Uint8Array(width * (last - first) * channels);
    for (let y = first; y < last; y++) {
      for (let xx = 0; xx < width; xx++) {
        const { start, weights } = across[xx];
        for (let ch = 0; ch < channels; ch++) {
          let sum = 1 << (PRECISION - 1);
          for (let x = 0; x < weights.length; x++) sum += data[(y * px.width + start + x) * channels + ch] * weights[x];
          temp[((y - first) * width + xx) * channels + ch] = clip8(sum);
        }
      }
    }
    rows = { data: temp, offset: first };
  } else if (height === px.height && top === 0 && bottom === height) return px;
  const out = new Uint8Array(width * height * channels);
  for (let yy = 0; yy < height; yy++) {
    const { start, weights } = down[yy];
    for (let xx = 0; xx < width * channels; xx++) {
      let sum = 1 << (PRECISION - 1);
      for (let y = 0; y < weights.length; y++) sum += rows.data[(start - rows.offset + y) * width * channels + xx] * weights[y];
      out[yy * width * channels + xx] = clip8(sum);
    }
  }
  return { width, height, channels, data: out };
}

/** The size reduce_pixels gives for a longer-side limit, or null when none is needed. */
export function reducedSize(width, height, maxSide) {
  if (!maxSide || Math.max(width, height) <= maxSide) return null;
  const scale = maxSide / Math.max(width, height);
  return [Math.max(1, roundHalfEven(width * scale)), Math.max(1, roundHalfEven(height * scale))];
}

/** Pixels reduced so the longer side is at most maxSide, as one Pillow resize (the server's
 * reduce_pixels). */
export function reduce(px, maxSide) {
  const size = reducedSize(px.width, px.height, maxSide);
  return size ? boxResize(px, ...size) : px;
}

// the decoder's tiles (media/pixels.py): about a megapixel each, cut with a pixel of margin
const TILE_PIXELS = 1 << 20;

// one axis cut into tiles: [output start, end, source start, end, source interval in tile]
function spans(size, out, budget) {
  const scale = size / out;
  const step = Math.max(1, Math.trunc((budget - 2) / scale));
  const result = [];
  for (let start = 0; start < out; start += step) {
    const end = Math.min(out, start + step);
    const first = start * scale, last = end * scale;
    const crop0 = Math.max(0, Math.floor(first) - 1), crop1 = Math.min(size, Math.ceil(last) + 1);
    result.push([start, end, crop0, crop1, first - crop0, last - crop0]);
  }
  return result;
}

/** Decoded pixels reduced as the server's decoder reduces them (to_pixels): tile by tile,
 * each tile resized over exactly its share of the source, which rounds a few pixels
 * differently from one resize of the whole. */
export function reduceDecoded(px, maxSide) {
  const size = reducedSize(px.width, px.height, maxSide);
  if (!size) return px;
  const [outWidth, outHeight] = size;
  const cols = Math.min(px.width, Math.max(1, Math.floor(Math.sqrt(TILE_PIXELS))));
  const rows = Math.max(1, Math.floor(TILE_PIXELS / cols));
  const out = new Uint8Array(outWidth * outHeight * px.channels);
  for (const [oy0, oy1, y0, y1, top, bottom] of spans(px.height, outHeight, rows)) {
    for (const [ox0, ox1, x0, x1, left, right] of spans(px.width, outWidth, cols)) {
      const tile = boxResize(crop(px, x0, y0, x1 - x0, y1 - y0), ox1 - ox0, oy1 - oy0, [left, top, right, bottom]);
      for (let r = 0; r < oy1 - oy0; r++) {
        out.set(tile.data.subarray(r * tile.width * px.channels, (r + 1) * tile.width * px.channels),
          ((oy0 + r) * outWidth + ox0) * px.channels);
      }
    }
  }
  return { width: outWidth, height: outHeight, channels: px.channels, data: out };
}

/** Pixels turned as EXIF orientation 2..8 says (Pillow's exif_transpose); 1 as they are. */
export function orient(pixels, orientation) {
  const { width, height, data, channels } = pixels;
  if (!(orientation >= 2 && orientation <= 8)) return pixels;
  const swap = orientation >= 5;
  const w = swap ? height : width, h = swap ? width : height;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sx, sy; // where output (x, y) comes from
      switch (orientation) {
        case 2: sx = width - 1 - x; sy = y; break;
        case 3: sx = width - 1 - x; sy = height - 1 - y; break;
        case 4: sx = x; sy = height - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = height - 1 - x; break;
        case 7: sx = width - 1 - y; sy = height - 1 - x; break;
        default: sx = width - 1 - y; sy = x; break; // 8
      }
      const from = (sy * width + sx) * channels, to = (y * w + x) * channels;
      for (let ch = 0; ch < channels; ch++) out[to + ch] = data[from + ch];
    }
  }
  return { width: w, height: h, channels, data: out };
}
