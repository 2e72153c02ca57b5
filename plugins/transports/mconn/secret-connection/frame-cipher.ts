import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { FrameDecryptionError, FrameLengthError, NonceExhaustedError } from './errors.js';

/*
 * SecretConnection data frames: a 1028-byte plaintext (LE uint32 payload
 * length, up to 1024 payload bytes, padding) sealed with IETF
 * ChaCha20-Poly1305 into 1044 bytes. There is no length prefix outside the
 * AEAD and no associated data. Each direction numbers its frames from 0; the
 * number is the nonce.
 */

export const DATA_LEN_SIZE = 4;
export const DATA_MAX_SIZE = 1024;
export const TOTAL_FRAME_SIZE = DATA_LEN_SIZE + DATA_MAX_SIZE;
export const AEAD_TAG_SIZE = 16;
export const SEALED_FRAME_SIZE = TOTAL_FRAME_SIZE + AEAD_TAG_SIZE;
export const NONCE_SIZE = 12;
export const MAX_FRAME_COUNTER = 0xffff_ffff_ffff_ffffn;

const ALGORITHM = 'chacha20-poly1305';
const CIPHER_OPTIONS = { authTagLength: AEAD_TAG_SIZE } as const;
const EMPTY = Buffer.alloc(0);

/** The 12-byte nonce of frame `counter`: 4 zero bytes, then the counter as LE uint64. */
export function frameNonce(counter: bigint): Uint8Array {
  if (typeof counter !== 'bigint' || counter < 0n || counter > MAX_FRAME_COUNTER) {
    throw new InvalidArgumentError(`a frame counter is an unsigned 64-bit integer, got ${String(counter)}`);
  }
  const nonce = new Uint8Array(NONCE_SIZE);
  new DataView(nonce.buffer).setBigUint64(4, counter, true);
  return nonce;
}

export interface FrameCipherOptions {
  /**
   * Counter of the first frame. Default 0n, as the protocol requires; other
   * values only exist so tests can reach the 2^64 - 1 limit.
   */
  readonly initialCounter?: bigint;
}

/**
 * One direction's key and frame counter. The counter is kept as two uint32
 * halves written into a reused nonce buffer, so advancing it allocates nothing.
 */
abstract class FrameCipherBase {
  protected readonly key: KeyObject;
  protected readonly nonce = Buffer.alloc(NONCE_SIZE);
  private lo = 0;
  private hi = 0;

