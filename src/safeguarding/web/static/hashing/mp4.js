// Just enough of an ISO base media (MP4, MOV) demuxer to feed WebCodecs: the first video
// track's codec configuration and, per sample, where its bytes are, its presentation time and
// whether it is a key frame. Only the boxes are read (Blob slices); the media data is read
// later, sample by sample, so a large video is never held whole.

import { CODES, HashError } from "./errors.js";

const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const CONTAINERS = new Set(["moov", "trak", "edts", "mdia", "minf", "stbl"]);

const corrupt = (name, why) => new HashError(CODES.CORRUPT, `${name}: cannot read this video: ${why}`);

async function bytes(blob, start, end) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

// [{type, start, end, size}] of the boxes between start and end of a buffer
function children(view, start, end) {
  const boxes = [];
  for (let at = start; at + 8 <= end;) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + at + 4, 4));
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) break;
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

async function findMoov(blob, name) {
  for (let at = 0; at + 8 <= blob.size;) {
    const head = new DataView((await bytes(blob, at, at + 16)).buffer);
    let size = head.getUint32(0);
    const type = String.fromCharCode(head.getUint8(4), head.getUint8(5), head.getUint8(6), head.getUint8(7));
    let header = 8;
    if (size === 1 && head.byteLength >= 16) {
      size = Number(head.getBigUint64(8));
      header = 16;
    } else if (size === 0) size = blob.size - at;
    if (size < header) throw corrupt(name, `a box of ${size} bytes at ${at}`);
    if (type === "moov") {
      if (size > MAX_MOOV_BYTES) throw corrupt(name, `its index (moov) is ${size} bytes`);
      return new DataView((await bytes(blob, at + header, at + size)).buffer);
    }
    at += size;
  }
  throw corrupt(name, "no index (moov box); fragmented or streaming MP4 is not supported");
}

function tree(view, start, end, into = {}) {
  for (const box of children(view, start, end)) {
    if (box.type === "trak") (into.traks ??= []).push(tree(view, box.start, box.end));
    else if (CONTAINERS.has(box.type)) tree(view, box.start, box.end, into);
    else into[box.type] ??= box;
  }
  return into;
}

const hex2 = (value) => value.toString(16).padStart(2, "0");

// the codec string WebCodecs wants, from the sample entry's configuration box
function codecOf(view, entry) {
  const format = String.fromCharCode(...new Uint8Array(view.buffer, view.byteOffset + entry.start - 4, 4));
  const boxes = children(view, entry.start + 78, entry.end); // after the visual sample entry
  const config = boxes.find((b) => ["avcC", "hvcC", "vpcC", "av1C"].includes(b.type));
  if (!config) return { format };
  const description = new Uint8Array(view.buffer, view.byteOffset + config.start, config.end - config.start).slice();
  const digits2 = (value) => String(value).padStart(2, "0");
  if (config.type === "avcC") {
    return { format, description, codec: `avc1.${hex2(description[1])}${hex2(description[2])}${hex2(description[3])}` };
  }
  if (config.type === "vpcC") {
    // VP codec ISO binding: a full box, then profile, level, bit depth (high nibble);
    // WebCodecs takes VP9 without a description
    if (description.length < 7) return { format };
    const [profile, level, depth] = [description[4], description[5], description[6] >> 4];
    return { format, codec: `vp09.${digits2(profile)}.${digits2(level)}.${digits2(depth)}` };
  }
  if (config.type === "av1C") {
    // AV1 ISO binding: marker+version, profile+level, tier and bit depth flags; WebCodecs takes
    // the whole record as the description
    if (description.length < 4) return { format };
    const [profile, level] = [description[1] >> 5, description[1] & 0x1f];
    const tier = description[2] & 0x80 ? "H" : "M";
    const depth = description[2] & 0x40 ? (description[2] & 0x20 ? 12 : 10) : 8;
    return { format, description, codec: `av01.${profile}.${digits2(level)}${tier}.${digits2(depth)}` };
  }
  // hvcC (ISO/IEC 14496-15, annex E): profile, compatibility flags reversed, tier+level, constraints
  const d = description;
  const space = ["", "A", "B", "C"][d[1] >> 6];
  let flags = ((d[2] << 24) | (d[3] << 16) | (d[4] << 8) | d[5]) >>> 0;
  let reversed = 0;
  for (let i = 0; i < 32; i++, flags >>>= 1) reversed = ((reversed << 1) | (flags & 1)) >>> 0;
  const constraints = Array.from(d.subarray(6, 12));
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const tier = d[1] & 0x20 ? "H" : "L";
  const parts = [`${format === "hev1" ? "hev1" : "hvc1"}`, `${space}${d[1] & 0x1f}`, reversed.toString(16),
    `${tier}${d[12]}`, ...constraints.map((c) => c.toString(16).toUpperCase())];
  return { format, description, codec: parts.join(".") };
}

function fullBoxEntries(view, box, width) {
  const count = view.getUint32(box.start + 4);
  const start = box.start + 8;
  if (start + count * width > box.end) throw new RangeError("table runs past its box");
  return { count, start };
}

