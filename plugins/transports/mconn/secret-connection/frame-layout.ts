import { InvalidArgumentError } from '../../../../framework/errors/base.js';

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
export const AEAD_KEY_SIZE = 32;
export const NONCE_SIZE = 12;
export const MAX_FRAME_COUNTER = 0xffff_ffff_ffff_ffffn;

/** The 12-byte nonce of frame `counter`: 4 zero bytes, then the counter as LE uint64. */
export function frameNonce(counter: bigint): Uint8Array {
  if (typeof counter !== 'bigint' || counter < 0n || counter > MAX_FRAME_COUNTER) {
    throw new InvalidArgumentError(`a frame counter is an unsigned 64-bit integer, got ${String(counter)}`);
  }
  const nonce = new Uint8Array(NONCE_SIZE);
  new DataView(nonce.buffer).setBigUint64(4, counter, true);
  return nonce;
}

/**
 * Writes the nonce of frame (lo, hi) + `step` into `view` at `offset`, where
 * lo and hi are the counter's uint32 halves: the bytes frameNonce() gives,
 * without a bigint per frame.
 */
export function writeFrameNonce(view: DataView, offset: number, lo: number, hi: number, step: number): void {
  let low = lo + step;
  let high = hi;
  if (low > 0xffff_ffff) {
    low -= 0x1_0000_0000;
    high++;
  }
  view.setUint32(offset, 0, true);
  view.setUint32(offset + 4, low, true);
  view.setUint32(offset + 8, high, true);
}
