// The limits a browser hashes within: the server's defaults (media/limits.py's MediaLimits
// and Settings.bank_crop_hashes), so a file the browser hashes is one the server would
// hash the same way. A test compares them, so the two cannot drift; a page can pass the
// server's configured values instead (hashFile's `limits` option).

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS = Object.freeze({
  maxImageBytes: 50 * MiB,
  maxImagePixels: 100_000_000,
  maxVideoBytes: 200 * MiB,
  maxVideoSeconds: 3 * 3600,
  maxVideoFrames: 20_000,
  maxVideoPixels: 4096 * 4096,
  videoFps: 1.0,
  // images with a longer side above this are reduced to it before PDQ (pdq_max_side)
  imageMaxSide: 2048,
  // also hash 95% and 90% centre crops, as banks store them (bank_crop_hashes)
  bankCrops: true,
});

/** Bytes a decoder holds per pixel where it is more than the 4 of RGBA (media/image.py's
 * _DECODER_BYTES, compared by a test): such formats get that much smaller a share of
 * maxImagePixels, as on the server. */
export const DECODER_BYTES = Object.freeze({ webp: 16, avif: 10, heic: 8 });

/** The most pixels an image of this format may declare. */
export function allowedPixels(limits, format) {
  return Math.floor((limits.maxImagePixels * 4) / (DECODER_BYTES[format] ?? 4));
}

/** The defaults with a page's overrides; an unknown name is a mistake, not ignored. */
export function withDefaults(overrides = {}) {
  for (const name of Object.keys(overrides)) {
    if (!(name in DEFAULT_LIMITS)) throw new TypeError(`unknown hashing limit: ${name}`);
  }
  return { ...DEFAULT_LIMITS, ...overrides };
}
