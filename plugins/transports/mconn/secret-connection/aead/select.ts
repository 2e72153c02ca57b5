import { randomBytes } from 'node:crypto';
import { P2PError } from '../../../../../framework/errors/base.js';
import { SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../frame-layout.js';
import type { FrameAeadBackend, FrameAeadName } from './frame-aead.js';
import { loadLibsodiumFrameAead } from './libsodium.js';
import { nodeCryptoFrameAead } from './node-crypto.js';
import { sodiumNativeFrameAead } from './sodium-native.js';

/** The frame AEAD named by TMP2P_FRAME_AEAD could not be used. */
export class FrameAeadUnavailableError extends P2PError {
  override name = 'FrameAeadUnavailableError';
}

export interface FrameAeadStatus {
  readonly backend: FrameAeadName;
  /** Why the preferred backend (sodium-native) is not in use, when it is not; with `wasmFallbackReason` when libsodium's WebAssembly build is not either. */
  readonly fallbackReason?: Error;
  readonly wasmFallbackReason?: Error;
}

let selected: FrameAeadBackend | undefined;
let fallbackReason: Error | undefined;
let wasmFallbackReason: Error | undefined;

/**
 * A backend must produce node:crypto's bytes and open its own frames (also in
 * place) before it carries traffic: a broken build would otherwise only show
 * as peers failing every frame.
 */
function selfTest(backend: FrameAeadBackend): void {
  const key = randomBytes(32);
  const plain = randomBytes(2 * TOTAL_FRAME_SIZE);
  const laidOut = (): Buffer => {
    const buf = Buffer.alloc(2 * SEALED_FRAME_SIZE);
    for (let i = 0; i < 2; i++) buf.set(plain.subarray(i * TOTAL_FRAME_SIZE, (i + 1) * TOTAL_FRAME_SIZE), i * SEALED_FRAME_SIZE);
    return buf;
  };
  const [lo, hi] = [0xffff_ffff, 7]; // crosses into the high word between the two frames
  const expected = laidOut();
  nodeCryptoFrameAead.key(key).sealFrames(expected, 0, 2, lo, hi);
  const under = backend.key(key);
  const actual = laidOut();
  under.sealFrames(actual, 0, 2, lo, hi);
  const opened = Buffer.alloc(2 * TOTAL_FRAME_SIZE);
  if (!actual.equals(expected) || under.openFrames(actual, 0, 2, lo, hi, opened, 0, TOTAL_FRAME_SIZE) !== 2 || !opened.equals(plain)) {
    throw new FrameAeadUnavailableError(`${backend.name} does not agree with node:crypto on ChaCha20-Poly1305 frames`);
  }
  const inPlace = Buffer.from(actual);
  const frameAt = (i: number) => inPlace.subarray(i * SEALED_FRAME_SIZE, i * SEALED_FRAME_SIZE + TOTAL_FRAME_SIZE);
  if (under.openFrames(inPlace, 0, 2, lo, hi, inPlace, 0, SEALED_FRAME_SIZE) !== 2 || !Buffer.concat([frameAt(0), frameAt(1)]).equals(plain)) {
    throw new FrameAeadUnavailableError(`${backend.name} does not open frames in place`);
  }
  expected[5] ^= 1;
  if (under.openFrames(expected, 0, 2, lo, hi, opened, 0, TOTAL_FRAME_SIZE) !== 0) throw new FrameAeadUnavailableError(`${backend.name} accepted a tampered frame`);
}

function reasonOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function select(wanted: string | undefined): Promise<FrameAeadBackend> {
  if (wanted === 'node:crypto') return nodeCryptoFrameAead;
  if (wanted !== 'libsodium') {
    try {
      const native = sodiumNativeFrameAead();
      selfTest(native);
      return native;
    } catch (error) {
      if (wanted === 'sodium-native') throw new FrameAeadUnavailableError(`TMP2P_FRAME_AEAD=sodium-native, but it cannot be used: ${reasonOf(error).message}`, { cause: error });
      fallbackReason = reasonOf(error);
    }
  }
  try {
    const libsodium = await loadLibsodiumFrameAead();
    selfTest(libsodium);
    return libsodium;
  } catch (error) {
    if (wanted === 'libsodium') throw new FrameAeadUnavailableError(`TMP2P_FRAME_AEAD=libsodium, but it cannot be used: ${reasonOf(error).message}`, { cause: error });
    wasmFallbackReason = reasonOf(error);
    return nodeCryptoFrameAead;
  }
}

/**
 * Resolves with the backend new SecretConnections use. Loading starts when
 * this module is imported; a SecretConnection handshake awaits it, so real
 * connections never start before the choice is made. Rejects only when
 * TMP2P_FRAME_AEAD names a backend that cannot run (or an unknown one).
 */
export const frameAeadReady: Promise<FrameAeadBackend> = (async () => {
  const wanted = process.env.TMP2P_FRAME_AEAD;
  if (wanted !== undefined && wanted !== '' && wanted !== 'sodium-native' && wanted !== 'libsodium' && wanted !== 'node:crypto') {
    throw new FrameAeadUnavailableError(`TMP2P_FRAME_AEAD must be "sodium-native", "libsodium" or "node:crypto", got "${wanted}"`);
  }
  selected = await select(wanted);
  return selected;
})();
// Callers see the rejection through frameAeadReady; this keeps an unawaited import from crashing the process.
frameAeadReady.catch(() => {});

/** The backend chosen so far: node:crypto until the choice is made. */
export function currentFrameAead(): FrameAeadBackend {
  return selected ?? nodeCryptoFrameAead;
}

export function frameAeadStatus(): FrameAeadStatus {
  return { backend: currentFrameAead().name, fallbackReason, wasmFallbackReason };
}
