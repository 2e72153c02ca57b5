import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomFillSync, type KeyObject } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { LowOrderPointError } from './errors.js';

/*
 * The key material of one SecretConnection handshake: ephemeral X25519 keys,
 * the DH secret, and the HKDF split into per-direction AEAD keys. node:crypto
 * (OpenSSL) is used because it is an order of magnitude faster than a JS
 * X25519, and handshakes are on the connection-setup hot path.
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
  readonly privateKey: KeyObject;
}

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

/** The key pair of `scalar` (clamped by X25519 itself), without any key-generation job. */
export function keyPairFromScalar(scalar: Uint8Array, derivation = x25519PublicDerivation): EphemeralKeyPair {
  checkKey('an X25519 private key', scalar);
  return importPrivate(scalar, derivation === 'node:crypto' ? '' : base64url(x25519.getPublicKey(scalar)));
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
export function generateEphemeralKeyPair(): EphemeralKeyPair {
  const scalar = new Uint8Array(X25519_KEY_LENGTH);
  takeScalar(scalar);
  try {
    return keyPairFromScalar(scalar);
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

/**
 * HKDF-SHA256(IKM = dh, no salt, info = TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN).
 * okm[0:32] protects traffic towards the node with the smaller ephemeral key,
 * okm[32:64] traffic from it. (CometBFT reads 96 bytes and discards the last
 * 32; HKDF output is prefix-consistent, so 64 gives identical keys.)
 */
export function deriveSecrets(dh: Uint8Array, locIsLeast: boolean): { recvKey: Uint8Array; sendKey: Uint8Array } {
  checkKey('the Diffie-Hellman secret', dh);
  // An empty salt is HMAC-equivalent to RFC 5869's default of HashLen zero bytes.
  const okm = new Uint8Array(hkdfSync('sha256', dh, new Uint8Array(0), HKDF_INFO, 2 * AEAD_KEY_LENGTH));
  const first = okm.subarray(0, AEAD_KEY_LENGTH);
  const second = okm.subarray(AEAD_KEY_LENGTH, 2 * AEAD_KEY_LENGTH);
  return locIsLeast ? { recvKey: first, sendKey: second } : { recvKey: second, sendKey: first };
}
