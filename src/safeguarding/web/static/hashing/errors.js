// Why a file could not be hashed, as a stable code the portal turns into plain words, and a
// message that names the file and the limit (the server's errors.py says the same things).

export class HashError extends Error {
  /** code: one of CODES; message: for people; detail: extra fields (limit, value ...) */
  constructor(code, message, detail = {}) {
    super(message);
    this.name = "HashError";
    this.code = code;
    this.detail = detail;
  }
}

export const CODES = Object.freeze({
  EMPTY: "empty", // a 0-byte file
  TOO_LARGE: "too-large", // over a limit (bytes, pixels, seconds, frames)
  UNSUPPORTED: "unsupported", // not an image or video we know
  CORRUPT: "corrupt", // an image or video that does not decode
  INSECURE: "insecure-context", // the page is not https (WebCrypto and WebCodecs need it)
  FAILED: "failed", // anything else (the message says what)
});

// Not errors: a file is hashed as far as this browser allows, and the result says why the
// rest is missing.
export const NOTICES = Object.freeze({
  IMAGE_NOT_DECODED: "image-not-decoded", // e.g. HEIC in Chromium, TIFF outside Safari
  VIDEO_NOT_DECODED: "video-not-decoded", // codec or container this browser cannot read
});

export function limitError(what, value, limit, name) {
  return new HashError(CODES.TOO_LARGE,
    `${name}: ${what} ${value} exceeds the limit of ${limit}`, { what, value, limit });
}
