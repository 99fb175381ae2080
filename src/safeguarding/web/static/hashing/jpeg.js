// A JPEG's luma plane, decoded here rather than by the browser: the server hashes a JPEG from
// its Y plane (Pillow asks libjpeg for greyscale, which skips the colour planes), and a
// browser only gives RGB, whose luma differs where colours clip (up to 20 bits on saturated
// photos). So this decodes the first component alone, with libjpeg's accurate integer
// inverse DCT (jidctint.c), and gives the server's pixels bit for bit (tested).
//
// Baseline and progressive Huffman JPEGs with 1 (grey) or 3 (YCbCr) components; anything else
// (CMYK, RGB-coded, arithmetic, lossless, 12-bit) returns null and the caller lets the
// browser decode it as the server then decodes colour. EXIF orientation is read, for the
// caller to apply (views.js: orient).

import { CODES, HashError } from "./errors.js";
import { idct } from "./jpeg-idct.js";

// zig-zag position -> natural (row-major) position in an 8x8 block
const NATURAL = Uint8Array.of(
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27,
  20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63);

const LOOKAHEAD = 9; // Huffman codes up to this long are decoded by one table look-up

class Bits {
  constructor(data, at, name) {
    Object.assign(this, { data, at, name, buffer: 0, count: 0, padding: 0 });
  }

  // top the buffer up to at least 25 bits; past a marker libjpeg reads zeros, and so do we,
  // but zeros past the end of the file mean it is truncated (checked after the scan)
  fill() {
    while (this.count <= 24) {
      let byte = 0;
      if (this.at >= this.data.length) this.padding += 8;
      else if (this.data[this.at] !== 0xff) byte = this.data[this.at++];
      else if (this.data[this.at + 1] === 0) {
        byte = 0xff;
        this.at += 2;
      }
      this.buffer = (this.buffer << 8) | byte;
      this.count += 8;
    }
  }

  bit() {
    if (this.count === 0) this.fill();
    this.count -= 1;
    return (this.buffer >>> this.count) & 1;
  }

  bits(n) {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  extend(n) { // a signed value of n bits (JPEG's RECEIVE and EXTEND)
    if (n === 0) return 0;
    const value = this.bits(n);
    return value < 1 << (n - 1) ? value - (1 << n) + 1 : value;
  }

  decode(table) {
    if (this.count < LOOKAHEAD) this.fill();
    const entry = table.fast[(this.buffer >>> (this.count - LOOKAHEAD)) & ((1 << LOOKAHEAD) - 1)];
    if (entry) {
      this.count -= entry >> 8;
      return entry & 0xff;
    }
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bit();
      if (code <= table.max[length]) return table.values[table.offset[length] + code - table.min[length]];
    }
    throw new HashError(CODES.CORRUPT, `${this.name}: bad Huffman code in the JPEG`);
  }

  truncated() { // read zeros from past the end of the file
    return this.padding > this.count;
  }

  restart() { // drop the bits left in the byte and step over the RSTn marker
    this.count = 0;
    this.buffer = 0;
    this.padding = 0;
    while (this.at + 1 < this.data.length && !(this.data[this.at] === 0xff && this.data[this.at + 1] >= 0xd0 && this.data[this.at + 1] <= 0xd7)) this.at += 1;
    this.at += 2;
  }
}

function huffman(counts, values) {
  const max = new Int32Array(18).fill(-1), min = new Int32Array(17), offset = new Int32Array(17);
  const fast = new Int32Array(1 << LOOKAHEAD);
  let code = 0, k = 0;
  for (let length = 1; length <= 16; length++) {
    offset[length] = k;
    min[length] = code;
    for (let i = 0; i < counts[length - 1]; i++, code++, k++) {
      if (length <= LOOKAHEAD) {
        const shift = LOOKAHEAD - length;
        fast.fill((length << 8) | values[k], code << shift, (code + 1) << shift);
      }
    }
    if (counts[length - 1]) max[length] = code - 1;
    code <<= 1;
  }
  return { max, min, offset, values, fast };
}

function orientationOf(data, start, end) {
  // APP1 "Exif\0\0", then a TIFF header; tag 0x0112 of IFD0
  if (String.fromCharCode(...data.subarray(start, start + 4)) !== "Exif") return 1;
  const tiff = start + 6;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const little = data[tiff] === 0x49;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries && ifd + 14 + 12 * i <= end; i++) {
    const at = ifd + 2 + 12 * i;
    if (view.getUint16(at, little) === 0x0112) return view.getUint16(at + 8, little);
  }
  return 1;
}

/** {width, height, data: Uint8Array, orientation} of the JPEG's luma at full size, or null
 * where the browser must decode it instead. */
