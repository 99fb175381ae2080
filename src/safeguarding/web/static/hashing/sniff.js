// What a file is, from its first bytes, never from its name or the type the browser guesses
// from the name: the rules of media/sniff.py, plus the format, so a message can name it.

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]);

const ascii = (bytes, start, end) => String.fromCharCode(...bytes.subarray(start, end));
const startsWith = (bytes, magic) => magic.every((value, i) => bytes[i] === value);

/** {kind: "image" | "video" | "unknown", format} of a file's first 64 bytes or so. */
export function sniff(head) {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: "image", format: "jpeg" };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", format: "png" };
  const text4 = ascii(head, 0, 4);
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return { kind: "image", format: "gif" };
  if (ascii(head, 0, 2) === "BM") return { kind: "image", format: "bmp" };
  if (text4 === "II*\0" || text4 === "MM\0*") return { kind: "image", format: "tiff" };
  if (text4 === "RIFF" && ascii(head, 8, 12) === "WEBP") return { kind: "image", format: "webp" };
  if (text4 === "RIFF" && ascii(head, 8, 12) === "AVI ") return { kind: "video", format: "avi" };
  const box = ascii(head, 4, 8);
  if (box === "ftyp") {
    // ISO base media: HEIC/AVIF stills are images, everything else (mp4, mov, m4v) video
    const brand = ascii(head, 8, 12);
    if (brand === "avif" || brand === "avis") return { kind: "image", format: "avif" };
    if (HEIF_BRANDS.has(brand)) return { kind: "image", format: "heic" };
    return { kind: "video", format: "mp4" };
  }
  if (["moov", "mdat", "wide", "free", "skip"].includes(box)) return { kind: "video", format: "mp4" };
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: "video", format: "webm" };
  return { kind: "unknown", format: "unknown" };
}

const u16be = (b, i) => (b[i] << 8) | b[i + 1];
const u16le = (b, i) => b[i] | (b[i + 1] << 8);
const u24le = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b, i) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

function jpegSize(b) {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1];
    if (marker === 0xff) { at += 1; continue; }
    // SOF0..SOF15, less DHT (C4), JPG (C8) and DAC (CC): the frame header with the size
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return [u16be(b, at + 7), u16be(b, at + 5)];
    }
    at += 2 + u16be(b, at + 2);
  }
  return null;
}

function webpSize(b) {
  const chunk = ascii(b, 12, 16);
  if (chunk === "VP8X") return [u24le(b, 24) + 1, u24le(b, 27) + 1];
  if (chunk === "VP8L") {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === "VP8 ") return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
  return null;
}

function heifSize(b) {
  // the largest 'ispe' (image spatial extents) property: the whole picture, not a tile
  let best = null;
  for (let i = 4; i + 16 <= b.length; i++) {
    if (b[i] === 0x69 && ascii(b, i, i + 4) === "ispe") {
      const size = [u32be(b, i + 8), u32be(b, i + 12)];
      if (!best || size[0] * size[1] > best[0] * best[1]) best = size;
    }
  }
  return best;
}

/** [width, height] an image declares in its first bytes, or null where the header does not
 * say within them; checked against the pixel limit before anything is decoded. */
export function declaredSize(format, b) {
  if (format === "jpeg") return jpegSize(b);
  if (format === "png" && b.length >= 24) return [u32be(b, 16), u32be(b, 20)];
  if (format === "gif" && b.length >= 10) return [u16le(b, 6), u16le(b, 8)];
  if (format === "bmp" && b.length >= 26) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return [Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true))];
  }
  if (format === "webp" && b.length >= 30) return webpSize(b);
  if (format === "heic" || format === "avif") return heifSize(b);
  return null;
}
