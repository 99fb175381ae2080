// A video file -> vPDQ: the PDQ of frames sampled at the server's rate (media/video.py's
// _sample, line for line), decoded by WebCodecs from our MP4/MOV demuxer. Frames are read
// sample by sample, never the whole file, and only the sampled frames are hashed.
//
// Luma comes from the frame's Y plane, scaled as the server's conversion to RGB (BT.601,
// limited range) and back to PDQ's luma would give it; frames in other layouts (GPU frames
// on some phones) are drawn to a canvas instead.

import { CODES, HashError, NOTICES, limitError } from "./errors.js";
import { readTrack } from "./mp4.js";
import { lumaPlane, pdqHash, plane } from "./pdq.js";

const QUEUE = 8; // encoded chunks in flight: enough to keep the decoder busy, little memory
const READ_BYTES = 4 * 1024 * 1024;

// Y plane -> luma; 10- and 12-bit formats keep 16-bit samples
function lumaOfFrame(frame, canvasOnly) {
  const rect = frame.visibleRect;
  const { width, height } = rect;
  const format = frame.format ?? "";
  const yuv = /^(I4[024][02]A?|NV12)(P1[02])?$/.test(format);
  if (yuv && !canvasOnly) {
    const size = frame.allocationSize({ rect });
    const buffer = new Uint8Array(size);
    return frame.copyTo(buffer, { rect }).then((planes) => {
      const { offset, stride } = planes[0];
      const deep = format.endsWith("P10") ? 4 : format.endsWith("P12") ? 16 : 0;
      const samples = deep ? new Uint16Array(buffer.buffer) : buffer;
      const full = frame.colorSpace?.fullRange === true;
      const out = new Float32Array(width * height);
      for (let r = 0; r < height; r++) {
        const base = deep ? (offset + r * stride) / 2 : offset + r * stride;
        for (let c = 0; c < width; c++) {
          const y = deep ? samples[base + c] / deep : samples[base + c];
          out[r * width + c] = full ? y : Math.min(255, Math.max(0, ((y - 16) * 255) / 219));
        }
      }
      return plane(out, width, height);
    });
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(frame, rect.x, rect.y, width, height, 0, 0, width, height);
  const data = context.getImageData(0, 0, width, height).data;
  return Promise.resolve(lumaPlane({ width, height, channels: 4, data }));
}

function notice(name, why) {
  return { notice: { code: NOTICES.VIDEO_NOT_DECODED, message: `${name}: ${why}, so its frames cannot be hashed here; only exact copies of this file can be matched.` } };
}

/** {width, height, vpdq} of a video (vpdq in the bank's text format, one line per sampled
 * frame: `frame,quality,pdq_hex,seconds`), or {notice} where this browser cannot decode it. */
export async function hashVideo(blob, format, limits, name, onProgress, { canvasOnly = false } = {}) {
  if (format !== "mp4") return notice(name, `this browser cannot read ${format.toUpperCase()} videos`);
  if (typeof VideoDecoder === "undefined") return notice(name, "this browser cannot decode video (no WebCodecs)");
  const track = await readTrack(blob, name);
  if (!track.codec) return notice(name, `this browser cannot decode its codec (${track.format.trim()})`);
  if (!track.samples.length) throw new HashError(CODES.CORRUPT, `${name}: the video has no frames (a fragmented MP4 is not supported)`);
  if (track.width * track.height > limits.maxVideoPixels) {
    throw limitError("video frame pixels", track.width * track.height, limits.maxVideoPixels, name);
  }
  if (track.duration / track.timescale > limits.maxVideoSeconds) {
    throw limitError("video seconds", track.duration / track.timescale, limits.maxVideoSeconds, name);
  }
  const config = { codec: track.codec, description: track.description, codedWidth: track.width, codedHeight: track.height };
  const support = await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support.supported) return notice(name, `this browser cannot decode its codec (${track.codec})`);

  const frames = [];
  const seconds = new Map(); // chunk timestamp (us) -> pts / timescale, exactly as the server
  const step = 1.0 / limits.videoFps;
  let nextAt = 0.0, index = -1, failure = null, size = [0, 0];
  let pending = Promise.resolve();
  const fail = (error) => { failure ??= error; };
  const decoder = new VideoDecoder({
    output: (frame) => {
      const timestamp = seconds.get(frame.timestamp) ?? frame.timestamp / 1e6;
      // before the edit list's start: decoded only as a reference, never shown (as FFmpeg)
      if (failure || timestamp < 0) return frame.close();
      index += 1;
      const at = index;
      if (timestamp > limits.maxVideoSeconds) fail(limitError("video seconds", timestamp, limits.maxVideoSeconds, name));
      const pixels = frame.visibleRect.width * frame.visibleRect.height;
      if (pixels > limits.maxVideoPixels) fail(limitError("video frame pixels", pixels, limits.maxVideoPixels, name));
      if (failure || timestamp + 1e-6 < nextAt) return frame.close();
      if (frames.length + 1 > limits.maxVideoFrames) {
        fail(limitError("video frames", frames.length + 1, limits.maxVideoFrames, name));
        return frame.close();
      }
      nextAt = Math.max(nextAt + step, timestamp + step * 0.5);
      const slot = frames.push(null) - 1;
      size = [frame.visibleRect.width, frame.visibleRect.height];
      pending = pending.then(() => lumaOfFrame(frame, canvasOnly)).then((luma) => {
        const { hash, quality } = pdqHash(luma);
        frames[slot] = `${at},${quality},${hash},${timestamp.toFixed(3)}`;
      }).catch(fail).finally(() => frame.close());
    },
    error: (error) => fail(new HashError(CODES.CORRUPT, `${name}: cannot decode video: ${error.message}`)),
  });
  decoder.configure(config);
  let block = null;
  try {
    for (let i = 0; i < track.samples.length && !failure; i++) {
      const sample = track.samples[i];
      if (!block || sample.offset < block.start || sample.offset + sample.size > block.end) {
        const end = Math.min(blob.size, sample.offset + Math.max(READ_BYTES, sample.size));
        block = { start: sample.offset, end, data: new Uint8Array(await blob.slice(sample.offset, end).arrayBuffer()) };
        if (block.data.length < sample.size) throw new HashError(CODES.CORRUPT, `${name}: the video is truncated`);
      }
      const timestamp = Math.round((sample.pts * 1e6) / track.timescale);
      seconds.set(timestamp, sample.pts / track.timescale);
      decoder.decode(new EncodedVideoChunk({ type: sample.key ? "key" : "delta", timestamp,
        data: block.data.subarray(sample.offset - block.start, sample.offset - block.start + sample.size) }));
      while (decoder.decodeQueueSize > QUEUE && !failure) await new Promise((resolve) => setTimeout(resolve, 1));
      onProgress((i + 1) / track.samples.length);
    }
    if (!failure) await decoder.flush();
  } catch (error) {
    fail(error instanceof HashError ? error : new HashError(CODES.CORRUPT, `${name}: cannot decode video: ${error.message}`));
  } finally {
    if (decoder.state !== "closed") decoder.close();
  }
  await pending;
  if (failure) throw failure;
  if (!frames.length) throw new HashError(CODES.CORRUPT, `${name}: the video has no decodable frames`);
  return { width: size[0], height: size[1], vpdq: frames.join("\n") };
}
