/**
 * The part of the raw libsodium WebAssembly build (npm `libsodium`, an
 * Emscripten module) that the frame AEAD uses. 64-bit C arguments arrive as
 * two 32-bit halves (low, high), as Emscripten passes them without BigInt.
 */
declare module 'libsodium' {
  export interface LibsodiumModule {
    /** The module's linear memory; a new view after any growth, so read it again after `_malloc`. */
    readonly HEAPU8: Uint8Array;
    _sodium_init(): number;
    _malloc(size: number): number;
    _free(pointer: number): void;
    /** c, mac, maclen_p, m, mlen (lo, hi), ad, adlen (lo, hi), nsec, npub, k → 0 */
    _crypto_aead_chacha20poly1305_ietf_encrypt_detached(
      c: number,
      mac: number,
      maclenP: number,
      m: number,
      mlenLo: number,
      mlenHi: number,
      ad: number,
      adlenLo: number,
      adlenHi: number,
      nsec: number,
      npub: number,
      k: number,
    ): number;
    /** m, nsec, c, clen (lo, hi), mac, ad, adlen (lo, hi), npub, k → 0, or -1 when the tag does not verify */
    _crypto_aead_chacha20poly1305_ietf_decrypt_detached(
      m: number,
      nsec: number,
      c: number,
      clenLo: number,
      clenHi: number,
      mac: number,
      ad: number,
      adlenLo: number,
      adlenHi: number,
      npub: number,
      k: number,
    ): number;
  }

  /** Emscripten's MODULARIZE factory: instantiates the WebAssembly module. */
  export default function createLibsodium(overrides?: { getRandomValue?: () => number }): Promise<LibsodiumModule>;
}
