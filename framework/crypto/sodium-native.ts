import { createRequire } from 'node:module';

/*
 * libsodium as a native addon (npm `sodium-native`, whose tarball carries
 * prebuilt binaries for Linux, macOS and Windows; nothing is compiled at
 * install). It is the fast path of the SecretConnection: ChaCha20-Poly1305
 * frames about 3× faster than libsodium's WebAssembly build and 5× faster
 * than node:crypto; X25519, Ed25519 signing (twice as fast as node:crypto)
 * and verification on raw bytes, without key objects.
 *
 * It is loaded on first use (importing tmp2p loads no native module: an
 * application that never opens a SecretConnection or derives a node ID never
 * loads it), once, and checked against known answers; where it cannot load (no prebuilt binary for the platform,
 * `node --no-addons`, a broken install) or gives a wrong answer, every user
 * falls back to its portable path (libsodium's WebAssembly build, node:crypto)
 * for the life of the process. TMP2P_SODIUM_NATIVE=off turns it off.
 */

/** The functions of sodium-native that tmp2p uses. Each throws on a bad argument; failures of the primitive are described per function. */
export interface SodiumNative {
  /** Tag into `mac`; `c` may be `m` (in place). */
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(c: Uint8Array, mac: Uint8Array, m: Uint8Array, ad: null, nsec: null, npub: Uint8Array, k: Uint8Array): void;
  /** Throws when the tag does not verify; `m` may be `c` (in place). */
  crypto_aead_chacha20poly1305_ietf_decrypt_detached(m: Uint8Array, nsec: null, c: Uint8Array, mac: Uint8Array, ad: null, npub: Uint8Array, k: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  /** Throws when the result is all zeros (a low-order `p`). */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  /** pk (32) and sk (64: seed ‖ pk) of an RFC 8032 seed. */
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  /** RFC 8032 signature (deterministic: the same bytes as any conforming signer). */
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  /** libsodium's strict verification: canonical encodings, no small-order points, cofactorless equation. */
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_init(state: Uint8Array): void;
  crypto_hash_sha256_update(state: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha256_final(state: Uint8Array, out: Uint8Array): void;
  readonly crypto_hash_sha256_STATEBYTES: number;
  sodium_memzero(buffer: Uint8Array): void;
}

/**
 * The addon's unchecked entry points for the two calls made once per 1 KiB
 * frame. The package's wrappers check every argument's type and size first,
 * which cost a quarter of the cipher's own time per frame; the frame code
 * checks its ranges once per batch instead. Unchecked means what it says:
 * each view must have exactly the size named (a shorter `mac` or `c` is
 * written past its end).
 */
export interface SodiumFrameCalls {
  /** c (= m's length), mac (16), m, npub (12), k (32) → 0 */
  seal(c: Uint8Array, mac: Uint8Array, m: Uint8Array, npub: Uint8Array, k: Uint8Array): number;
  /** m (= c's length), c, mac (16), npub (12), k (32) → 0, or non-zero when the tag does not verify (nothing written then) */
  open(m: Uint8Array, c: Uint8Array, mac: Uint8Array, npub: Uint8Array, k: Uint8Array): number;
}

export type SodiumNativeStatus =
  | { readonly available: true; readonly sodium: SodiumNative; readonly frames: SodiumFrameCalls }
  | { readonly available: false; readonly reason: Error };

interface RawBinding {
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(c: Uint8Array, mac: Uint8Array, m: Uint8Array, ad: undefined, npub: Uint8Array, k: Uint8Array): number;
  crypto_aead_chacha20poly1305_ietf_decrypt_detached(m: Uint8Array, c: Uint8Array, mac: Uint8Array, ad: undefined, npub: Uint8Array, k: Uint8Array): number;
}

/** The unchecked calls; throws when the package's binding does not look like the one this was written against. */
function frameCalls(require: NodeJS.Require): SodiumFrameCalls {
  const binding = require('sodium-native/binding.js') as Partial<RawBinding>;
  const encrypt = binding.crypto_aead_chacha20poly1305_ietf_encrypt_detached;
  const decrypt = binding.crypto_aead_chacha20poly1305_ietf_decrypt_detached;
  if (typeof encrypt !== 'function' || typeof decrypt !== 'function') throw new Error("sodium-native's binding lacks the ChaCha20-Poly1305 detached calls");
  return {
    // The binding returns the tag length on success, a negative status on failure.
    seal: (c, mac, m, npub, k) => (encrypt(c, mac, m, undefined, npub, k) < 0 ? -1 : 0),
    open: (m, c, mac, npub, k) => decrypt(m, c, mac, undefined, npub, k),
  };
}

/** The package's own (checked) calls in the same shape, for a binding that does not pass frameCallsTest. */
export function checkedFrameCalls(sodium: SodiumNative): SodiumFrameCalls {
  return {
    seal: (c, mac, m, npub, k) => {
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, mac, m, null, null, npub, k);
      return 0;
    },
    open: (m, c, mac, npub, k) => {
      try {
        sodium.crypto_aead_chacha20poly1305_ietf_decrypt_detached(m, null, c, mac, null, npub, k);
        return 0;
      } catch {
        return -1;
      }
    },
  };
}

/** The unchecked calls where the package's binding has them and they give the checked calls' answers; else undefined. */
function uncheckedFrameCalls(require: NodeJS.Require, sodium: SodiumNative): SodiumFrameCalls | undefined {
  try {
    const calls = frameCalls(require);
    frameCallsTest(sodium, calls);
    return calls;
  } catch {
    return undefined;
  }
}

/** The unchecked frame calls must agree with the checked ones, and refuse a bad tag. */
function frameCallsTest(sodium: SodiumNative, frames: SodiumFrameCalls): void {
  const key = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(12, 3);
  const plain = Buffer.from('the unchecked path agrees with the checked one');
  const expected = Buffer.alloc(plain.length);
  const expectedTag = Buffer.alloc(16);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt_detached(expected, expectedTag, plain, null, null, nonce, key);
  const sealed = Buffer.from(plain);
  const tag = Buffer.alloc(16);
  if (frames.seal(sealed, tag, sealed, nonce, key) !== 0 || !sealed.equals(expected) || !tag.equals(expectedTag)) throw new Error('unchecked seal disagrees');
  const opened = Buffer.alloc(plain.length);
  if (frames.open(opened, sealed, tag, nonce, key) !== 0 || !opened.equals(plain)) throw new Error('unchecked open disagrees');
  tag[0] ^= 1;
  if (frames.open(opened, sealed, tag, nonce, key) === 0) throw new Error('unchecked open accepts a bad tag');
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Known answers: RFC 7748 §6.1 (X25519), RFC 8032 §7.1 test 2 (Ed25519 keys, signing, verification), FIPS 180-2 "abc" (SHA-256). */
function selfTest(sodium: SodiumNative): void {
  const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const out = Buffer.alloc(32);
  sodium.crypto_scalarmult_base(out, alice);
  if (!out.equals(hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'))) throw new Error('X25519 public key does not match RFC 7748');
  sodium.crypto_scalarmult(out, alice, bobPublic);
  if (!out.equals(hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'))) throw new Error('X25519 shared secret does not match RFC 7748');
  const publicKey = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const signature = hex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00');
  const derivedPublic = Buffer.alloc(32);
  const secretKey = Buffer.alloc(64);
  sodium.crypto_sign_seed_keypair(derivedPublic, secretKey, hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));
  const signed = Buffer.alloc(64);
  sodium.crypto_sign_detached(signed, hex('72'), secretKey);
  secretKey.fill(0);
  if (!derivedPublic.equals(publicKey) || !signed.equals(signature)) throw new Error('Ed25519 signing does not match RFC 8032 test 2');
  if (!sodium.crypto_sign_verify_detached(signature, hex('72'), publicKey)) throw new Error('Ed25519 rejects RFC 8032 test 2');
  signature[0] ^= 1;
  if (sodium.crypto_sign_verify_detached(signature, hex('72'), publicKey)) throw new Error('Ed25519 accepts a corrupted signature');
  const state = Buffer.alloc(sodium.crypto_hash_sha256_STATEBYTES);
  sodium.crypto_hash_sha256_init(state);
  sodium.crypto_hash_sha256_update(state, Buffer.from('abc'));
  sodium.crypto_hash_sha256_final(state, out);
  if (!out.equals(hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'))) throw new Error('SHA-256 does not match FIPS 180-2');
  out.fill(0);
  sodium.crypto_hash_sha256(out, Buffer.from('abc'));
  if (!out.equals(hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'))) throw new Error('one-shot SHA-256 does not match FIPS 180-2');
}

function load(): SodiumNativeStatus {
  if (process.env.TMP2P_SODIUM_NATIVE === 'off') return { available: false, reason: new Error('turned off by TMP2P_SODIUM_NATIVE=off') };
  try {
    const require = createRequire(import.meta.url);
    const sodium = require('sodium-native') as SodiumNative;
    selfTest(sodium);
    return { available: true, sodium, frames: uncheckedFrameCalls(require, sodium) ?? checkedFrameCalls(sodium) };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error : new Error(String(error)) };
  }
}

let status: SodiumNativeStatus | undefined;

/** Whether the addon loaded and passed its known answers (decided once per thread, on the first call). */
export function sodiumNativeStatus(): SodiumNativeStatus {
  return (status ??= load());
}

/** The addon, or undefined where it is not in use (loads it on the first call). */
export function sodiumNative(): SodiumNative | undefined {
  const current = sodiumNativeStatus();
  return current.available ? current.sodium : undefined;
}