export function jpegLuma(data, name) {
  const corrupt = (why) => new HashError(CODES.CORRUPT, `${name}: cannot decode this JPEG: ${why}`);
  const quant = [], dc = [], ac = [];
  let frame = null, restartInterval = 0, orientation = 1, adobe = null, at = 2;
  try {
    while (at + 4 <= data.length) {
      if (data[at] !== 0xff) throw corrupt(`no marker at byte ${at}`);
      const marker = data[at + 1];
      if (marker === 0xff) { at += 1; continue; }
      if (marker === 0xd9) break;
      const length = (data[at + 2] << 8) | data[at + 3];
      const start = at + 4, end = at + 2 + length;
      if (end > data.length) throw corrupt("a segment runs past the end");
      if (marker === 0xe1 && orientation === 1) orientation = orientationOf(data, start, end);
      else if (marker === 0xee && String.fromCharCode(...data.subarray(start, start + 5)) === "Adobe") adobe = data[start + 11];
      else if (marker === 0xdb) {
        for (let p = start; p < end;) {
          const wide = data[p] >> 4, id = data[p] & 15, table = new Int32Array(64);
          for (let k = 0; k < 64; k++) table[NATURAL[k]] = wide ? (data[p + 1 + 2 * k] << 8) | data[p + 2 + 2 * k] : data[p + 1 + k];
          quant[id] = table;
          p += 1 + 64 * (wide ? 2 : 1);
        }
      } else if (marker === 0xc4) {
        for (let p = start; p < end;) {
          const counts = data.subarray(p + 1, p + 17), total = counts.reduce((a, b) => a + b, 0);
          (data[p] >> 4 ? ac : dc)[data[p] & 15] = huffman(counts, data.slice(p + 17, p + 17 + total));
          p += 17 + total;
        }
      } else if (marker === 0xdd) restartInterval = (data[start] << 8) | data[start + 1];
      else if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        if (![0xc0, 0xc1, 0xc2].includes(marker) || data[start] !== 8) return null; // not Huffman 8-bit
        frame = readFrame(data, start, marker === 0xc2);
        if (!frame) return null;
        if (adobe === 0 && frame.components.length === 3) return null; // RGB-coded
      } else if (marker === 0xda) {
        if (!frame) throw corrupt("a scan before the frame header");
        at = readScan(data, start, end, frame, { dc, ac, restartInterval, name });
        continue;
      }
      at = end;
    }
  } catch (error) {
    if (error instanceof HashError) throw error;
    throw corrupt(error.message);
  }
  if (!frame || !frame.scanned) throw corrupt("no image data");
  const luma = frame.components[0];
  if (!quant[luma.quant]) throw corrupt("a missing quantisation table");
  return { ...idct(frame, luma, quant[luma.quant]), orientation };
}

function readFrame(data, start, progressive) {
  const height = (data[start + 1] << 8) | data[start + 2], width = (data[start + 3] << 8) | data[start + 4];
  const count = data[start + 5];
  if (count !== 1 && count !== 3) return null; // CMYK, YCCK: decoded in colour
  const components = [];
  for (let i = 0; i < count; i++) {
    const p = start + 6 + 3 * i;
    components.push({ id: data[p], h: data[p + 1] >> 4, v: data[p + 1] & 15, quant: data[p + 2], pred: 0 });
  }
  if (count === 3 && components.map((c) => c.id).join() === "82,71,66") return null; // "RGB"
  const hmax = Math.max(...components.map((c) => c.h)), vmax = Math.max(...components.map((c) => c.v));
  const luma = components[0];
  if (luma.h !== hmax || luma.v !== vmax || !width || !height) return null; // upsampled luma
  const mcusAcross = Math.ceil(width / (8 * hmax)), mcusDown = Math.ceil(height / (8 * vmax));
  for (const c of components) {
    c.blocksAcross = Math.ceil(Math.ceil((width * c.h) / hmax) / 8);
    c.blocksDown = Math.ceil(Math.ceil((height * c.v) / vmax) / 8);
    c.stride = mcusAcross * c.h; // blocks per row, padded to whole MCUs
  }
  luma.coefficients = new Int16Array(luma.stride * mcusDown * luma.v * 64);
  return { width, height, progressive, components, mcusAcross, mcusDown, hmax, vmax, scanned: false };
}

