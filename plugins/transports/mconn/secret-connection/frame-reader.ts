import { SEALED_FRAME_SIZE, type FrameOpener } from './frame-cipher.js';

/**
 * Cuts the incoming byte stream into sealed frames and opens them. Frames
 * that lie inside one socket chunk are decrypted straight from it; only a
 * frame split across chunks is first assembled in a reused 1044-byte
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
   * Opens every frame completed by `chunk` and returns their payloads in
   * order (views of the decrypted frames; empty payloads are skipped).
   * @throws FrameDecryptionError / FrameLengthError from the opener; the
   *   stream is unusable afterwards.
   */
  push(chunk: Uint8Array): Buffer[] {
    const payloads: Buffer[] = [];
    let pos = 0;
    if (this.partialLength > 0) {
      const need = SEALED_FRAME_SIZE - this.partialLength;
      const part = Math.min(need, chunk.length);
      this.partial.set(part === chunk.length ? chunk : chunk.subarray(0, part), this.partialLength);
      this.partialLength += part;
      pos = part;
      if (this.partialLength < SEALED_FRAME_SIZE) return payloads;
      this.partialLength = 0;
      this.collect(this.opener.open(this.partial), payloads);
    }
    while (chunk.length - pos >= SEALED_FRAME_SIZE) {
      this.collect(this.opener.open(chunk.subarray(pos, pos + SEALED_FRAME_SIZE)), payloads);
      pos += SEALED_FRAME_SIZE;
    }
    if (pos < chunk.length) {
      this.partial.set(chunk.subarray(pos), 0);
      this.partialLength = chunk.length - pos;
    }
    return payloads;
  }

  private collect(payload: Buffer, into: Buffer[]): void {
    if (payload.length > 0) into.push(payload);
  }
}
