import { SEALED_FRAME_SIZE, type FrameOpener } from './frame-cipher.js';

const EMPTY = Buffer.alloc(0);

/**
 * Cuts the incoming byte stream into sealed frames and opens them. The whole
 * frames inside a socket chunk are opened straight from it in one batch;
 * only a frame split across chunks is first assembled in a reused 1044-byte
 * buffer. At most one partial frame is ever held.
 */
export class SealedFrameReader {
  private readonly partial = Buffer.allocUnsafe(SEALED_FRAME_SIZE);
  private partialLength = 0;

  constructor(private readonly opener: FrameOpener) {}

  /** Bytes of an incomplete frame waiting for the rest of it (0 at a frame boundary). */
  get pendingBytes(): number {
    return this.partialLength;
  }

  /**
   * Opens every frame completed by `chunk` and returns their payloads joined,
   * in order, in one buffer (empty when no frame completed or all were empty).
   * @throws FrameDecryptionError / FrameLengthError from the opener; the
   *   stream is unusable afterwards.
   */
  push(chunk: Uint8Array): Buffer {
    let pos = 0;
    let head: Buffer = EMPTY;
    if (this.partialLength > 0) {
      const part = Math.min(SEALED_FRAME_SIZE - this.partialLength, chunk.length);
      this.partial.set(part === chunk.length ? chunk : chunk.subarray(0, part), this.partialLength);
      this.partialLength += part;
      pos = part;
      if (this.partialLength < SEALED_FRAME_SIZE) return EMPTY;
      this.partialLength = 0;
      head = this.opener.openFrames(this.partial, 0, 1);
    }
    const whole = Math.floor((chunk.length - pos) / SEALED_FRAME_SIZE);
    const body = whole > 0 ? this.opener.openFrames(chunk, pos, whole) : EMPTY;
    pos += whole * SEALED_FRAME_SIZE;
    if (pos < chunk.length) {
      this.partial.set(chunk.subarray(pos), 0);
      this.partialLength = chunk.length - pos;
    }
    if (head.length === 0) return body;
    return body.length === 0 ? head : Buffer.concat([head, body]);
  }
}
