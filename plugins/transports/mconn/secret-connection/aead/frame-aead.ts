/**
 * IETF ChaCha20-Poly1305 over whole SecretConnection frames, a batch at a
 * time. Three backends compute the same bytes:
 *
 * - `sodium-native` (default): libsodium as a native addon, sealing and
 *   opening in place — about 1.5 µs per 1 KiB frame on our machine, no copy
 *   and no allocation per frame.
 * - `libsodium`: libsodium's WebAssembly build, working in a scratch region
 *   of its own memory (a copy in and out per batch), about 4 µs per frame.
 *   Used where the native addon cannot load.
 * - `node:crypto`: needs a new native cipher object per frame (the nonce
 *   changes every frame, and node:crypto cannot rekey a cipher), about 7–12 µs
 *   per frame plus short-lived native objects for the garbage collector. It is
 *   the fallback where neither of the others can run (e.g. `node --jitless --no-addons`).
 *
 * `TMP2P_FRAME_AEAD=sodium-native` (or `libsodium`, `node:crypto`) forces one.
 */

/** One direction's key, applied to whole frames. */
export interface FrameKey {
  /**
   * Seals `count` frames in place. Frame i occupies SEALED_FRAME_SIZE bytes
   * of `buf` from `offset + i * SEALED_FRAME_SIZE`: its TOTAL_FRAME_SIZE
   * plaintext bytes become ciphertext and the AEAD_TAG_SIZE bytes after them
   * receive its tag. Frame i takes the nonce of counter (lo, hi) + i, lo and
   * hi being the counter's uint32 halves.
   */
  sealFrames(buf: Uint8Array, offset: number, count: number, lo: number, hi: number): void;
  /**
   * Authenticates and decrypts `count` sealed frames of `sealed` from
   * `offset`, frame i under counter (lo, hi) + i, writing the TOTAL_FRAME_SIZE
   * plaintext bytes of frame i to `plain` at `plainOffset + i * plainStride`.
   * `plain` may be `sealed` itself with the same offset and a stride of
   * SEALED_FRAME_SIZE (in place); other overlaps are not allowed. Returns how
   * many frames authenticated before the first that did not — `count` when
   * all did; nothing at or after a failure is written.
   */
  openFrames(sealed: Uint8Array, offset: number, count: number, lo: number, hi: number, plain: Uint8Array, plainOffset: number, plainStride: number): number;
}

export type FrameAeadName = 'sodium-native' | 'libsodium' | 'node:crypto';

export interface FrameAeadBackend {
  readonly name: FrameAeadName;
  /** `key` is 32 bytes, checked by the caller. */
  key(key: Uint8Array): FrameKey;
}
