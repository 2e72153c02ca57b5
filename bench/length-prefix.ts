/** Unsigned-varint length prefixes, as libp2p protocols frame messages on a stream (it-length-prefixed's format). */

/** One message with its varint length in front, ready to write. */
export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  let n = payload.length;
  const prefix: number[] = [];
  do {
    const low = n & 0x7f;
    n = Math.floor(n / 128);
    prefix.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  const out = new Uint8Array(prefix.length + payload.length);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  return out;
}

/**
 * Splits a stream of chunks into length-prefixed messages and hands each one
 * to `onMessage`: a view into the chunk when it lies in one, else a copy
 * assembled once (linear in the bytes, whatever the chunking). Refuses a
 * message over `maxLength` bytes.
 */
export class LengthPrefixedReader {
  /** Length read so far, and the multiplier of the next varint byte. */
  private length = 0;
  private shift = 1;
  /** The message being assembled across chunks, and how much of it has arrived. */
  private body: Uint8Array | undefined;
  private filled = 0;

  constructor(
    private readonly maxLength: number,
    private readonly onMessage: (message: Uint8Array) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.body !== undefined) {
        const take = Math.min(this.body.length - this.filled, chunk.length - off);
        this.body.set(chunk.subarray(off, off + take), this.filled);
        this.filled += take;
        off += take;
        if (this.filled === this.body.length) this.finish(this.body);
        continue;
      }
      const byte = chunk[off++]!;
      this.length += (byte & 0x7f) * this.shift;
      this.shift *= 128;
      if (byte & 0x80) {
        if (this.shift > 2 ** 35) throw new RangeError('length prefix longer than 5 bytes');
        continue;
      }
      const length = this.length;
      if (length > this.maxLength) throw new RangeError(`message of ${length} bytes exceeds the ${this.maxLength}-byte limit`);
      if (chunk.length - off >= length) {
        this.finish(chunk.subarray(off, off + length));
        off += length;
      } else {
        this.body = new Uint8Array(length);
        this.filled = 0;
      }
    }
  }

  private finish(message: Uint8Array): void {
    this.length = 0;
    this.shift = 1;
    this.body = undefined;
    this.onMessage(message);
  }
}
