import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomFillSync, type KeyObject } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { LowOrderPointError } from './errors.js';
import { sodiumNative, type SodiumNative } from '../../../../framework/crypto/sodium-native.js';

/*
 * The key material of one SecretConnection handshake: ephemeral X25519 keys,
 * the DH secret, and the HKDF split into per-direction AEAD keys, on the
 * connection-setup hot path. libsodium's native addon does the curve
 * arithmetic on raw bytes (a key pair 20 µs, a DH 35 µs, no key objects);
 * where it is not loaded, node:crypto (OpenSSL) does, through imported key
 * objects (about twice the cost) — both an order of magnitude faster than a
 * JavaScript X25519.
 *
 * No key comes from node:crypto's key-pair generation: on Node 20 a garbage
 * collection that runs while a key-generation job's key is exported can deadlock the
 * main thread for good (a native mutex taken again in the job's destructor),
 * and a remote peer can drive that path at the rate it opens handshakes. The
 * scalar comes from the CSPRNG and is imported as a plain key instead, which
 * runs no job (test/unit/plugins/transports/mconn/secret-connection/keygen-stall.test.ts; a test of
 * the sources keeps key-pair generation out of framework/, plugins/, reactors/).
 */

export const X25519_KEY_LENGTH = 32;
export const AEAD_KEY_LENGTH = 32;
const HKDF_INFO = new TextEncoder().encode('TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN');

export interface EphemeralKeyPair {
  /** Raw 32-byte X25519 public key (u-coordinate, little-endian). */
  readonly publicKey: Uint8Array;
  /** The raw scalar (sodium-native), or node:crypto's key object of it. Wiped by wipeEphemeralKeyPair(). */
  readonly privateKey: KeyObject | Uint8Array;
}

/** How an ephemeral key pair is made and used: libsodium's addon, node:crypto, or node:crypto with the public half computed in JavaScript. */
export type X25519Backend = 'sodium-native' | 'node:crypto' | 'javascript';

function checkKey(what: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_LENGTH) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new InvalidArgumentError(`${what} must be ${X25519_KEY_LENGTH} bytes, got ${got}`);
  }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

// Raw keys go in and out of node:crypto as JWK: OpenSSL 3's DER decoders cost
// ~70-450 µs per key, JWK a few µs on top of the curve arithmetic.
//
// Importing a private key derives its public half (OpenSSL computes it from
// the scalar), so the public key is read back from the import instead of
// being computed twice. JWK demands an `x` member beside `d`; Node 20 checks
// only that it is a string and uses the derived key. Whether this Node still
// does is checked once against RFC 7748's vector; if not, `x` is computed in
// JavaScript (noble) first, which is slower but equally correct.
const RFC7748_SCALAR = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
const RFC7748_PUBLIC = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');

function importPrivate(scalar: Uint8Array, x: string): EphemeralKeyPair {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(scalar), x }, format: 'jwk' });
  return { privateKey, publicKey: new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url')) };
}

function nodeDerivesPublicHalf(): boolean {
  try {
    return Buffer.from(importPrivate(RFC7748_SCALAR, '').publicKey).equals(RFC7748_PUBLIC);
  } catch {
    return false;
  }
}

/** How the public half of an imported scalar is found; 'javascript' only where Node stopped deriving it. */
export const x25519PublicDerivation: 'node:crypto' | 'javascript' = nodeDerivesPublicHalf() ? 'node:crypto' : 'javascript';

/** The backend handshakes use: sodium-native where it loads, else node:crypto (decided once, when the transport loads). */
export const x25519Backend: X25519Backend = sodiumNative() !== undefined ? 'sodium-native' : x25519PublicDerivation;

function requireSodium(): SodiumNative {
  const sodium = sodiumNative();
  if (sodium === undefined) throw new InvalidArgumentError('the sodium-native X25519 backend is not loaded here');
  return sodium;
}

/** The key pair of `scalar` (clamped by X25519 itself), without any key-generation job. The scalar is copied. */
export function keyPairFromScalar(scalar: Uint8Array, backend: X25519Backend = x25519Backend): EphemeralKeyPair {
  checkKey('an X25519 private key', scalar);
  if (backend === 'sodium-native') {
    const privateKey = Uint8Array.from(scalar);
    const publicKey = new Uint8Array(X25519_KEY_LENGTH);
    requireSodium().crypto_scalarmult_base(publicKey, privateKey);
    return { privateKey, publicKey };
  }
  return importPrivate(scalar, backend === 'node:crypto' ? '' : base64url(x25519.getPublicKey(scalar)));
}

