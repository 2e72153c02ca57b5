/**
 * IETF ChaCha20-Poly1305 over whole SecretConnection frames, a batch at a
 * time. Two backends compute the same bytes:
 *
 * - `libsodium` (default): libsodium's WebAssembly build sealing frames in a
 *   scratch region of its own memory — about 2.5 µs per 1 KiB frame on our
 *   machine and no allocation per frame.
 * - `node:crypto`: needs a new native cipher object per frame (the nonce
 *   changes every frame, and node:crypto cannot rekey a cipher), about 7 µs
 *   per frame plus short-lived native objects for the garbage collector. It is
 *   the fallback where WebAssembly cannot run (e.g. `node --jitless`).
 *
 * `TMP2P_FRAME_AEAD=node:crypto` (or `libsodium`) forces one.
 */

/** One direction's key, applied to whole frames. */
export interface FrameKey {
  /**
   * Seals `count` plaintext frames (TOTAL_FRAME_SIZE bytes each, contiguous
   * in `plain` from 0) into `out` from `outOffset` (SEALED_FRAME_SIZE each).
   * Frame i takes the nonce of counter (lo, hi) + i, lo and hi being the
   * counter's uint32 halves.
   */
  sealFrames(plain: Uint8Array, count: number, lo: number, hi: number, out: Uint8Array, outOffset: number): void;
  /**
   * Authenticates and decrypts `count` sealed frames of `sealed` from
   * `offset` into `plain` (TOTAL_FRAME_SIZE each, from 0), frame i under
   * counter (lo, hi) + i. Returns how many frames authenticated before the
   * first that did not — `count` when all did; nothing after a failure is opened.
   */
  openFrames(sealed: Uint8Array, offset: number, count: number, lo: number, hi: number, plain: Uint8Array): number;
}

export type FrameAeadName = 'libsodium' | 'node:crypto';

export interface FrameAeadBackend {
  readonly name: FrameAeadName;
  /** `key` is 32 bytes, checked by the caller. */
  key(key: Uint8Array): FrameKey;
}
