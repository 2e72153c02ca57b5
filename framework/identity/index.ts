export * from './errors.js';
export * from './node-id.js';
export { verifyEd25519, ED25519_PUBLIC_KEY_LENGTH, ED25519_SEED_LENGTH, ED25519_SIGNATURE_LENGTH } from './ed25519.js';
export * from './node-key.js';
export * from './node-info.js';
