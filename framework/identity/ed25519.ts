import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nativeVerify, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { sodiumNative } from '../crypto/sodium-native.js';

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

// A private seed enters node:crypto wrapped in this PKCS#8 header (the 32
// bytes follow verbatim; JWK would also demand the public half). Public keys
// use JWK instead: OpenSSL 3's DER decoder costs ~90 µs per key against ~7 µs,
// and every handshake verifies one.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

// noble's synchronous API needs a SHA-512 provider; only fill the slot if
// nobody else did, so another module's choice is never overridden.
if (ed.hashes.sha512 === undefined) ed.hashes.sha512 = sha512;

/** Builds a native private KeyObject from a 32-byte seed (caller checks the length). */
export function privateKeyObjectFromSeed(seed: Uint8Array): KeyObject {
  const der = new Uint8Array(PKCS8_PREFIX.length + seed.length);
  der.set(PKCS8_PREFIX);
  der.set(seed, PKCS8_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
}

/** Extracts the raw 32-byte public key of a native ed25519 private key. */
export function rawPublicKey(privateKey: KeyObject): Uint8Array {
  return new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).x!, 'base64url'));
}

/** A private key ready to sign: its public half and a signing function. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Which native code signs and verifies: libsodium's addon, or node:crypto (OpenSSL). */
export type Ed25519Backend = 'sodium-native' | 'node:crypto';

/** sodium-native where it loads (about twice as fast per signature), else node:crypto; decided once, on first use. */
export function ed25519Backend(): Ed25519Backend {
  return sodiumNative() !== undefined ? 'sodium-native' : 'node:crypto';
}

/**
 * The signer of a 32-byte RFC 8032 seed (caller checks the length). Both
 * backends give the same public key and, Ed25519 being deterministic, the
 * same signatures; the key material is prepared once, so a signature costs
 * no key import.
 */
export function ed25519Signer(seed: Uint8Array, backend: Ed25519Backend = ed25519Backend()): Ed25519Signer {
  if (backend === 'sodium-native') {
    const sodium = sodiumNative();
    if (sodium === undefined) throw new Error('the sodium-native Ed25519 backend is not loaded here');
    const publicKey = new Uint8Array(ED25519_PUBLIC_KEY_LENGTH);
    const secretKey = new Uint8Array(ED25519_SEED_LENGTH + ED25519_PUBLIC_KEY_LENGTH);
    sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
    return {
      publicKey,
      sign(message: Uint8Array): Uint8Array {
        const signature = new Uint8Array(ED25519_SIGNATURE_LENGTH);
        sodium.crypto_sign_detached(signature, message, secretKey);
        return signature;
      },
    };
  }
  const privateKey = privateKeyObjectFromSeed(seed);
  return { publicKey: rawPublicKey(privateKey), sign: (message) => new Uint8Array(nodeSign(null, message, privateKey)) };
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/**
 * Verifies an ed25519 signature under ZIP-215 rules, as CometBFT does
 * (curve25519-voi with VerifyOptionsZIP_215): cofactored equation,
 * non-canonical point encodings accepted, S must be canonical.
 *
 * The native verifiers are tried first because they are much faster:
 * libsodium's addon where it loaded (about 75 µs), else OpenSSL (75–220 µs
 * plus a key import). Both check stricter rules (canonical encodings, the
 * cofactorless equation; libsodium also refuses small-order points), so
 * anything they accept is also ZIP-215 valid. Only a rejection needs the
 * slower ZIP-215 check, which keeps adversarial edge cases (small-order /
 * non-canonical points) agreeing with CometBFT. Wrong lengths return false;
 * this never throws. `backend` picks the native verifier (tests run both).
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, backend: Ed25519Backend = ed25519Backend()): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  const sodium = backend === 'sodium-native' ? sodiumNative() : undefined;
  if (sodium !== undefined) {
    if (sodium.crypto_sign_verify_detached(signature, message, publicKey)) return true;
  } else {
    try {
      if (nativeVerify(null, message, publicKeyObject(publicKey), signature)) return true;
    } catch {
      // OpenSSL refuses some encodings ZIP-215 allows; decide below.
    }
  }
  try {
    return ed.verify(signature, message, publicKey, { zip215: true });
  } catch {
    return false;
  }
}
