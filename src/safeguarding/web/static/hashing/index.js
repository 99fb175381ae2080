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

/** One worker and the files sent to it; files are hashed one after another, in order. */
export class Hasher {
  constructor(workerUrl = new URL("./worker.js", import.meta.url)) {
    this.worker = new Worker(workerUrl, { type: "module", name: "hashing" });
    this.next = 0;
    this.waiting = new Map();
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => this.failAll(event.message || "the hashing worker could not start");
  }

  /** Hash one File (or Blob): a promise of its result; see the top of this file. */
  hashFile(file, { onProgress = () => {}, limits = {}, testing = undefined } = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, file, limits, testing });
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
    if (type === "done") call.resolve(rest.result);
    else call.reject(new HashError(rest.error.code, rest.error.message, rest.error.detail));
  }

  failAll(message) {
    for (const call of this.waiting.values()) call.reject(new HashError("failed", message));
    this.waiting.clear();
  }

  /** Stop the worker; files still waiting are rejected. */
  close() {
    this.worker.terminate();
    this.failAll("hashing was stopped");
  }
}

let shared = null;

/** Hash one file in a worker shared by the page. */
export function hashFile(file, options) {
  shared ??= new Hasher();
  return shared.hashFile(file, options);
}
