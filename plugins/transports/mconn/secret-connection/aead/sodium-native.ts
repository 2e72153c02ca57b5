import { AEAD_TAG_SIZE, NONCE_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE, writeFrameNonce } from '../frame-layout.js';
import { InvalidArgumentError } from '../../../../../framework/errors/base.js';
import { sodiumNativeStatus, type SodiumFrameCalls } from '../../../../../framework/crypto/sodium-native.js';
import type { FrameAeadBackend, FrameKey } from './frame-aead.js';

/**
 * ChaCha20-Poly1305 through libsodium's native addon: one call per frame,
 * straight on the caller's buffers (in place when sealing), so a frame costs
 * the cipher and a few views, and nothing is copied. The calls are the
 * addon's unchecked ones, so each batch's range is checked here first:
 * every view below then has exactly its size.
 */
class SodiumNativeFrameKey implements FrameKey {
  private readonly key: Buffer;
  private readonly nonce = Buffer.alloc(NONCE_SIZE);
  private readonly nonceView = new DataView(this.nonce.buffer, this.nonce.byteOffset, NONCE_SIZE);

  constructor(
    private readonly calls: SodiumFrameCalls,
    key: Uint8Array,
  ) {
    // Memory of its own (not a slice of Node's 8 KiB pool slab, which one long-lived key keeps
    // alive whole: 2.7 KB per connection of slabs held by the two keys).
    this.key = Buffer.allocUnsafeSlow(key.length);
    this.key.set(key);
  }

  sealFrames(buffer: Uint8Array, offset: number, count: number, lo: number, hi: number): void {
    checkRegion(buffer, offset, count, SEALED_FRAME_SIZE, SEALED_FRAME_SIZE);
    const { calls, nonce, nonceView, key } = this;
    if (offset === 0 && buffer.length >= CACHED_VIEWS_MIN_BYTES) {
      // The sealed-write buffers are recycled: their frame and tag views are made once, not twice per frame.
      const views = frameViewsOf(buffer, count);
      const { frames, tags } = views;
      for (let i = 0; i < count; i++) {
        writeFrameNonce(nonceView, 0, lo, hi, i);
        const frame = frames[i]!;
        if (calls.seal(frame, tags[i]!, frame, nonce, key) !== 0) throw new Error('libsodium failed to seal a frame');
      }
      return;
    }
    const buf = plainView(buffer);
    for (let i = 0; i < count; i++) {
      writeFrameNonce(nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const frame = buf.subarray(at, at + TOTAL_FRAME_SIZE);
      if (calls.seal(frame, buf.subarray(at + TOTAL_FRAME_SIZE, at + SEALED_FRAME_SIZE), frame, nonce, key) !== 0) throw new Error('libsodium failed to seal a frame');
    }
  }

  openFrames(sealedBuffer: Uint8Array, offset: number, count: number, lo: number, hi: number, plainBuffer: Uint8Array, plainOffset: number, plainStride: number): number {
    checkRegion(sealedBuffer, offset, count, SEALED_FRAME_SIZE, SEALED_FRAME_SIZE);
    checkRegion(plainBuffer, plainOffset, count, plainStride, TOTAL_FRAME_SIZE);
    const { calls, nonce, nonceView, key } = this;
    const inPlace = plainBuffer === sealedBuffer && plainOffset === offset && plainStride === SEALED_FRAME_SIZE;
    const sealed = plainView(sealedBuffer);
    const plain = inPlace ? sealed : plainView(plainBuffer);
    for (let i = 0; i < count; i++) {
      writeFrameNonce(nonceView, 0, lo, hi, i);
      const at = offset + i * SEALED_FRAME_SIZE;
      const to = plainOffset + i * plainStride;
      const ciphertext = sealed.subarray(at, at + TOTAL_FRAME_SIZE);
      // libsodium checks the tag before it writes any plaintext.
      const status = calls.open(inPlace ? ciphertext : plain.subarray(to, to + TOTAL_FRAME_SIZE), ciphertext, sealed.subarray(at + TOTAL_FRAME_SIZE, at + TOTAL_FRAME_SIZE + AEAD_TAG_SIZE), nonce, key);
      if (status !== 0) return i;
    }
    return count;
  }
}

/** Views of a buffer's first frames (plaintext+ciphertext region, and tag), grown as batches need more. */
interface FrameViews {
  readonly frames: Uint8Array[];
  readonly tags: Uint8Array[];
}

/**
 * Buffers at least this large get their views cached: the recycled sealed-write buffers (136 KiB).
 * A small one-off buffer (a handshake message, a lone ping or pong) is sealed once, so caching its
 * views would only add work.
 */
const CACHED_VIEWS_MIN_BYTES = 16 * SEALED_FRAME_SIZE;

/** Per buffer, weakly: a recycled buffer keeps its views for as long as it lives, a one-off buffer drops them with itself. */
const frameViewCache = new WeakMap<Uint8Array, FrameViews>();

/**
 * The views of `buffer`'s first `count` frames (checkRegion has checked they fit). The views are
 * over the buffer's fixed bytes (a Uint8Array's buffer, offset and length never change), so they
 * stay right for every later batch sealed into it.
 */
function frameViewsOf(buffer: Uint8Array, count: number): FrameViews {
  let views = frameViewCache.get(buffer);
  if (views === undefined) {
    views = { frames: [], tags: [] };
    frameViewCache.set(buffer, views);
  }
  const { frames, tags } = views;
  for (let i = frames.length; i < count; i++) {
    const at = buffer.byteOffset + i * SEALED_FRAME_SIZE;
    frames.push(new Uint8Array(buffer.buffer, at, TOTAL_FRAME_SIZE));
    tags.push(new Uint8Array(buffer.buffer, at + TOTAL_FRAME_SIZE, AEAD_TAG_SIZE));
  }
  return views;
}

/** A plain Uint8Array over the same bytes: its subarray() is cheaper than a Buffer's, and a frame takes two or three. */
function plainView(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Refuses a batch whose last frame (`size` bytes at `stride`) would not lie wholly inside `buf`: the unchecked calls must never see a short view. */
function checkRegion(buf: Uint8Array, offset: number, count: number, stride: number, size: number): void {
  if (!(Number.isInteger(offset) && Number.isInteger(count) && offset >= 0 && count >= 0 && stride >= size && (count === 0 || offset + (count - 1) * stride + size <= buf.length))) {
    throw new InvalidArgumentError(`${count} frames of ${size} bytes at ${offset} (stride ${stride}) do not fit a ${buf.length}-byte buffer`);
  }
}

/**
 * The native backend, or why there is none (see framework/crypto/sodium-native.ts).
 * `calls` defaults to the addon's unchecked calls (its checked ones where those failed their test).
 */
export function sodiumNativeFrameAead(calls?: SodiumFrameCalls): FrameAeadBackend {
  const status = sodiumNativeStatus();
  if (!status.available) throw status.reason;
  const frames = calls ?? status.frames;
  return { name: 'sodium-native', key: (key) => new SodiumNativeFrameKey(frames, key) };
}
