import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { InvalidVarintError, MessageTooLargeError } from './errors.js';

/** A uvarint never needs more than 10 bytes for a 64-bit value. */
export const MAX_UVARINT_LENGTH = 10;

function checkLength(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`a uvarint must encode a non-negative safe integer, got ${value}`);
  }
}

/** Number of bytes `encodeUvarint(value)` produces. */
export function uvarintLength(value: number): number {
  checkLength(value);
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` as a protobuf uvarint at `offset`; returns the offset after it. */
export function writeUvarint(out: Uint8Array, offset: number, value: number): number {
  checkLength(value);
  // Division instead of >>> keeps values above 2^32 exact.
  while (value >= 0x80) {
    out[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** Encodes `value` as a protobuf uvarint. */
export function encodeUvarint(value: number): Uint8Array {
  const out = new Uint8Array(uvarintLength(value));
  writeUvarint(out, 0, value);
  return out;
}

/** `uvarint(body.length) ‖ body` in one allocation, as gogoproto's delimited writer emits it. */
export function encodeDelimited(body: Uint8Array): Uint8Array {
  const prefix = uvarintLength(body.length);
  const out = new Uint8Array(prefix + body.length);
  writeUvarint(out, 0, body.length);
  out.set(body, prefix);
  return out;
}

/**
 * Incremental reader of uvarint-length-delimited messages from a byte stream
 * whose chunk boundaries are arbitrary. Chunks are kept by reference (never
 * concatenated on push); a message that lies inside one chunk is returned as
 * a zero-copy view of it, one that spans chunks is copied once.
 *
 * After next() throws, the stream is out of sync and the reader must be discarded.
 */
export class DelimitedReader {
  private chunks: Uint8Array[] = [];
  /** Index of the first chunk still holding unread bytes. */
  private head = 0;
  /** Read position inside chunks[head]. */
  private offset = 0;
  private buffered = 0;
  /** Body length of the message being waited for; -1 while its prefix is still unread. */
  private pending = -1;

  /**
   * @param maxSize largest body length accepted (bytes); a larger declared
   *   length throws MessageTooLargeError before any of the body is buffered.
   */
  constructor(readonly maxSize: number) {
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
      throw new InvalidArgumentError(`DelimitedReader maxSize must be a non-negative safe integer, got ${maxSize}`);
    }
  }

  /** Bytes pushed but not yet returned (including a partially read prefix or body). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds bytes from the stream. The chunk is referenced, not copied: callers
   * must not modify it afterwards (socket chunks never are).
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete message body, or undefined when more bytes are needed.
   * @throws MessageTooLargeError when a declared length exceeds maxSize
   * @throws InvalidVarintError when a length prefix exceeds 10 bytes or 64 bits
   */
  next(): Uint8Array | undefined {
    if (this.pending < 0) {
      const length = this.readPrefix();
      if (length === undefined) return undefined;
      this.pending = length;
    }
    if (this.buffered < this.pending) return undefined;
    const body = this.take(this.pending);
    this.pending = -1;
    return body;
  }

  /**
   * Removes and returns every unread byte (as views of the pushed chunks), for
   * handing the rest of a stream to another parser after the last message
   * this reader should see. Throws if a prefix was already consumed, because
   * those bytes could not be returned.
   */
  takeBuffered(): Uint8Array[] {
    if (this.pending >= 0) {
      throw new InvalidArgumentError('DelimitedReader.takeBuffered() called in the middle of a message whose length prefix was already read');
    }
    const out: Uint8Array[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      out.push(i === this.head ? c.subarray(this.offset) : c);
    }
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.buffered = 0;
    return out.filter((c) => c.length > 0);
  }

  /** Decodes and consumes a uvarint prefix if all of it is buffered. */
  private readPrefix(): number | undefined {
    let value = 0;
    let scale = 1;
    let ci = this.head;
    let off = this.offset;
    for (let i = 0; i < MAX_UVARINT_LENGTH; i++) {
      while (ci < this.chunks.length && off >= this.chunks[ci].length) {
        ci++;
        off = 0;
      }
      if (ci >= this.chunks.length) return undefined;
      const b = this.chunks[ci][off++];
      // The 10th byte may only contribute bit 63; more is a 64-bit overflow (as Go's binary.ReadUvarint).
      if (i === MAX_UVARINT_LENGTH - 1 && b > 1) {
        throw new InvalidVarintError('length prefix overflows a 64-bit uvarint');
      }
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        this.skip(i + 1);
        if (value > this.maxSize) {
          throw new MessageTooLargeError(`length-delimited message declares ${value} bytes; the limit is ${this.maxSize}`);
        }
        return value;
      }
    }
    throw new InvalidVarintError(`length prefix is longer than ${MAX_UVARINT_LENGTH} bytes`);
  }

  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const avail = this.chunks[this.head].length - this.offset;
      if (n < avail) {
        this.offset += n;
        return;
      }
      n -= avail;
      this.advanceChunk();
    }
    this.dropEmptyHead();
  }

  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.dropEmptyHead();
    const first = this.chunks[this.head];
    if (first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.skip(n);
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head];
      const part = Math.min(c.length - this.offset, n - filled);
      out.set(c.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.offset += part;
      if (this.offset === c.length) this.advanceChunk();
    }
    this.buffered -= n;
    this.dropEmptyHead();
    return out;
  }

  private dropEmptyHead(): void {
    while (this.head < this.chunks.length && this.offset === this.chunks[this.head].length) this.advanceChunk();
  }

  private advanceChunk(): void {
    this.head++;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // Compact occasionally so consumed chunks are released without an O(n) shift per message.
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
