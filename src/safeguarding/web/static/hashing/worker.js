// The hashing worker: files arrive as messages and are hashed one at a time, off the page's
// main thread, with progress messages per file. Started by index.js; talk to it through that.
//
// in:  {id, file, limits, testing?}
// out: {id, type: "progress", stage, fraction} ... then {id, type: "done", result}
//      or {id, type: "error", error: {code, message, detail}}

import { CODES, HashError } from "./errors.js";
import { hashBlob } from "./hash.js";
import { withDefaults } from "./limits.js";

// progress at most this often per file (a message per chunk would flood a slow page)
const PROGRESS_MS = 50;

let queue = Promise.resolve();

self.onmessage = ({ data }) => {
  const { id, file, limits, testing } = data;
  queue = queue.then(() => hash(id, file, limits, testing));
};

async function hash(id, file, limits, testing) {
  let last = 0;
  const progress = ({ stage, fraction }) => {
    const now = performance.now();
    if (fraction < 1 && now - last < PROGRESS_MS) return;
    last = now;
    self.postMessage({ id, type: "progress", stage, fraction });
  };
  try {
    if (!self.isSecureContext) {
      throw new HashError(CODES.INSECURE, "hashing needs a secure page (https): this browser keeps its hashing tools from others");
    }
    const result = await hashBlob(file, withDefaults(limits), progress, testing ?? {});
    self.postMessage({ id, type: "done", result });
  } catch (error) {
    const known = error instanceof HashError;
    self.postMessage({ id, type: "error", error: {
      code: known ? error.code : CODES.FAILED,
      message: known ? error.message : `${file?.name ?? "file"}: ${error?.message ?? error}`,
      detail: known ? error.detail : {},
    } });
  }
}