function readScan(data, start, end, frame, { dc, ac, restartInterval, name }) {
  const count = data[start];
  const scan = [];
  for (let i = 0; i < count; i++) {
    const component = frame.components.find((c) => c.id === data[start + 1 + 2 * i]);
    if (!component) throw new HashError(CODES.CORRUPT, `${name}: a scan names an unknown component`);
    scan.push({ component, dc: dc[data[start + 2 + 2 * i] >> 4], ac: ac[data[start + 2 + 2 * i] & 15] });
  }
  const p = start + 1 + 2 * count;
  const ss = data[p], se = data[p + 1], ah = data[p + 2] >> 4, al = data[p + 2] & 15;
  const luma = frame.components[0];
  frame.scanned = true;
  if (!scan.some((s) => s.component === luma)) return skipScan(data, end); // colour only
  const bits = new Bits(data, end, name);
  const scratch = new Int16Array(64);
  let eobrun = 0;
  for (const s of scan) s.component.pred = 0;
  // decode one block of scan component s at block row, column (the luma's is kept)
  const block = (s, row, col) => {
    const c = s.component;
    let out = scratch, o = 0;
    if (c === luma) {
      out = c.coefficients;
      o = (row * c.stride + col) * 64;
    } else scratch.fill(0);
    if (!frame.progressive) baseline(bits, s, out, o);
    else if (ss === 0) dcScan(bits, s, out, o, ah, al);
    else if (ah === 0) {
      if (eobrun > 0) eobrun -= 1;
      else eobrun = acFirst(bits, s, out, o, ss, se, al);
    } else eobrun = acRefine(bits, s, out, o, ss, se, al, eobrun);
  };
  const single = scan.length === 1;
  const c0 = scan[0].component;
  const units = single ? c0.blocksAcross * c0.blocksDown : frame.mcusAcross * frame.mcusDown;
  for (let n = 0; n < units; n++) {
    if (restartInterval && n > 0 && n % restartInterval === 0) {
      bits.restart();
      eobrun = 0;
      for (const s of scan) s.component.pred = 0;
    }
    if (single) {
      block(scan[0], Math.floor(n / c0.blocksAcross), n % c0.blocksAcross);
      continue;
    }
    const mcuRow = Math.floor(n / frame.mcusAcross), mcuCol = n % frame.mcusAcross;
    for (const s of scan) {
      for (let v = 0; v < s.component.v; v++) {
        for (let h = 0; h < s.component.h; h++) block(s, mcuRow * s.component.v + v, mcuCol * s.component.h + h);
      }
    }
  }
  if (bits.truncated()) throw new HashError(CODES.CORRUPT, `${name}: the JPEG is truncated`);
  return skipScan(data, bits.at);
}

// past a scan's entropy-coded data: to the next marker that is not a restart
function skipScan(data, at) {
  while (at + 1 < data.length && !(data[at] === 0xff && data[at + 1] !== 0 && (data[at + 1] < 0xd0 || data[at + 1] > 0xd7))) at += 1;
  return at;
}

function baseline(bits, s, out, o) {
  s.component.pred += bits.extend(bits.decode(s.dc));
  out[o] = s.component.pred;
  for (let k = 1; k < 64;) {
    const rs = bits.decode(s.ac), r = rs >> 4, size = rs & 15;
    if (size === 0) {
      if (r < 15) break;
      k += 16;
      continue;
    }
    k += r;
    if (k > 63) break;
    out[o + NATURAL[k]] = bits.extend(size);
    k += 1;
  }
}

function dcScan(bits, s, out, o, ah, al) {
  if (ah === 0) {
    s.component.pred += bits.extend(bits.decode(s.dc));
    out[o] = s.component.pred * (1 << al);
  } else if (bits.bit()) out[o] |= 1 << al;
}

function acFirst(bits, s, out, o, ss, se, al) {
  for (let k = ss; k <= se;) {
    const rs = bits.decode(s.ac), r = rs >> 4, size = rs & 15;
    if (size === 0) {
      if (r < 15) return (1 << r) - 1 + bits.bits(r);
      k += 16;
      continue;
    }
    k += r;
    if (k > 63) break;
    out[o + NATURAL[k]] = bits.extend(size) * (1 << al);
    k += 1;
  }
  return 0;
}

// successive approximation of AC coefficients (libjpeg's decode_mcu_AC_refine)
function acRefine(bits, s, out, o, ss, se, al, eobrun) {
  const p1 = 1 << al, m1 = -1 << al;
  let k = ss;
  if (eobrun === 0) {
    for (; k <= se; k++) {
      const rs = bits.decode(s.ac);
      let r = rs >> 4, value = 0;
      if (rs & 15) value = bits.bit() ? p1 : m1;
      else if (r !== 15) {
        eobrun = (1 << r) + bits.bits(r);
        break;
      }
      for (; k <= se; k++) {
        const z = o + NATURAL[k];
        if (out[z] !== 0) {
          if (bits.bit() && (out[z] & p1) === 0) out[z] += out[z] >= 0 ? p1 : m1;
        } else if (--r < 0) break;
      }
      if (value && k <= se) out[o + NATURAL[k]] = value;
    }
  }
  if (eobrun > 0) {
    for (; k <= se; k++) {
      const z = o + NATURAL[k];
      if (out[z] !== 0 && bits.bit() && (out[z] & p1) === 0) out[z] += out[z] >= 0 ? p1 : m1;
    }
    eobrun -= 1;
  }
  return eobrun;
}
