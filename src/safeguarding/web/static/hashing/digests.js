// MD5 and SHA-256 of a whole file, read in chunks with progress. SHA-256 comes from WebCrypto
// where it can: crypto.subtle.digest takes one buffer, so files up to WEBCRYPTO_MAX_BYTES are
// read whole and given to it; larger ones (videos) stream through our own SHA-256, so memory
// stays at one chunk however large the file.

import { Md5 } from "./md5.js";
import { Sha256 } from "./sha256.js";

const MiB = 1024 * 1024;
export const CHUNK_BYTES = 4 * MiB;
// above the largest image (50 MiB), so every image is read once and digested by WebCrypto
export const WEBCRYPTO_MAX_BYTES = 64 * MiB;

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** {md5, sha256, bytes} of a Blob (a File); onProgress(fraction) as chunks are digested.
 * `bytes`: the whole file where it was read whole (for WebCrypto), so an image is read once;
 * `webCryptoMaxBytes`: the size up to which WebCrypto is used (tests lower it). */
export async function digestFile(blob, onProgress = () => {}, { webCryptoMaxBytes = WEBCRYPTO_MAX_BYTES } = {}) {
  const md5 = new Md5();
  const size = blob.size;
  if (size <= webCryptoMaxBytes) {
    const data = new Uint8Array(await blob.arrayBuffer());
    const sha256 = crypto.subtle.digest("SHA-256", data);
    for (let at = 0; at < size; at += CHUNK_BYTES) {
      md5.update(data.subarray(at, at + CHUNK_BYTES));
      onProgress(Math.min(1, (at + CHUNK_BYTES) / size));
    }
    return { md5: md5.digest(), sha256: hex(await sha256), bytes: data };
  }
  const sha256 = new Sha256();
  for (let at = 0; at < size; at += CHUNK_BYTES) {
    const chunk = new Uint8Array(await blob.slice(at, at + CHUNK_BYTES).arrayBuffer());
    md5.update(chunk);
    sha256.update(chunk);
    onProgress(Math.min(1, (at + chunk.length) / size));
  }
  return { md5: md5.digest(), sha256: sha256.digest(), bytes: null };
}
