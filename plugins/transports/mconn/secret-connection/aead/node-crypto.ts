import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { AEAD_TAG_SIZE, NONCE_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE, writeFrameNonce } from '../frame-layout.js';
import type { FrameAeadBackend, FrameKey } from './frame-aead.js';

const ALGORITHM = 'chacha20-poly1305';
const CIPHER_OPTIONS = { authTagLength: AEAD_TAG_SIZE } as const;

/** ChaCha20-Poly1305 through node:crypto (OpenSSL): one cipher object per frame. */
class NodeCryptoFrameKey implements FrameKey {
  private readonly key: KeyObject;
  private readonly nonce = Buffer.alloc(NONCE_SIZE);
  private readonly nonceView = new DataView(this.nonce.buffer, this.nonce.byteOffset, NONCE_SIZE);

  constructor(key: Uint8Array) {
    this.key = createSecretKey(key);
  }

  sealFrames(buf: Uint8Array, offset: number, count: number, lo: number, hi: number): void {
    for (let i = 0; i < count; i++) {
      writeFrameNonce(this.nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const cipher = createCipheriv(ALGORITHM, this.key, this.nonce, CIPHER_OPTIONS);
      buf.set(cipher.update(buf.subarray(at, at + TOTAL_FRAME_SIZE)), at);
      cipher.final();
      buf.set(cipher.getAuthTag(), at + TOTAL_FRAME_SIZE);
    }
  }

  openFrames(sealed: Uint8Array, offset: number, count: number, lo: number, hi: number, plain: Uint8Array, plainOffset: number, plainStride: number): number {
    for (let i = 0; i < count; i++) {
      writeFrameNonce(this.nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const decipher = createDecipheriv(ALGORITHM, this.key, this.nonce, CIPHER_OPTIONS);
      decipher.setAuthTag(sealed.subarray(at + TOTAL_FRAME_SIZE, at + SEALED_FRAME_SIZE));
      const opened = decipher.update(sealed.subarray(at, at + TOTAL_FRAME_SIZE));
      try {
        decipher.final();
      } catch {
        return i;
      }
      plain.set(opened, plainOffset + i * plainStride);
    }
    return count;
  }
}

export const nodeCryptoFrameAead: FrameAeadBackend = {
  name: 'node:crypto',
  key: (key) => new NodeCryptoFrameKey(key),
};
