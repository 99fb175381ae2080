// Hashing in the browser: the API a page calls. Files are hashed in a Web Worker on this
// device; nothing here sends anything anywhere (docs/self-report.md).
//
//   import { hashFile } from "/static/hashing/index.js";
//   const result = await hashFile(file, { onProgress: ({ stage, fraction }) => ... });
//
// result: {
//   name, size, kind: "image" | "video", format: "jpeg" | "png" | ... | "mp4" | "webm" ...,
//   md5, sha256,                         lowercase hex of the file's bytes
//   pdq: [{view, hash, quality}],        images: view null (as it is), "trimmed" (without
//                                        uniform borders, when it has them), "crop95",
//                                        "crop90" (centre crops); hash: 64 hex digits;
//                                        quality 0..100 (below 50: too plain to match well)
//   vpdq?,                               videos: one line per sampled frame,
//                                        "frame,quality,pdq_hex,seconds" (the bank format)
//   width, height,                       of the image hashed (after any reduction), or frame
//   notice?: {code, message},            why PDQ or vPDQ is missing where the browser cannot
//                                        decode the file (HEIC in Chromium, HEVC, WebM ...)
// }
// A file that cannot be hashed at all rejects with a HashError {code, message, detail};
// codes in errors.js (empty, too-large, unsupported, corrupt, insecure-context, failed).
// options: onProgress({stage: "digest" | "image" | "video" | "done", fraction 0..1});
// limits: overrides of limits.js's defaults (the server's configured limits); testing:
// switches the tests use to reach other paths ({webCryptoMaxBytes, canvasOnly}).

import { HashError } from "./errors.js";

export { CODES, HashError, NOTICES } from "./errors.js";
export { DEFAULT_LIMITS } from "./limits.js";

// Files are spread over a few workers, so the photos a person chooses hash side by side on
// the device's cores; each worker takes its files one after another. At most two: a phone
// then holds at most two decoded photos at once.
export const DEFAULT_WORKERS = Math.max(1, Math.min(2, globalThis.navigator?.hardwareConcurrency ?? 1));

/** Workers and the files sent to them. */
export class Hasher {
  constructor({ workers = DEFAULT_WORKERS, workerUrl = new URL("./worker.js", import.meta.url) } = {}) {
    this.next = 0;
    this.waiting = new Map();
    this.workers = Array.from({ length: workers }, () => {
      const worker = new Worker(workerUrl, { type: "module", name: "hashing" });
      worker.onmessage = ({ data }) => this.receive(data);
      worker.onerror = (event) => this.failAll(event.message || "the hashing worker could not start");
      return { worker, files: 0 };
    });
  }

  /** Hash one File (or Blob): a promise of its result; see the top of this file. */
  hashFile(file, { onProgress = () => {}, limits = {}, testing = undefined } = {}) {
    const id = this.next++;
    const slot = this.workers.reduce((a, b) => (b.files < a.files ? b : a));
    slot.files += 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onProgress, slot });
      slot.worker.postMessage({ id, file, limits, testing });
    });
  }

  receive({ id, type, ...rest }) {
    const call = this.waiting.get(id);
    if (!call) return;
    if (type === "progress") {
      call.onProgress({ stage: rest.stage, fraction: rest.fraction });
      return;
    }
    this.waiting.delete(id);
    call.slot.files -= 1;
    if (type === "done") call.resolve(rest.result);
    else call.reject(new HashError(rest.error.code, rest.error.message, rest.error.detail));
  }

  failAll(message) {
    for (const call of this.waiting.values()) call.reject(new HashError("failed", message));
    this.waiting.clear();
    for (const slot of this.workers) slot.files = 0;
  }

  /** Stop the workers; files still waiting are rejected. */
  close() {
    for (const { worker } of this.workers) worker.terminate();
    this.failAll("hashing was stopped");
  }
}

let shared = null;

/** Hash one file in the workers shared by the page. */
export function hashFile(file, options) {
  shared ??= new Hasher();
  return shared.hashFile(file, options);
}