/** The first video track of an MP4/MOV file: {codec, description, format, width, height,
 * timescale, duration, samples: [{offset, size, pts, key}]} in decoding order, pts in the
 * track's timescale, after its edit list (as FFmpeg's demuxer presents them to the server). */
export async function readTrack(blob, name) {
  const moov = await findMoov(blob, name);
  const root = tree(moov, 0, moov.byteLength);
  const movieTimescale = root.mvhd ? moov.getUint32(root.mvhd.start + (moov.getUint8(root.mvhd.start) === 1 ? 20 : 12)) : 1000;
  const track = (root.traks ?? []).find((t) => t.hdlr && String.fromCharCode(
    ...new Uint8Array(moov.buffer, moov.byteOffset + t.hdlr.start + 8, 4)) === "vide");
  if (!track) throw corrupt(name, "no video stream");
  try {
    const v1 = moov.getUint8(track.mdhd.start) === 1;
    const timescale = moov.getUint32(track.mdhd.start + (v1 ? 20 : 12));
    const duration = v1 ? Number(moov.getBigUint64(track.mdhd.start + 24)) : moov.getUint32(track.mdhd.start + 16);
    const entry = children(moov, track.stsd.start + 8, track.stsd.end)[0];
    const width = moov.getUint16(entry.start + 24), height = moov.getUint16(entry.start + 26);
    const samples = sampleTable(moov, track);
    const shift = editShift(moov, track.elst, timescale, movieTimescale);
    for (const sample of samples) sample.pts -= shift;
    return { ...codecOf(moov, entry), width, height, timescale, duration, samples, mediaStart: 0 };
  } catch (error) {
    if (error instanceof HashError) throw error;
    throw corrupt(name, `its index is damaged (${error.message})`);
  }
}

// where presentation starts, in media time: an empty first edit delays it, a media_time skips
function editShift(view, elst, timescale, movieTimescale) {
  if (!elst) return 0;
  const v1 = view.getUint8(elst.start) === 1;
  const { count, start } = fullBoxEntries(view, elst, v1 ? 20 : 12);
  let shift = 0;
  for (let i = 0; i < count; i++) {
    const at = start + i * (v1 ? 20 : 12);
    const segment = v1 ? Number(view.getBigUint64(at)) : view.getUint32(at);
    const mediaTime = v1 ? Number(view.getBigInt64(at + 8)) : view.getInt32(at + 4);
    if (mediaTime === -1) {
      shift -= Math.round((segment * timescale) / movieTimescale);
      continue;
    }
    return shift + mediaTime;
  }
  return shift;
}

function sampleTable(view, t) {
  const stsz = t.stsz;
  const fixed = view.getUint32(stsz.start + 4);
  const count = view.getUint32(stsz.start + 8);
  const samples = new Array(count);
  for (let i = 0; i < count; i++) {
    samples[i] = { size: fixed || view.getUint32(stsz.start + 12 + 4 * i), offset: 0, pts: 0, key: !t.stss };
  }
  let n = 0, dts = 0; // decoding times
  const stts = fullBoxEntries(view, t.stts, 8);
  for (let e = 0; e < stts.count; e++) {
    const runs = view.getUint32(stts.start + 8 * e), delta = view.getUint32(stts.start + 8 * e + 4);
    for (let r = 0; r < runs && n < count; r++, n++, dts += delta) samples[n].pts = dts;
  }
  if (t.ctts) { // composition offsets, signed in practice whatever the version says
    const ctts = fullBoxEntries(view, t.ctts, 8);
    for (let e = 0, k = 0; e < ctts.count; e++) {
      const runs = view.getUint32(ctts.start + 8 * e), offset = view.getInt32(ctts.start + 8 * e + 4);
      for (let r = 0; r < runs && k < count; r++, k++) samples[k].pts += offset;
    }
  }
  if (t.stss) {
    const stss = fullBoxEntries(view, t.stss, 4);
    for (let e = 0; e < stss.count; e++) {
      const number = view.getUint32(stss.start + 4 * e);
      if (number >= 1 && number <= count) samples[number - 1].key = true;
    }
  }
  const co64 = !t.stco;
  const chunks = fullBoxEntries(view, co64 ? t.co64 : t.stco, co64 ? 8 : 4);
  const chunkOffset = (c) => (co64 ? Number(view.getBigUint64(chunks.start + 8 * c)) : view.getUint32(chunks.start + 4 * c));
  const stsc = fullBoxEntries(view, t.stsc, 12);
  let s = 0;
  for (let e = 0; e < stsc.count; e++) {
    const first = view.getUint32(stsc.start + 12 * e) - 1;
    const perChunk = view.getUint32(stsc.start + 12 * e + 4);
    const last = e + 1 < stsc.count ? view.getUint32(stsc.start + 12 * (e + 1)) - 1 : chunks.count;
    for (let c = first; c < last && s < count; c++) {
      let offset = chunkOffset(c);
      for (let k = 0; k < perChunk && s < count; k++, s++) {
        samples[s].offset = offset;
        offset += samples[s].size;
      }
    }
  }
  return samples;
}
