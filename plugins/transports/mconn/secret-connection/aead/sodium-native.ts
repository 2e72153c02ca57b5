import { AEAD_TAG_SIZE, NONCE_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE, writeFrameNonce } from '../frame-layout.js';
import { sodiumNativeStatus, type SodiumNative } from '../../../../../framework/crypto/sodium-native.js';
import type { FrameAeadBackend, FrameKey } from './frame-aead.js';

/**
 * ChaCha20-Poly1305 through libsodium's native addon: one call per frame,
 * straight on the caller's buffers (in place when sealing), so a frame costs
 * the cipher and a few views, and nothing is copied.
 */
class SodiumNativeFrameKey implements FrameKey {
  private readonly key: Buffer;
  private readonly nonce = Buffer.alloc(NONCE_SIZE);
  private readonly nonceView = new DataView(this.nonce.buffer, this.nonce.byteOffset, NONCE_SIZE);

  constructor(
    private readonly sodium: SodiumNative,
    key: Uint8Array,
  ) {
    this.key = Buffer.from(key);
  }

  sealFrames(buf: Uint8Array, offset: number, count: number, lo: number, hi: number): void {
    const { sodium, nonce, nonceView, key } = this;
    for (let i = 0; i < count; i++) {
      writeFrameNonce(nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const frame = buf.subarray(at, at + TOTAL_FRAME_SIZE);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(frame, buf.subarray(at + TOTAL_FRAME_SIZE, at + SEALED_FRAME_SIZE), frame, null, null, nonce, key);
    }
  }

  openFrames(sealed: Uint8Array, offset: number, count: number, lo: number, hi: number, plain: Uint8Array, plainOffset: number, plainStride: number): number {
    const { sodium, nonce, nonceView, key } = this;
    for (let i = 0; i < count; i++) {
      writeFrameNonce(nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const to = plainOffset + i * plainStride;
      try {
        // libsodium checks the tag before it writes any plaintext.
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          plain.subarray(to, to + TOTAL_FRAME_SIZE),
          null,
          sealed.subarray(at, at + TOTAL_FRAME_SIZE),
          sealed.subarray(at + TOTAL_FRAME_SIZE, at + TOTAL_FRAME_SIZE + AEAD_TAG_SIZE),
          null,
          nonce,
          key,
        );
      } catch {
        return i;
      }
    }
    return count;
  }
}

/** The native backend, or why there is none (see sodium-native.ts). */
export function sodiumNativeFrameAead(): FrameAeadBackend {
  const status = sodiumNativeStatus;
  if (!status.available) throw status.reason;
  const { sodium } = status;
  return { name: 'sodium-native', key: (key) => new SodiumNativeFrameKey(sodium, key) };
}
