import { SEALED_FRAME_SIZE, type FrameOpener } from './frame-cipher.js';

const EMPTY = Buffer.alloc(0);

export interface SealedFrameReaderOptions {
  /**
   * The chunks pushed belong to the reader (a socket's 'data' chunks: fresh
   * memory that nobody else reads), so whole frames are decrypted where they
   * lie and their payloads returned as views of the chunk — no allocation
   * and no copy. Default false: chunks are left untouched and payloads copied.
   */
  readonly ownsChunks?: boolean;
}

/**
 * Cuts the incoming byte stream into sealed frames and opens them. The whole
 * frames inside a socket chunk are opened straight from it in one batch;
 * only a frame split across chunks is first assembled in a reused 1044-byte
 * buffer, allocated the first time a frame is split (an idle connection's
 * pings arrive whole and never need it). At most one partial frame is ever held.
 */
export class SealedFrameReader {
  private partial: Buffer | undefined;
  private partialLength = 0;
  private readonly ownsChunks: boolean;

  constructor(
    private readonly opener: FrameOpener,
    options: SealedFrameReaderOptions = {},
  ) {
    this.ownsChunks = options.ownsChunks ?? false;
  }

  /** Bytes of an incomplete frame waiting for the rest of it (0 at a frame boundary). */
  get pendingBytes(): number {
    return this.partialLength;
  }

  /**
   * Opens every frame completed by `chunk` and hands their payloads to
   * `deliver`, in order: at most twice per chunk (the frame that an earlier
   * chunk began, then the whole frames of this one), never with an empty buffer.
   * @throws FrameDecryptionError / FrameLengthError from the opener; the
   *   stream is unusable afterwards.
   */
  read(chunk: Uint8Array, deliver: (payload: Buffer) => void): void {
    let pos = 0;
    if (this.partialLength > 0) {
      const partial = this.partial!;
      const part = Math.min(SEALED_FRAME_SIZE - this.partialLength, chunk.length);
      partial.set(part === chunk.length ? chunk : chunk.subarray(0, part), this.partialLength);
      this.partialLength += part;
      pos = part;
      if (this.partialLength < SEALED_FRAME_SIZE) return;
      this.partialLength = 0;
      // A copy: `partial` is reused for the next frame while the payload may still be queued downstream.
      const head = this.opener.openFrames(partial, 0, 1);
      if (head.length > 0) deliver(head);
    }
    const whole = Math.floor((chunk.length - pos) / SEALED_FRAME_SIZE);
    if (whole > 0) {
      const body = this.ownsChunks && Buffer.isBuffer(chunk) ? this.opener.openFramesInPlace(chunk, pos, whole) : this.opener.openFrames(chunk, pos, whole);
      if (body.length > 0) deliver(body);
    }
    pos += whole * SEALED_FRAME_SIZE;
    if (pos < chunk.length) {
      (this.partial ??= Buffer.allocUnsafe(SEALED_FRAME_SIZE)).set(chunk.subarray(pos), 0);
      this.partialLength = chunk.length - pos;
    }
  }

  /** read(), with the payloads joined in one buffer (empty when no frame completed or all were empty). */
  push(chunk: Uint8Array): Buffer {
    const parts: Buffer[] = [];
    this.read(chunk, (payload) => parts.push(payload));
    if (parts.length === 0) return EMPTY;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}
