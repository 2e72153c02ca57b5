import { PacketDecodeError, PacketTooLargeError } from './errors.js';

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Splits a byte stream into uvarint-length-delimited frames (protoio's
 * delimited format) without concatenating chunks: a frame that lies inside one
 * chunk is returned as a view of it; only frames straddling chunk boundaries
 * are copied, once, into a scratch buffer of `maxSize` bytes. Memory held is
 * the unread chunks, which the owner bounds by pausing the stream.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  /** Index in `chunks` of the first unread chunk. */
  private first = 0;
  /** Read offset inside chunks[first]. */
  private pos = 0;
  private unread = 0;
  private scratch: Uint8Array | undefined;

  /** @param maxSize largest accepted body length; the uvarint prefix is not counted (as in protoio). */
  constructor(readonly maxSize: number) {}

  /** Bytes pushed but not yet returned as frames. */
  get buffered(): number {
    return this.unread;
  }

  /** Appends bytes from the stream. The chunk must not be modified afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
  }

  /**
   * Returns the next complete frame body, or undefined until more bytes arrive.
   * The view is valid until the next call (it may point into a reused scratch
   * buffer). Throws PacketDecodeError for a length prefix longer than 10 bytes
   * and PacketTooLargeError for a body longer than maxSize, as soon as the
   * prefix is complete.
   */
  next(): Uint8Array | undefined {
    if (this.unread === 0) return undefined;
    const chunks = this.chunks;
    let ci = this.first;
    let p = this.pos;
    let length = 0;
    let scale = 1;
    let prefix = 0;
    for (;;) {
      if (prefix === 10) throw new PacketDecodeError('frame length prefix is a varint longer than 10 bytes');
      while (p >= chunks[ci].length) {
        ci++;
        p = 0;
        if (ci >= chunks.length) return undefined;
      }
      const b = chunks[ci][p++];
      prefix++;
      length += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    if (length > this.maxSize) throw new PacketTooLargeError(length, this.maxSize);
    if (this.unread - prefix < length) return undefined;
    this.unread -= prefix + length;
    if (length === 0) {
      this.advanceTo(ci, p);
      return EMPTY;
    }
    if (p >= chunks[ci].length) {
      ci++;
      p = 0;
    }
    const chunk = chunks[ci];
    if (chunk.length - p >= length) {
      this.advanceTo(ci, p + length);
      return chunk.subarray(p, p + length);
    }
    const out = (this.scratch ??= new Uint8Array(this.maxSize));
    let filled = 0;
    while (filled < length) {
      const source = chunks[ci];
      const take = Math.min(source.length - p, length - filled);
      out.set(take === source.length ? source : source.subarray(p, p + take), filled);
      filled += take;
      p += take;
      if (p === source.length && filled < length) {
        ci++;
        p = 0;
      }
    }
    this.advanceTo(ci, p);
    return out.subarray(0, length);
  }

  /** Drops chunks fully consumed before (ci, p). */
  private advanceTo(ci: number, p: number): void {
    const chunks = this.chunks;
    if (p >= chunks[ci].length) {
      ci++;
      p = 0;
    }
    for (let i = this.first; i < ci; i++) (chunks as (Uint8Array | undefined)[])[i] = undefined;
    this.first = ci;
    this.pos = p;
    if (ci >= chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (ci > 64 && ci * 2 > chunks.length) {
      this.chunks = chunks.slice(ci);
      this.first = 0;
    }
  }
}