/** Zeroes a sodium-native pair's scalar once the handshake no longer needs it (a key object cannot be wiped). */
export function wipeEphemeralKeyPair(pair: EphemeralKeyPair): void {
  if (pair.privateKey instanceof Uint8Array) pair.privateKey.fill(0);
}

/*
 * Scalars are drawn from the CSPRNG 64 at a time (one call costs about as
 * much as the curve arithmetic of a key); each is wiped from the pool as it
 * is taken.
 */
const SCALARS_PER_FILL = 64;
const scalarPool = Buffer.alloc(SCALARS_PER_FILL * X25519_KEY_LENGTH);
let scalarOffset = scalarPool.length;

function takeScalar(into: Uint8Array): void {
  if (scalarOffset === scalarPool.length) {
    randomFillSync(scalarPool);
    scalarOffset = 0;
  }
  into.set(scalarPool.subarray(scalarOffset, scalarOffset + X25519_KEY_LENGTH));
  scalarPool.fill(0, scalarOffset, scalarOffset + X25519_KEY_LENGTH);
  scalarOffset += X25519_KEY_LENGTH;
}

/** A fresh random ephemeral key pair (one per handshake). */
export function generateEphemeralKeyPair(backend: X25519Backend = x25519Backend): EphemeralKeyPair {
  const scalar = new Uint8Array(X25519_KEY_LENGTH);
  takeScalar(scalar);
  try {
    return keyPairFromScalar(scalar, backend);
  } finally {
    scalar.fill(0);
  }
}

/**
 * The key pair for a given 32-byte private scalar (clamped by X25519 itself,
 * as Go stores it unclamped). For deterministic tests; real handshakes use
 * generateEphemeralKeyPair().
 */
export function ephemeralKeyPairFromPrivate(privateKey: Uint8Array): EphemeralKeyPair {
  return keyPairFromScalar(privateKey);
}

/**
 * X25519(local private, remote public). Rejects an all-zero result, which is
 * what every low-order remote point produces; CometBFT applies exactly this
 * check and no other.
 * @throws LowOrderPointError
 */
export function computeSharedSecret(local: EphemeralKeyPair, remotePublicKey: Uint8Array): Uint8Array {
  checkKey('the remote ephemeral public key', remotePublicKey);
  if (local.privateKey instanceof Uint8Array) {
    const secret = new Uint8Array(X25519_KEY_LENGTH);
    try {
      // libsodium refuses (throws) exactly when the output is all zeros.
      requireSodium().crypto_scalarmult(secret, local.privateKey, remotePublicKey);
    } catch (err) {
      throw new LowOrderPointError(`remote ephemeral key ${Buffer.from(remotePublicKey).toString('hex')} is a low-order point (X25519 output would be all zeros)`, { cause: err });
    }
    if (secret.every((b) => b === 0)) {
      throw new LowOrderPointError(`remote ephemeral key ${Buffer.from(remotePublicKey).toString('hex')} is a low-order point (X25519 output is all zeros)`);
    }
    return secret;
  }
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(remotePublicKey) }, format: 'jwk' });
  let secret: Buffer;
  try {
    secret = diffieHellman({ privateKey: local.privateKey, publicKey });
  } catch (err) {
    // OpenSSL refuses to return an all-zero X25519 output; that is the only way this derive fails.
    throw new LowOrderPointError(`remote ephemeral key ${Buffer.from(remotePublicKey).toString('hex')} is a low-order point (X25519 output would be all zeros)`, { cause: err });
  }
  if (secret.every((b) => b === 0)) {
    throw new LowOrderPointError(`remote ephemeral key ${Buffer.from(remotePublicKey).toString('hex')} is a low-order point (X25519 output is all zeros)`);
  }
  return new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
}

