// An image file -> its PDQ hashes, as the server's hasher makes them for a bank (hashing/
// hasher.py with crops): the image as it is, reduced when its longer side is over the limit;
// the picture without uniform borders, when it has them; and centre crops of that.
//
// JPEGs are decoded to luma here (jpeg.js), as the server decodes them; other formats by the
// browser (createImageBitmap, with EXIF orientation and no colour management, as Pillow).

import { CODES, HashError, NOTICES, limitError } from "./errors.js";
import { jpegLuma } from "./jpeg.js";
import { allowedPixels } from "./limits.js";
import { lumaPlane, pdqHash } from "./pdq.js";
import { declaredSize } from "./sniff.js";
import { CROPS, TRIMMED, centreCrop, findBorders, orient, reduce, reduceDecoded, trim } from "./views.js";

// Above this many pixels the browser is asked to decode at reduced size (twice the longer
// side PDQ uses, then box-filtered as on the server): a 48-megapixel photo would take 200 MB
// as RGBA, and iOS refuses canvases over 16.7 million pixels.
const FULL_DECODE_PIXELS = 4096 * 4096;

async function browserDecode(file, format, declared, limits, name) {
  const options = { imageOrientation: "from-image", colorSpaceConversion: "none", premultiplyAlpha: "none" };
  if (declared && declared[0] * declared[1] > FULL_DECODE_PIXELS && limits.imageMaxSide) {
    const scale = (2 * limits.imageMaxSide) / Math.max(...declared);
    Object.assign(options, { resizeWidth: Math.max(1, Math.round(declared[0] * scale)),
      resizeHeight: Math.max(1, Math.round(declared[1] * scale)), resizeQuality: "medium" });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file instanceof Blob ? file : new Blob([file]), options);
  } catch {
    return null; // a format this browser cannot decode, or a damaged file
  }
  try {
    const { width, height } = bitmap;
    if (width * height > allowedPixels(limits, format)) throw limitError("image pixels", width * height, allowedPixels(limits, format), name);
    const context = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    // canvases keep premultiplied colour, so fully transparent pixels lose theirs (the server
    // keeps the colour under the alpha): a difference only where the image is transparent
    return { width, height, channels: 4, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

async function decode(file, format, head, limits, name) {
  const declared = declaredSize(format, head);
  const allowed = allowedPixels(limits, format);
  if (declared && declared[0] * declared[1] > allowed) {
    throw limitError("image pixels", declared[0] * declared[1], allowed, name);
  }
  if (format === "jpeg") {
    const bytes = file instanceof Blob ? new Uint8Array(await file.arrayBuffer()) : file;
    const luma = jpegLuma(bytes, name);
    if (luma) return { ...luma, channels: 1 };
  }
  const rgba = await browserDecode(file, format, declared, limits, name);
  if (!rgba) return null;
  const { width, height, data } = rgba;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, k = 0; i < rgb.length; i += 3, k += 4) {
    rgb[i] = data[k];
    rgb[i + 1] = data[k + 1];
    rgb[i + 2] = data[k + 2];
  }
  return { width, height, channels: 3, data: rgb, orientation: 1 }; // turned by the browser
}

// The decoded pixels as the server's decoder gives them with a longer-side limit: reduced
// tile by tile, then turned upright by their EXIF orientation.
const decodedAt = (full, maxSide) => orient(reduceDecoded(full, maxSide), full.orientation);

const longer = (px) => Math.max(px.width, px.height);

// The picture without its uniform borders, at the scale the bank side hashes the unpadded
// picture (_trimmed on the server): when the padded image was reduced, the picture inside
// came out smaller than the limit, so it is trimmed from a larger reduction instead.
function trimmedView(full, image, maxSide) {
  const borders = findBorders(image);
  if (!borders) return null;
  const trimmed = trim(image, borders);
  if (!maxSide || longer(trimmed) >= maxSide || longer(full) <= longer(image)) return trimmed;
  const larger = decodedAt(full, Math.ceil((maxSide * longer(image)) / longer(trimmed)));
  const again = findBorders(larger);
  return again ? reduce(trim(larger, again), maxSide) : trimmed;
}

function notDecoded(name, format) {
  const label = format.toUpperCase();
  if (["JPEG", "PNG", "GIF", "BMP"].includes(label)) {
    throw new HashError(CODES.CORRUPT, `${name}: cannot decode this ${label} image (damaged or incomplete)`);
  }
  return { notice: { code: NOTICES.IMAGE_NOT_DECODED, message: `${name}: this browser cannot open ${label} images, so only exact copies of this file can be matched. Saving it as a JPEG first (or using a browser that opens ${label}) lets edited copies match too.` } };
}

/** {width, height, pdq: [{view, hash, quality}]} of an image (a Blob, or its bytes when
 * already read), or {notice} when this browser cannot decode its format. `view` is null for
 * the image as it is. */
export async function hashImage(file, format, head, limits, name) {
  const full = await decode(file, format, head, limits, name);
  if (!full) return notDecoded(name, format);
  const image = decodedAt(full, limits.imageMaxSide);
  const pdq = [{ view: null, ...pdqHash(lumaPlane(image)) }];
  let base = image;
  const trimmed = trimmedView(full, image, limits.imageMaxSide);
  if (trimmed) {
    pdq.push({ view: TRIMMED, ...pdqHash(lumaPlane(trimmed)) });
    base = trimmed;
  }
  if (limits.bankCrops) {
    for (const [view, keep] of Object.entries(CROPS)) pdq.push({ view, ...pdqHash(lumaPlane(centreCrop(base, keep))) });
  }
  return { width: image.width, height: image.height, pdq };
}
