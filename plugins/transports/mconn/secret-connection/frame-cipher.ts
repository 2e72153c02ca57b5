import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { FrameDecryptionError, FrameLengthError, NonceExhaustedError } from './errors.js';
import { AEAD_KEY_SIZE, DATA_LEN_SIZE, DATA_MAX_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from './frame-layout.js';
import type { FrameAeadBackend, FrameKey } from './aead/frame-aead.js';
import { currentFrameAead } from './aead/select.js';

export {
  AEAD_TAG_SIZE,
  DATA_LEN_SIZE,
  DATA_MAX_SIZE,
  MAX_FRAME_COUNTER,
  NONCE_SIZE,
  SEALED_FRAME_SIZE,
  TOTAL_FRAME_SIZE,
  frameNonce,
} from './frame-layout.js';

const EMPTY = Buffer.alloc(0);
/** Frames opened per call into the AEAD when they are opened into the staging region. */
const STAGED_FRAMES = 64;
/*
 * One staging region per thread for all connections: opening runs to
 * completion synchronously, so no two calls ever share it at once, and a
 * connection costs no 64 KiB buffer of its own (5,000 idle connections would
 * otherwise hold 330 MB of them). Sealing needs none: frames are laid out
 * and sealed in place in the output buffer.
 */
const openStaging = Buffer.alloc(STAGED_FRAMES * TOTAL_FRAME_SIZE);

export interface FrameCipherOptions {
  /**
   * Counter of the first frame. Default 0n, as the protocol requires; other
   * values only exist so tests can reach the 2^64 - 1 limit.
   */
  readonly initialCounter?: bigint;
  /** ChaCha20-Poly1305 implementation. Default: the one frameAeadReady chose (libsodium, else node:crypto). */
  readonly aead?: FrameAeadBackend;
}

/**
 * One direction's key and frame counter. The counter is kept as two uint32
 * halves, so advancing it allocates nothing.
 */
abstract class FrameCipherBase {
  protected readonly key: FrameKey;
  protected lo = 0;
  protected hi = 0;

  constructor(key: Uint8Array, options: FrameCipherOptions = {}) {
    if (!(key instanceof Uint8Array) || key.length !== AEAD_KEY_SIZE) {
      throw new InvalidArgumentError(`a ChaCha20-Poly1305 key is ${AEAD_KEY_SIZE} bytes, got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
    }
    const start = options.initialCounter ?? 0n;
    if (typeof start !== 'bigint' || start < 0n || start >= 0xffff_ffff_ffff_ffffn) {
      throw new InvalidArgumentError(`initialCounter must be a bigint in [0, 2^64 - 1), got ${String(start)}`);
    }
    this.key = (options.aead ?? currentFrameAead()).key(key);
    this.lo = Number(start & 0xffff_ffffn);
    this.hi = Number(start >> 32n);
  }

  /** Counter (= nonce) of the next frame. */
  get counter(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /**
   * Frames left before the last counter value, which is never used: after it
   * there is no fresh nonce, and Go likewise never puts that frame on the wire.
   */
  protected framesLeft(): number {
    if (this.hi < 0xffff_ffff) return Number.MAX_SAFE_INTEGER;
    return 0xffff_ffff - this.lo;
  }

  /** Throws unless `count` more frames can be numbered. */
  protected reserve(count: number): void {
    if (count > this.framesLeft()) {
      throw new NonceExhaustedError('SecretConnection frame counter reached 2^64 - 1; the connection must be re-established');
    }
  }

  protected advance(count: number): void {
    const lo = this.lo + count;
    this.hi += Math.floor(lo / 0x1_0000_0000);
    this.lo = lo % 0x1_0000_0000;
  }
}

function totalLength(list: readonly Uint8Array[]): number {
  let total = 0;
  for (const c of list) total += c.length;
  return total;
}

/** Seals the outgoing byte stream into frames. */
export class FrameSealer extends FrameCipherBase {

  /** Wire size of `payloadBytes` bytes written in one call. */
  static sealedLength(payloadBytes: number): number {
    return Math.ceil(payloadBytes / DATA_MAX_SIZE) * SEALED_FRAME_SIZE;
  }

  /**
   * Seals `chunks` as one contiguous stream: frames are filled across chunk
   * boundaries, so only the last frame can be short. Returns a single buffer
   * (one allocation, one socket write). No bytes give no frame.
   * @throws NonceExhaustedError before numbering the frame 2^64 - 1 would need (nothing is sealed then)
   */
  seal(chunks: Uint8Array | readonly Uint8Array[]): Buffer {
    const list: readonly Uint8Array[] = chunks instanceof Uint8Array ? [chunks] : chunks;
    const length = totalLength(list);
    if (length === 0) return EMPTY;
    const out = Buffer.allocUnsafe(FrameSealer.sealedLength(length));
    this.sealInto(list, out);
    return out;
  }

  /**
   * seal() into a caller's buffer, which must hold sealedLength() of the
   * chunks' total; returns the bytes written there. Each frame's plaintext
   * is laid out where its ciphertext goes and sealed in place, so the
   * payload is copied once, from the chunks into `out`.
   */
  sealInto(list: readonly Uint8Array[], out: Uint8Array): number {
    let remaining = totalLength(list);
    if (remaining === 0) return 0;
    const frames = Math.ceil(remaining / DATA_MAX_SIZE);
    const sealedLength = frames * SEALED_FRAME_SIZE;
    if (out.length < sealedLength) throw new InvalidArgumentError(`sealing ${remaining} bytes needs a ${sealedLength}-byte buffer, got ${out.length} bytes`);
    this.reserve(frames);
    let ci = 0;
    let coff = 0;
    for (let base = 0; remaining > 0; base += SEALED_FRAME_SIZE) {
      const n = remaining < DATA_MAX_SIZE ? remaining : DATA_MAX_SIZE;
      // The length field, little-endian (n < 2^16).
      out[base] = n & 0xff;
      out[base + 1] = n >>> 8;
      out[base + 2] = 0;
      out[base + 3] = 0;
      let filled = 0;
      while (filled < n) {
        const c = list[ci];
        const part = Math.min(c.length - coff, n - filled);
        out.set(part === c.length ? c : c.subarray(coff, coff + part), base + DATA_LEN_SIZE + filled);
        filled += part;
        coff += part;
        if (coff === c.length) {
          ci++;
          coff = 0;
        }
      }
      // Padding is ignored by receivers; zeroing it keeps earlier bytes of `out` off the wire.
      if (n < DATA_MAX_SIZE) out.fill(0, base + DATA_LEN_SIZE + n, base + TOTAL_FRAME_SIZE);
      remaining -= n;
    }
    this.key.sealFrames(out, 0, frames, this.lo, this.hi);
    this.advance(frames);
    return sealedLength;
  }

  /**
   * Low-level: seals one complete 1028-byte plaintext frame (length field
   * included, not checked) into `out` at `offset`. Used by tests that need
   * malformed frames.
   */
  sealFrame(plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    if (plaintext.length !== TOTAL_FRAME_SIZE) {
      throw new InvalidArgumentError(`a plaintext frame is ${TOTAL_FRAME_SIZE} bytes, got ${plaintext.length}`);
    }
    if (offset < 0 || offset + SEALED_FRAME_SIZE > out.length) {
      throw new InvalidArgumentError(`a sealed frame needs ${SEALED_FRAME_SIZE} bytes at offset ${offset} of a ${out.length}-byte buffer`);
    }
    this.reserve(1);
    out.set(plaintext, offset);
    this.key.sealFrames(out, offset, 1, this.lo, this.hi);
    this.advance(1);
  }
}

/** Opens the incoming frames in order. */
export class FrameOpener extends FrameCipherBase {

  /**
   * Authenticates and decrypts one sealed frame (exactly 1044 bytes) and
   * returns a copy of its payload.
   * @throws FrameDecryptionError when authentication fails
   * @throws FrameLengthError when the length field exceeds 1024
   */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length !== SEALED_FRAME_SIZE) {
      throw new InvalidArgumentError(`a sealed frame is ${SEALED_FRAME_SIZE} bytes, got ${sealed.length}`);
    }
    return this.openFrames(sealed, 0, 1);
  }

  /**
   * Opens `count` consecutive sealed frames of `source` from `offset` and
   * returns their payloads joined in one buffer (one allocation; frames carry
   * no message boundaries anyway). `source` is left as it was.
   * @throws FrameDecryptionError / FrameLengthError naming the frame; the stream is unusable afterwards
   */
  openFrames(source: Uint8Array, offset: number, count: number): Buffer {
    this.checkRange(source, offset, count);
    this.reserve(count);
    if (count <= STAGED_FRAMES) return this.openStaged(source, offset, count);
    const parts: Buffer[] = [];
    for (let done = 0; done < count; done += STAGED_FRAMES) {
      parts.push(this.openStaged(source, offset + done * SEALED_FRAME_SIZE, Math.min(STAGED_FRAMES, count - done)));
    }
    return Buffer.concat(parts);
  }

  /**
   * openFrames() without a copy: the frames are decrypted where they lie in
   * `source` and their payloads moved together to the front of the region,
   * which is returned as a view of `source`. For buffers nobody else reads
   * (a socket's chunks); the region's bytes are overwritten.
   * @throws FrameDecryptionError / FrameLengthError naming the frame; the stream is unusable afterwards
   */
  openFramesInPlace(source: Buffer, offset: number, count: number): Buffer {
    this.checkRange(source, offset, count);
    this.reserve(count);
    this.decrypt(source, offset, count, source, offset, SEALED_FRAME_SIZE);
    this.checkLengths(source, offset, count, SEALED_FRAME_SIZE);
    let at = offset;
    for (let i = 0; i < count; i++) {
      const base = offset + i * SEALED_FRAME_SIZE + DATA_LEN_SIZE;
      const length = source.readUInt32LE(base - DATA_LEN_SIZE);
      // Payloads only move towards the front (at <= base), so copyWithin never reads what it already overwrote.
      if (at !== base) source.copyWithin(at, base, base + length);
      at += length;
    }
    return at === offset ? EMPTY : source.subarray(offset, at);
  }

  /**
   * Low-level: authenticates and decrypts one frame, returning all 1028
   * plaintext bytes (a copy), length field unchecked. For tests.
   */
  openFrame(sealed: Uint8Array): Buffer {
    if (sealed.length !== SEALED_FRAME_SIZE) {
      throw new InvalidArgumentError(`a sealed frame is ${SEALED_FRAME_SIZE} bytes, got ${sealed.length}`);
    }
    this.reserve(1);
    this.decrypt(sealed, 0, 1, openStaging, 0, TOTAL_FRAME_SIZE);
    return Buffer.from(openStaging.subarray(0, TOTAL_FRAME_SIZE));
  }

  private openStaged(source: Uint8Array, offset: number, count: number): Buffer {
    this.decrypt(source, offset, count, openStaging, 0, TOTAL_FRAME_SIZE);
    const opened = openStaging;
    const total = this.checkLengths(opened, 0, count, TOTAL_FRAME_SIZE);
    if (total === 0) return EMPTY;
    const payloads = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const base = i * TOTAL_FRAME_SIZE;
      const length = opened.readUInt32LE(base);
      opened.copy(payloads, at, base + DATA_LEN_SIZE, base + DATA_LEN_SIZE + length);
      at += length;
    }
    return payloads;
  }

  private checkRange(source: Uint8Array, offset: number, count: number): void {
    if (!(offset >= 0 && count >= 0 && offset + count * SEALED_FRAME_SIZE <= source.length)) {
      throw new InvalidArgumentError(`${count} sealed frames at offset ${offset} do not fit a ${source.length}-byte buffer`);
    }
  }

  /**
   * Checks the length field of `count` opened frames (at `stride` from
   * `offset` in `opened`) and returns their payload total.
   * @throws FrameLengthError naming the first frame that declares more than a frame carries
   */
  private checkLengths(opened: Buffer, offset: number, count: number, stride: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const length = opened.readUInt32LE(offset + i * stride);
      if (length > DATA_MAX_SIZE) {
        throw new FrameLengthError(`chunkLength is greater than dataMaxSize: frame ${this.counter - BigInt(count - i)} declares ${length} payload bytes, at most ${DATA_MAX_SIZE} are allowed`);
      }
      total += length;
    }
    return total;
  }

  /** Decrypts into `plain` (see FrameKey.openFrames) and advances the counter past them, or throws naming the frame that failed. */
  private decrypt(source: Uint8Array, offset: number, count: number, plain: Uint8Array, plainOffset: number, plainStride: number): void {
    const ok = this.key.openFrames(source, offset, count, this.lo, this.hi, plain, plainOffset, plainStride);
    if (ok < count) {
      this.advance(ok);
      throw new FrameDecryptionError(`failed to decrypt SecretConnection: frame ${this.counter} failed ChaCha20-Poly1305 authentication (tampered, out of order, or wrong key)`);
    }
    this.advance(count);
  }
}
