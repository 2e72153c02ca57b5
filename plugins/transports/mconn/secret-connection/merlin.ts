import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { Strobe128 } from './strobe.js';

/*
 * Merlin transcripts (merlin.cool) on STROBE-128, byte-compatible with
 * gtank/merlin and curve25519-voi's primitives/merlin used by CometBFT.
 */

const MERLIN_PROTOCOL = 'Merlin v1.0';
const encoder = new TextEncoder();
const asBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? encoder.encode(data) : data);

/** Merlin frames every length as a little-endian uint32. */
function le32(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InvalidArgumentError(`Merlin message and output lengths must fit in 32 bits, got ${n}`);
  }
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}

export class Transcript {
  private strobe: Strobe128;

  /** Starts a transcript bound to an application label (domain separation). */
  constructor(label: Uint8Array | string) {
    this.strobe = Strobe128.create(MERLIN_PROTOCOL);
    this.appendMessage('dom-sep', label);
  }

  /** Absorbs `message` under `label`. */
  appendMessage(label: Uint8Array | string, message: Uint8Array | string): void {
    const msg = asBytes(message);
    this.strobe.metaAD(label, false);
    this.strobe.metaAD(le32(msg.length), true);
    this.strobe.ad(msg, false);
  }

  /** Squeezes `length` challenge bytes bound to everything appended so far. */
  extractBytes(label: Uint8Array | string, length: number): Uint8Array {
    this.strobe.metaAD(label, false);
    this.strobe.metaAD(le32(length), true);
    return this.strobe.prf(length, false);
  }

  /** An independent copy of the transcript state. */
  clone(): Transcript {
    // Bypasses the constructor, which would absorb a new domain separator.
    const copy = Object.create(Transcript.prototype) as Transcript;
    copy.strobe = this.strobe.clone();
    return copy;
  }
}
