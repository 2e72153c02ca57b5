import { P2PError } from '../../../../framework/errors/base.js';
import { HandshakeError, ProtocolViolationError } from '../../../../framework/transport/errors.js';

/**
 * The remote's ephemeral X25519 key is a low-order point: the Diffie-Hellman
 * output is all zeros, which would give both sides keys an attacker knows.
 */
export class LowOrderPointError extends HandshakeError {
  override name = 'LowOrderPointError';
}

/** The remote's plaintext ephemeral-key message is not a valid `google.protobuf.BytesValue`. */
export class InvalidEphemeralKeyError extends HandshakeError {
  override name = 'InvalidEphemeralKeyError';
}

/**
 * The remote's AuthSigMessage is malformed, carries a key that is not a
 * 32-byte ed25519 key, or its signature over the handshake challenge does
 * not verify.
 */
export class AuthSignatureError extends HandshakeError {
  override name = 'AuthSignatureError';
}

/** A sealed frame failed ChaCha20-Poly1305 authentication (tampered, reordered or wrong key). */
export class FrameDecryptionError extends ProtocolViolationError {
  override name = 'FrameDecryptionError';
}

/** A decrypted frame declares more payload than a frame can carry (1024 bytes). */
export class FrameLengthError extends ProtocolViolationError {
  override name = 'FrameLengthError';
}

/**
 * A frame counter reached 2^64 - 1. Reusing a nonce would break the AEAD, so
 * the connection must be closed instead (CometBFT panics at the same point).
 * A local limit, not something the peer did wrong, hence not a protocol violation.
 */
export class NonceExhaustedError extends P2PError {
  override name = 'NonceExhaustedError';
}
