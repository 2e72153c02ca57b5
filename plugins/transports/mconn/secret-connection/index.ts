export * from './errors.js';
export {
  DATA_MAX_SIZE,
  SEALED_FRAME_SIZE,
  TOTAL_FRAME_SIZE,
  FrameOpener,
  FrameSealer,
  frameNonce,
  type FrameCipherOptions,
} from './frame-cipher.js';
export { SealedFrameReader } from './frame-reader.js';
export type { FrameAeadBackend, FrameAeadName, FrameKey } from './aead/frame-aead.js';
export { nodeCryptoFrameAead } from './aead/node-crypto.js';
export { frameAeadReady, frameAeadStatus, currentFrameAead, FrameAeadUnavailableError, type FrameAeadStatus } from './aead/select.js';
export { SecretConnection, READABLE_HIGH_WATER_MARK, WRITABLE_HIGH_WATER_MARK } from './secret-connection.js';
export { makeSecretConnection, DEFAULT_HANDSHAKE_TIMEOUT_MS, type SecretConnectionKey, type SecretConnectionOptions } from './make-secret-connection.js';
