// What MD5 and SHA-256 share: bytes gathered into 64-byte blocks for `compress`, and the
// final padding (a 1 bit, zeros, the message length in bits as 64 bits).

export class BlockHash {
  constructor() {
    this.block = new Uint8Array(64);
    this.view = new DataView(this.block.buffer);
    this.filled = 0;
    this.length = 0; // bytes; exact up to 2^53, far beyond any file a browser reads
  }

  /** Add bytes (a Uint8Array). */
  update(bytes) {
    let at = 0;
    this.length += bytes.length;
    if (this.filled > 0) {
      const take = Math.min(64 - this.filled, bytes.length);
      this.block.set(bytes.subarray(0, take), this.filled);
      this.filled += take;
      at = take;
      if (this.filled < 64) return this;
      this.compress(this.view, 0);
      this.filled = 0;
    }
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (; at + 64 <= bytes.length; at += 64) this.compress(data, at);
    this.block.set(bytes.subarray(at), 0);
    this.filled = bytes.length - at;
    return this;
  }

  /** Pad and compress the last block; the length in the byte order of the hash. */
  finish(littleEndian) {
    const bits = this.length * 8;
    const tail = new Uint8Array((this.filled < 56 ? 64 : 128) - this.filled);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    const [low, high] = [bits % 2 ** 32, Math.floor(bits / 2 ** 32)];
    view.setUint32(tail.length - 8, littleEndian ? low : high, littleEndian);
    view.setUint32(tail.length - 4, littleEndian ? high : low, littleEndian);
    this.update(tail);
  }
}