  constructor(key: Uint8Array, options: FrameCipherOptions = {}) {
    if (!(key instanceof Uint8Array) || key.length !== 32) {
      throw new InvalidArgumentError(`a ChaCha20-Poly1305 key is 32 bytes, got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
    }
    this.key = createSecretKey(key);
    const start = options.initialCounter ?? 0n;
    frameNonce(start); // validates the range
    this.lo = Number(start & 0xffff_ffffn);
    this.hi = Number(start >> 32n);
    this.writeNonce();
  }

  /** Counter (= nonce) of the next frame. */
  get counter(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /**
   * Throws before the last counter value would be used: after it there is no
   * fresh nonce, and Go likewise never puts that frame on the wire.
   */
  protected checkCounter(): void {
    if (this.lo === 0xffff_ffff && this.hi === 0xffff_ffff) {
      throw new NonceExhaustedError('SecretConnection frame counter reached 2^64 - 1; the connection must be re-established');
    }
  }

  protected advance(): void {
    if (this.lo === 0xffff_ffff) {
      this.lo = 0;
      this.hi++;
    } else {
      this.lo++;
    }
    this.writeNonce();
  }

  private writeNonce(): void {
    this.nonce.writeUInt32LE(this.lo, 4);
    this.nonce.writeUInt32LE(this.hi, 8);
  }
}

/** Seals the outgoing byte stream into frames. */
export class FrameSealer extends FrameCipherBase {
  private readonly plain = Buffer.alloc(TOTAL_FRAME_SIZE);

  /** Wire size of `payloadBytes` bytes written in one call. */
  static sealedLength(payloadBytes: number): number {
    return Math.ceil(payloadBytes / DATA_MAX_SIZE) * SEALED_FRAME_SIZE;
  }

  /**
   * Seals `chunks` as one contiguous stream: frames are filled across chunk
   * boundaries, so only the last frame can be short. Returns a single buffer
   * (one allocation, one socket write). No bytes give no frame.
   */
  seal(chunks: Uint8Array | readonly Uint8Array[]): Buffer {
    const list: readonly Uint8Array[] = chunks instanceof Uint8Array ? [chunks] : chunks;
    let remaining = 0;
    for (const c of list) remaining += c.length;
    if (remaining === 0) return EMPTY;
    const out = Buffer.allocUnsafe(FrameSealer.sealedLength(remaining));
    const plain = this.plain;
    let ci = 0;
    let coff = 0;
    for (let off = 0; remaining > 0; off += SEALED_FRAME_SIZE) {
      const n = remaining < DATA_MAX_SIZE ? remaining : DATA_MAX_SIZE;
      plain.writeUInt32LE(n, 0);
      let filled = 0;
      while (filled < n) {
        const c = list[ci];
        const part = Math.min(c.length - coff, n - filled);
        plain.set(part === c.length ? c : c.subarray(coff, coff + part), DATA_LEN_SIZE + filled);
        filled += part;
        coff += part;
        if (coff === c.length) {
          ci++;
          coff = 0;
        }
      }
      // Padding is ignored by receivers; zeroing it keeps earlier payload out of later frames.
      if (n < DATA_MAX_SIZE) plain.fill(0, DATA_LEN_SIZE + n);
      this.sealFrame(plain, out, off);
      remaining -= n;
    }
    return out;
  }

  /**
   * Low-level: seals one complete 1028-byte plaintext frame (length field
   * included, not checked) into `out` at `offset`. Used by seal() and by
   * tests that need malformed frames.
   */
  sealFrame(plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    if (plaintext.length !== TOTAL_FRAME_SIZE) {
      throw new InvalidArgumentError(`a plaintext frame is ${TOTAL_FRAME_SIZE} bytes, got ${plaintext.length}`);
    }
    if (offset < 0 || offset + SEALED_FRAME_SIZE > out.length) {
      throw new InvalidArgumentError(`a sealed frame needs ${SEALED_FRAME_SIZE} bytes at offset ${offset} of a ${out.length}-byte buffer`);
    }
    this.checkCounter();
    const cipher = createCipheriv(ALGORITHM, this.key, this.nonce, CIPHER_OPTIONS);
    out.set(cipher.update(plaintext), offset);
    cipher.final();
    out.set(cipher.getAuthTag(), offset + TOTAL_FRAME_SIZE);
    this.advance();
  }
}

/** Opens the incoming frames, one at a time, in order. */
export class FrameOpener extends FrameCipherBase {
  /**
   * Authenticates and decrypts one sealed frame (exactly 1044 bytes) and
   * returns its payload as a view of the decrypted frame.
   * @throws FrameDecryptionError when authentication fails
   * @throws FrameLengthError when the length field exceeds 1024
   */
  open(sealed: Uint8Array): Buffer {
    const plain = this.openFrame(sealed);
    const length = plain.readUInt32LE(0);
    if (length > DATA_MAX_SIZE) {
      throw new FrameLengthError(`chunkLength is greater than dataMaxSize: frame ${this.counter - 1n} declares ${length} payload bytes, at most ${DATA_MAX_SIZE} are allowed`);
    }
    return plain.subarray(DATA_LEN_SIZE, DATA_LEN_SIZE + length);
  }

  /** Low-level: authenticates and decrypts one frame, returning all 1028 plaintext bytes. */
  openFrame(sealed: Uint8Array): Buffer {
    if (sealed.length !== SEALED_FRAME_SIZE) {
      throw new InvalidArgumentError(`a sealed frame is ${SEALED_FRAME_SIZE} bytes, got ${sealed.length}`);
    }
    this.checkCounter();
    const decipher = createDecipheriv(ALGORITHM, this.key, this.nonce, CIPHER_OPTIONS);
    decipher.setAuthTag(sealed.subarray(TOTAL_FRAME_SIZE));
    const plain = decipher.update(sealed.subarray(0, TOTAL_FRAME_SIZE));
    try {
      decipher.final();
    } catch (err) {
      throw new FrameDecryptionError(`failed to decrypt SecretConnection: frame ${this.counter} failed ChaCha20-Poly1305 authentication (tampered, out of order, or wrong key)`, { cause: err });
    }
    this.advance();
    return plain;
  }
}
