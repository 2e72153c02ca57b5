import { randomBytes } from 'node:crypto';
import * as libsodiumPackage from 'libsodium';
import type { LibsodiumModule } from 'libsodium';
import { AEAD_KEY_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE, writeFrameNonce } from '../frame-layout.js';
import type { FrameAeadBackend, FrameKey } from './frame-aead.js';

/** Frames sealed or opened per pass through the scratch region (64 KiB of plaintext). */
const BATCH_FRAMES = 64;

/**
 * One scratch region per libsodium instance (so per thread), shared by every
 * key: JavaScript runs one batch at a time, and nothing per connection lives
 * in WebAssembly memory, so closing a connection frees nothing there.
 * Layout: key (32) | nonce (16, 12 used) | plaintext frames | sealed frames.
 */
class Scratch {
  readonly key: number;
  readonly nonce: number;
  readonly plain: number;
  readonly sealed: number;
  private viewBuffer: ArrayBufferLike | undefined;
  private viewCache: DataView | undefined;

  constructor(lib: LibsodiumModule) {
    const base = lib._malloc(AEAD_KEY_SIZE + 16 + BATCH_FRAMES * (TOTAL_FRAME_SIZE + SEALED_FRAME_SIZE));
    if (base === 0) throw new Error('libsodium could not allocate its frame scratch region');
    this.key = base;
    this.nonce = base + AEAD_KEY_SIZE;
    this.plain = this.nonce + 16;
    this.sealed = this.plain + BATCH_FRAMES * TOTAL_FRAME_SIZE;
  }

  /** A DataView of the current memory (growth replaces the buffer). */
  view(heap: Uint8Array): DataView {
    if (this.viewBuffer !== heap.buffer) {
      this.viewBuffer = heap.buffer;
      this.viewCache = new DataView(heap.buffer);
    }
    return this.viewCache!;
  }
}

class LibsodiumFrameKey implements FrameKey {
  private readonly keyBytes: Uint8Array;

  constructor(
    private readonly lib: LibsodiumModule,
    private readonly scratch: Scratch,
    key: Uint8Array,
  ) {
    this.keyBytes = Uint8Array.from(key);
  }

  sealFrames(buf: Uint8Array, offset: number, count: number, lo: number, hi: number): void {
    const { lib, scratch } = this;
    this.withKey((heap, view) => {
      for (let done = 0; done < count; ) {
        const n = Math.min(count - done, BATCH_FRAMES);
        const from = offset + done * SEALED_FRAME_SIZE;
        heap.set(buf.subarray(from, from + n * SEALED_FRAME_SIZE), scratch.sealed);
        for (let i = 0; i < n; i++) {
          writeFrameNonce(view, scratch.nonce, lo, hi, done + i);
          const c = scratch.sealed + i * SEALED_FRAME_SIZE;
          lib._crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, c + TOTAL_FRAME_SIZE, 0, c, TOTAL_FRAME_SIZE, 0, 0, 0, 0, 0, scratch.nonce, scratch.key);
        }
        buf.set(heap.subarray(scratch.sealed, scratch.sealed + n * SEALED_FRAME_SIZE), from);
        done += n;
      }
    });
  }

  openFrames(sealed: Uint8Array, offset: number, count: number, lo: number, hi: number, plain: Uint8Array, plainOffset: number, plainStride: number): number {
    const { lib, scratch } = this;
    return this.withKey((heap, view) => {
      for (let done = 0; done < count; ) {
        const n = Math.min(count - done, BATCH_FRAMES);
        const from = offset + done * SEALED_FRAME_SIZE;
        heap.set(sealed.subarray(from, from + n * SEALED_FRAME_SIZE), scratch.sealed);
        let ok = 0;
        for (; ok < n; ok++) {
          writeFrameNonce(view, scratch.nonce, lo, hi, done + ok);
          const c = scratch.sealed + ok * SEALED_FRAME_SIZE;
          const status = lib._crypto_aead_chacha20poly1305_ietf_decrypt_detached(scratch.plain + ok * TOTAL_FRAME_SIZE, 0, c, TOTAL_FRAME_SIZE, 0, c + TOTAL_FRAME_SIZE, 0, 0, 0, scratch.nonce, scratch.key);
          if (status !== 0) break;
        }
        for (let i = 0; i < ok; i++) {
          const p = scratch.plain + i * TOTAL_FRAME_SIZE;
          plain.set(heap.subarray(p, p + TOTAL_FRAME_SIZE), plainOffset + (done + i) * plainStride);
        }
        if (ok < n) return done + ok;
        done += n;
      }
      return count;
    });
  }

  /** Puts the key into the scratch region for `run`, and wipes it afterwards whatever happens. */
  private withKey<T>(run: (heap: Uint8Array, view: DataView) => T): T {
    const heap = this.lib.HEAPU8;
    heap.set(this.keyBytes, this.scratch.key);
    try {
      return run(heap, this.scratch.view(heap));
    } finally {
      heap.fill(0, this.scratch.key, this.scratch.key + AEAD_KEY_SIZE);
    }
  }
}

/**
 * The package's ES module exports Emscripten's factory; its CommonJS build
 * (what a CommonJS loader such as tsx's gets) exports the instance itself.
 */
async function instantiate(): Promise<LibsodiumModule> {
  const exported = (libsodiumPackage as { default?: unknown }).default ?? libsodiumPackage;
  if (typeof exported === 'function') {
    return (exported as typeof libsodiumPackage.default)({ getRandomValue: () => randomBytes(4).readUInt32LE(0) });
  }
  const instance = exported as LibsodiumModule & { ready?: Promise<unknown> };
  await instance.ready;
  return instance;
}

/** Instantiates libsodium's WebAssembly module (one per thread) with one scratch region. */
export async function loadLibsodiumFrameAead(): Promise<FrameAeadBackend> {
  const lib = await instantiate();
  if (lib._sodium_init() < 0) throw new Error('sodium_init() failed');
  const scratch = new Scratch(lib);
  return { name: 'libsodium', key: (key) => new LibsodiumFrameKey(lib, scratch, key) };
}
