import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { LowOrderPointError } from './errors.js';

/*
 * The key material of one SecretConnection handshake: ephemeral X25519 keys,
 * the DH secret, and the HKDF split into per-direction AEAD keys. node:crypto
 * (OpenSSL) is used because it is an order of magnitude faster than a JS
 * X25519, and handshakes are on the connection-setup hot path.
 */

export const X25519_KEY_LENGTH = 32;
export const AEAD_KEY_LENGTH = 32;
const HKDF_INFO = new TextEncoder().encode('TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN');

// Raw keys go in and out of node:crypto as JWK: OpenSSL 3's DER decoders and
// encoders cost ~70-95 µs per key, JWK ~1-7 µs, and a handshake does three of
// these per side. The PKCS#8 wrapper is only used to import a given private
// scalar (tests), where JWK would also demand the public half.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

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

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url'));
}

/** A fresh random ephemeral key pair (one per handshake). */
export function generateEphemeralKeyPair(): EphemeralKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/**
 * The key pair for a given 32-byte private scalar (clamped by X25519 itself,
 * as Go stores it unclamped). For deterministic tests; real handshakes use
 * generateEphemeralKeyPair().
 */
export function ephemeralKeyPairFromPrivate(privateKey: Uint8Array): EphemeralKeyPair {
  checkKey('an X25519 private key', privateKey);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
  return { privateKey: key, publicKey: rawPublicKey(key) };
}

/**
 * X25519(local private, remote public). Rejects an all-zero result, which is
 * what every low-order remote point produces; CometBFT applies exactly this
 * check and no other.
 * @throws LowOrderPointError
 */
export function computeSharedSecret(local: EphemeralKeyPair, remotePublicKey: Uint8Array): Uint8Array {
  checkKey('the remote ephemeral public key', remotePublicKey);
  const x = Buffer.from(remotePublicKey.buffer, remotePublicKey.byteOffset, remotePublicKey.byteLength).toString('base64url');
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
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
