// One file -> its hashes: what the worker runs for each file (see index.js for the API).

import { digestFile } from "./digests.js";
import { CODES, HashError, limitError } from "./errors.js";
import { hashImage } from "./image.js";
import { sniff } from "./sniff.js";
import { hashVideo } from "./video.js";

// enough for a JPEG's size behind large EXIF and colour-profile segments
const HEAD_BYTES = 256 * 1024;

/** Hash a File (or Blob): {name, size, kind, format, md5, sha256, pdq, vpdq?, width, height,
 * notice?}; onProgress({stage, fraction}) with fraction 0..1 over the whole file. */
export async function hashBlob(blob, limits, onProgress = () => {}, testing = {}) {
  const name = blob.name || "file";
  if (blob.size === 0) throw new HashError(CODES.EMPTY, `${name}: empty file (0 bytes)`);
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  const { kind, format } = sniff(head);
  if (kind === "unknown") throw new HashError(CODES.UNSUPPORTED, `${name}: not a recognised image or video format`);
  const cap = kind === "image" ? limits.maxImageBytes : limits.maxVideoBytes;
  if (blob.size > cap) throw limitError(`${kind} bytes`, blob.size, cap, name);
  // digests first, a small share of the work for an image, a larger one for a video
  const share = kind === "image" ? 0.2 : 0.3;
  const { md5, sha256, bytes } = await digestFile(blob, (f) => onProgress({ stage: "digest", fraction: f * share }), testing);
  const result = { name, size: blob.size, kind, format, md5, sha256, pdq: [], width: 0, height: 0 };
  let hashed;
  if (kind === "image") {
    onProgress({ stage: "image", fraction: share });
    hashed = await hashImage(bytes ?? blob, format, head, limits, name);
  } else {
    hashed = await hashVideo(blob, format, limits, name,
      (f) => onProgress({ stage: "video", fraction: share + f * (1 - share) }), testing);
  }
  onProgress({ stage: "done", fraction: 1 });
  return { ...result, ...hashed };
}
