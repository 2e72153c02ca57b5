import { keccakP } from '@noble/hashes/sha3.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';

/*
 * STROBE-128 (v1.0.2) over Keccak-f[1600], restricted to the operations
 * Merlin uses (meta-AD, AD, PRF) plus KEY for the upstream sanity vector.
 * Byte-compatible with curve25519-voi's internal/strobe, which CometBFT uses.
 */

// noble's keccakP permutes 25 lanes stored as 50 uint32 words in little-endian
// word order. On a little-endian host a byte view of that buffer is exactly
// the FIPS-202 byte-serialised state, so STROBE can XOR bytes in place and
// permute without any conversion. Big-endian hosts would need a byte swap
// around every permutation; none is supported, so fail loudly instead.
if (new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] !== 0x04) {
  throw new Error('strobe.ts requires a little-endian host');
}

const FLAG_I = 0x01;
const FLAG_A = 0x02;
const FLAG_C = 0x04;
const FLAG_M = 0x10;

const STATE_BYTES = 200;
/** Rate during the initial absorb: 200 - 2 * (128 / 8). */
const INITIAL_RATE = 168;
/** Rate once initialized: two bytes are reserved for the padding below. */
const RATE = 166;
const INIT_BLOCK = Uint8Array.from([0x01, INITIAL_RATE, 0x01, 0x00, 0x01, 0x60, ...new TextEncoder().encode('STROBEv1.0.2')]);

const encoder = new TextEncoder();
const asBytes = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? encoder.encode(data) : data);

export class Strobe128 {
  private readonly state32: Uint32Array;
  private readonly state: Uint8Array;
  private pos = 0;
  private posBegin = 0;
  /** Flags of the last operation, checked when an operation continues with `more`. */
  private curFlags = -1;

  private constructor(source?: Strobe128) {
    this.state32 = source ? source.state32.slice() : new Uint32Array(STATE_BYTES / 4);
    this.state = new Uint8Array(this.state32.buffer);
    if (source) {
      this.pos = source.pos;
      this.posBegin = source.posBegin;
      this.curFlags = source.curFlags;
    }
  }

  /** A fresh STROBE-128 object bound to `protocol` (e.g. "Merlin v1.0"). */
  static create(protocol: Uint8Array | string): Strobe128 {
    const s = new Strobe128();
    s.state.set(INIT_BLOCK);
    // The init block is permuted without STROBE padding: the object is not yet initialized.
    keccakP(s.state32);
    s.operate(FLAG_A | FLAG_M, new Uint8Array(asBytes(protocol)), false);
    return s;
  }

  /** An independent copy; operations on it do not affect this object. */
  clone(): Strobe128 {
    return new Strobe128(this);
  }

  /** Meta associated data (framing, labels). Only read (no C flag), so not copied. */
  metaAD(data: Uint8Array | string, more: boolean): void {
    this.operate(FLAG_M | FLAG_A, asBytes(data), more);
  }

  /** Associated data. Only read (no C flag), so not copied. */
  ad(data: Uint8Array | string, more: boolean): void {
    this.operate(FLAG_A, asBytes(data), more);
  }

  /** Keys the state (overwrites rate bytes with the key). */
  key(data: Uint8Array | string, more: boolean): void {
    this.operate(FLAG_A | FLAG_C, new Uint8Array(asBytes(data)), more);
  }

  /** Pseudo-random output of `length` bytes. */
  prf(length: number, more: boolean): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(`STROBE PRF length must be a non-negative integer, got ${length}`);
    }
    const out = new Uint8Array(length);
    this.operate(FLAG_I | FLAG_A | FLAG_C, out, more);
    return out;
  }

  /** `data` is modified in place for C-flag operations (key, prf); those callers pass a private buffer. */
  private operate(flags: number, data: Uint8Array, more: boolean): void {
    if (more) {
      if (flags !== this.curFlags) {
        throw new InvalidArgumentError(`STROBE operation continued with flags 0x${flags.toString(16)} after 0x${this.curFlags.toString(16)}`);
      }
    } else {
      this.beginOp(flags);
      this.curFlags = flags;
    }
    this.duplex(data, (flags & FLAG_C) !== 0, false);
  }

  private beginOp(flags: number): void {
    const oldBegin = this.posBegin;
    this.posBegin = this.pos + 1;
    // Absorbs the two header bytes as duplex() would, without an array for them.
    const st = this.state;
    st[this.pos] ^= oldBegin;
    if (++this.pos === RATE) this.runF();
    st[this.pos] ^= flags;
    if (++this.pos === RATE) this.runF();
    // Cipher operations must start on a fresh block so their output does not depend on the header.
    if ((flags & FLAG_C) !== 0 && this.pos !== 0) this.runF();
  }

  private duplex(data: Uint8Array, cBefore: boolean, forceF: boolean): void {
    const st = this.state;
    for (let i = 0; i < data.length; i++) {
      if (cBefore) data[i] ^= st[this.pos];
      st[this.pos] ^= data[i];
      if (++this.pos === RATE) this.runF();
    }
    if (forceF && this.pos !== 0) this.runF();
  }

  private runF(): void {
    const st = this.state;
    st[this.pos] ^= this.posBegin;
    st[this.pos + 1] ^= 0x04;
    st[RATE + 1] ^= 0x80;
    keccakP(this.state32);
    this.pos = 0;
    this.posBegin = 0;
  }
}
