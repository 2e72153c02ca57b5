import { InvalidArgumentError } from '../errors/base.js';
import { InvalidVarintError, MessageTooLargeError } from './errors.js';

/**
 * Length-prefixed ("delimited") messages: `uvarint(length) ‖ body`, the
 * framing of protobuf's delimited streams, CometBFT's protoio (handshake
 * messages, NodeInfo, MConnection packets) and libp2p's length-prefixed
 * streams. One writer and one reader for every user.
 */

/** A uvarint never needs more than 10 bytes for a 64-bit value. */
export const MAX_UVARINT_LENGTH = 10;

function checkUvarint(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`a uvarint must encode a non-negative safe integer, got ${value}`);
  }
}

/** Number of bytes `writeUvarint(…, value)` writes. */
export function uvarintLength(value: number): number {
  checkUvarint(value);
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let n = 5;
  for (let v = Math.floor(value / 0x800000000); v > 0; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes `value` as a uvarint at `offset`; returns the offset after it. */
export function writeUvarint(out: Uint8Array, offset: number, value: number): number {
  checkUvarint(value);
  // Division instead of >>> keeps values above 2^32 exact.
  while (value >= 0x80) {
    out[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[offset++] = value;
  return offset;
}

/** `value` as a uvarint. */
export function encodeUvarint(value: number): Uint8Array {
  const out = new Uint8Array(uvarintLength(value));
  writeUvarint(out, 0, value);
  return out;
}

/** `uvarint(body.length) ‖ body` in one allocation. */
export function encodeDelimited(body: Uint8Array): Uint8Array {
  const prefix = uvarintLength(body.length);
  const out = new Uint8Array(prefix + body.length);
  writeUvarint(out, 0, body.length);
  out.set(body, prefix);
  return out;
}

export interface DelimitedReaderOptions {
  /**
   * Copy a message that spans chunks into one scratch buffer of `maxSize`
   * bytes, reused for every such message: the returned view is then valid
   * only until the next call. For owners that consume each message at once
   * (MConnection's packets). Default false: each such message gets its own copy.
   */
  readonly reuseBuffer?: boolean;
  /** What the messages are, for error messages ("packet", "NodeInfo"). Default "length-delimited message". */
  readonly what?: string;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Incremental reader of length-prefixed messages from a byte stream whose
 * chunk boundaries are arbitrary. Chunks are kept by reference, never
 * concatenated: a message that lies inside one chunk is returned as a view
 * of it; one that spans chunks is copied once. Memory held is the unread
 * chunks, which the owner bounds by pausing its stream.
 *
 * A declared length over `maxSize` throws MessageTooLargeError as soon as
 * the prefix is complete, before any of the body is buffered; a prefix over
 * 10 bytes or 64 bits throws InvalidVarintError. After either, the stream is
 * out of sync and the reader must be discarded.
 */
export class DelimitedReader {
  private chunks: Array<Uint8Array | undefined> = [];
  /** Index in `chunks` of the first unread chunk. */
  private first = 0;
  /** Read offset inside chunks[first]. */
  private pos = 0;
  private unread = 0;
  private scratch: Uint8Array | undefined;
  private readonly reuseBuffer: boolean;
  private readonly what: string;
  private limit = 0;

  /** @param maxSize largest body length accepted, in bytes; the prefix is not counted (as in protoio). */
  constructor(maxSize: number, options: DelimitedReaderOptions = {}) {
    this.maxSize = maxSize;
    this.reuseBuffer = options.reuseBuffer ?? false;
    this.what = options.what ?? 'length-delimited message';
  }

  /**
   * The largest body the next message may declare. It may change between
   * messages, for protocols whose messages differ in bound by position (a
   * handshake's small first messages, then the session's).
   */
  get maxSize(): number {
    return this.limit;
  }

  set maxSize(maxSize: number) {
    if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
      throw new InvalidArgumentError(`DelimitedReader maxSize must be a non-negative safe integer, got ${maxSize}`);
    }
    if (this.scratch !== undefined && this.scratch.length < maxSize) this.scratch = undefined;
    this.limit = maxSize;
  }

  /** Bytes pushed but not yet returned (a partly read prefix or body included). */
  get bufferedBytes(): number {
    return this.unread;
  }

  /** Adds bytes from the stream. The chunk is referenced, not copied: it must not be modified afterwards. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.unread += chunk.length;
  }

  /** Where nextRange()'s message lies in the array it returned: [rangeStart, rangeEnd). */
  rangeStart = 0;
  rangeEnd = 0;

  /** The next complete message body, or undefined until more bytes arrive. */
  next(): Uint8Array | undefined {
    const buf = this.nextRange();
    if (buf === undefined) return undefined;
    const start = this.rangeStart;
    const end = this.rangeEnd;
    return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  }

  /**
   * next() without a view: returns the array holding the next message body
   * (a pushed chunk, or the copy of a body that spans chunks) and sets
   * rangeStart/rangeEnd to where the body lies in it; undefined until more
   * bytes arrive. For a parser that reads by offsets (MConnection's packets,
   * one view less per packet). The same validity rules as next() apply.
   */
  nextRange(): Uint8Array | undefined {
    if (this.unread === 0) return undefined;
    const chunks = this.chunks as Uint8Array[];
    let ci = this.first;
    let p = this.pos;
    let length = 0;
    let scale = 1;
    let prefix = 0;
    for (;;) {
      if (prefix === MAX_UVARINT_LENGTH) throw new InvalidVarintError(`${this.what} length prefix is longer than ${MAX_UVARINT_LENGTH} bytes`);
      while (p >= chunks[ci]!.length) {
        ci++;
        p = 0;
        if (ci >= chunks.length) return undefined;
      }
      const b = chunks[ci]![p++]!;
      // The 10th byte may only contribute bit 63; more is a 64-bit overflow (as Go's binary.ReadUvarint).
      if (prefix === MAX_UVARINT_LENGTH - 1 && b > 1) throw new InvalidVarintError(`${this.what} length prefix overflows a 64-bit uvarint`);
      prefix++;
      length += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) break;
    }
    if (length > this.limit) {
      throw new MessageTooLargeError(`${this.what} declares ${length} bytes; the limit is ${this.limit}`, length, this.limit);
    }
    if (this.unread - prefix < length) return undefined;
    this.unread -= prefix + length;
    if (length === 0) {
      this.advanceTo(ci, p);
      this.rangeStart = 0;
      this.rangeEnd = 0;
      return EMPTY;
    }
    if (p >= chunks[ci]!.length) {
      ci++;
      p = 0;
    }
    const chunk = chunks[ci]!;
    if (chunk.length - p >= length) {
      this.advanceTo(ci, p + length);
      this.rangeStart = p;
      this.rangeEnd = p + length;
      return chunk;
    }
    const out = this.reuseBuffer ? (this.scratch ??= new Uint8Array(this.limit)) : new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const source = chunks[ci]!;
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
    this.rangeStart = 0;
    this.rangeEnd = length;
    return out;
  }

  /**
   * Removes and returns every unread byte (as views of the pushed chunks), to
   * hand the rest of a stream to another parser after the last message this
   * reader should see (the handshake hands what follows it to the session).
   */
  takeBuffered(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = this.first; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const rest = i === this.first ? chunk.subarray(this.pos) : chunk;
      if (rest.length > 0) out.push(rest);
    }
    this.chunks = [];
    this.first = 0;
    this.pos = 0;
    this.unread = 0;
    return out;
  }

  /** Drops the chunks consumed before (ci, p), so their memory can be released. */
  private advanceTo(ci: number, p: number): void {
    const chunks = this.chunks;
    if (p >= chunks[ci]!.length) {
      ci++;
      p = 0;
    }
    for (let i = this.first; i < ci; i++) chunks[i] = undefined;
    this.first = ci;
    this.pos = p;
    if (ci >= chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (ci > 64 && ci * 2 > chunks.length) {
      // Compact now and then, so consumed slots go without an O(n) shift per message.
      this.chunks = chunks.slice(ci);
      this.first = 0;
    }
  }
}
