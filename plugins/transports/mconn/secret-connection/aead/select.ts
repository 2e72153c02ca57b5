import { randomBytes } from 'node:crypto';
import { P2PError } from '../../../../../framework/errors/base.js';
import { SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../frame-layout.js';
import type { FrameAeadBackend, FrameAeadName } from './frame-aead.js';
import { loadLibsodiumFrameAead } from './libsodium.js';
import { nodeCryptoFrameAead } from './node-crypto.js';

/** The frame AEAD named by TMP2P_FRAME_AEAD could not be used. */
export class FrameAeadUnavailableError extends P2PError {
  override name = 'FrameAeadUnavailableError';
}

export interface FrameAeadStatus {
  readonly backend: FrameAeadName;
  /** Why libsodium is not in use, when it is not. */
  readonly fallbackReason?: Error;
}

let selected: FrameAeadBackend | undefined;
let fallbackReason: Error | undefined;

/**
 * A backend must produce node:crypto's bytes and open its own frames before it
 * carries traffic: a broken WebAssembly build would otherwise only show as
 * peers failing every frame.
 */
function selfTest(backend: FrameAeadBackend): void {
  const key = randomBytes(32);
  const plain = randomBytes(2 * TOTAL_FRAME_SIZE);
  const expected = new Uint8Array(2 * SEALED_FRAME_SIZE);
  const actual = new Uint8Array(2 * SEALED_FRAME_SIZE);
  const [lo, hi] = [0xffff_ffff, 7]; // crosses into the high word between the two frames
  nodeCryptoFrameAead.key(key).sealFrames(plain, 2, lo, hi, expected, 0);
  const under = backend.key(key);
  under.sealFrames(plain, 2, lo, hi, actual, 0);
  const opened = new Uint8Array(2 * TOTAL_FRAME_SIZE);
  if (!Buffer.from(actual).equals(expected) || under.openFrames(actual, 0, 2, lo, hi, opened) !== 2 || !Buffer.from(opened).equals(plain)) {
    throw new FrameAeadUnavailableError(`${backend.name} does not agree with node:crypto on ChaCha20-Poly1305 frames`);
  }
  actual[5] ^= 1;
  if (under.openFrames(actual, 0, 2, lo, hi, opened) !== 0) throw new FrameAeadUnavailableError(`${backend.name} accepted a tampered frame`);
}

async function select(wanted: string | undefined): Promise<FrameAeadBackend> {
  if (wanted === 'node:crypto') return nodeCryptoFrameAead;
  try {
    const libsodium = await loadLibsodiumFrameAead();
    selfTest(libsodium);
    return libsodium;
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    if (wanted === 'libsodium') throw new FrameAeadUnavailableError(`TMP2P_FRAME_AEAD=libsodium, but it cannot be used: ${reason.message}`, { cause: reason });
    fallbackReason = reason;
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
  if (wanted !== undefined && wanted !== '' && wanted !== 'libsodium' && wanted !== 'node:crypto') {
    throw new FrameAeadUnavailableError(`TMP2P_FRAME_AEAD must be "libsodium" or "node:crypto", got "${wanted}"`);
  }
  selected = await select(wanted);
  return selected;
})();
// Callers see the rejection through frameAeadReady; this keeps an unawaited import from crashing the process.
frameAeadReady.catch(() => {});

/** The backend chosen so far: node:crypto until libsodium has loaded. */
export function currentFrameAead(): FrameAeadBackend {
  return selected ?? nodeCryptoFrameAead;
}

export function frameAeadStatus(): FrameAeadStatus {
  return { backend: currentFrameAead().name, fallbackReason };
}