/** Unsigned byte-wise comparison of the two ephemeral keys (Go's bytes.Compare). */
export function sortEphemeralKeys(local: Uint8Array, remote: Uint8Array): { lo: Uint8Array; hi: Uint8Array; locIsLeast: boolean } {
  const locIsLeast = Buffer.compare(local, remote) <= 0;
  return locIsLeast ? { lo: local, hi: remote, locIsLeast } : { lo: remote, hi: local, locIsLeast };
}

const SHA256_BLOCK = 64;
const SHA256_LENGTH = 32;

/**
 * HMAC-SHA256 over libsodium's SHA-256 (the addon has no HMAC-SHA256 of
 * its own); `key` is at most one block, as every key here is.
 */
class SodiumHmacSha256 {
  private readonly state: Buffer;
  private readonly pad = Buffer.alloc(SHA256_BLOCK);
  private readonly inner = Buffer.alloc(SHA256_LENGTH);

  constructor(private readonly sodium: SodiumNative) {
    this.state = Buffer.alloc(sodium.crypto_hash_sha256_STATEBYTES);
  }

  mac(key: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array): void {
    const { sodium, state, pad, inner } = this;
    pad.fill(0x36);
    for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
    sodium.crypto_hash_sha256_init(state);
    sodium.crypto_hash_sha256_update(state, pad);
    for (const part of parts) sodium.crypto_hash_sha256_update(state, part);
    sodium.crypto_hash_sha256_final(state, inner);
    pad.fill(0x5c);
    for (let i = 0; i < key.length; i++) pad[i] ^= key[i];
    sodium.crypto_hash_sha256_init(state);
    sodium.crypto_hash_sha256_update(state, pad);
    sodium.crypto_hash_sha256_update(state, inner);
    sodium.crypto_hash_sha256_final(state, out);
    pad.fill(0);
    inner.fill(0);
  }
}

const sodiumHmac = x25519Backend === 'sodium-native' ? new SodiumHmacSha256(requireSodium()) : undefined;
const EMPTY_SALT = new Uint8Array(0);
const COUNTER_1 = Uint8Array.of(1);
const COUNTER_2 = Uint8Array.of(2);

/** RFC 5869 with an empty salt and 64 bytes of output: two HMAC blocks after the extract. */
function hkdf64(dh: Uint8Array, hmac: SodiumHmacSha256 | undefined): Uint8Array {
  if (hmac === undefined) return new Uint8Array(hkdfSync('sha256', dh, EMPTY_SALT, HKDF_INFO, 2 * AEAD_KEY_LENGTH));
  const prk = Buffer.alloc(SHA256_LENGTH);
  const okm = new Uint8Array(2 * SHA256_LENGTH);
  const t1 = okm.subarray(0, SHA256_LENGTH);
  hmac.mac(EMPTY_SALT, [dh], prk);
  hmac.mac(prk, [HKDF_INFO, COUNTER_1], t1);
  hmac.mac(prk, [t1, HKDF_INFO, COUNTER_2], okm.subarray(SHA256_LENGTH));
  prk.fill(0);
  return okm;
}

/**
 * HKDF-SHA256(IKM = dh, no salt, info = TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN).
 * okm[0:32] protects traffic towards the node with the smaller ephemeral key,
 * okm[32:64] traffic from it. (CometBFT reads 96 bytes and discards the last
 * 32; HKDF output is prefix-consistent, so 64 gives identical keys.) Computed
 * with libsodium's SHA-256 where the addon is loaded, else node:crypto's HKDF;
 * `backend` picks one explicitly (tests run both).
 */
export function deriveSecrets(dh: Uint8Array, locIsLeast: boolean, backend: 'sodium-native' | 'node:crypto' = sodiumHmac ? 'sodium-native' : 'node:crypto'): { recvKey: Uint8Array; sendKey: Uint8Array } {
  checkKey('the Diffie-Hellman secret', dh);
  // An empty salt is HMAC-equivalent to RFC 5869's default of HashLen zero bytes.
  const okm = hkdf64(dh, backend === 'sodium-native' ? (sodiumHmac ?? new SodiumHmacSha256(requireSodium())) : undefined);
  const first = okm.subarray(0, AEAD_KEY_LENGTH);
  const second = okm.subarray(AEAD_KEY_LENGTH, 2 * AEAD_KEY_LENGTH);
  return locIsLeast ? { recvKey: first, sendKey: second } : { recvKey: second, sendKey: first };
}
