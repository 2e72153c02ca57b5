import { P2PError } from '../errors/base.js';

/** The connection was closed, locally or by the remote. `cause` holds the reason when known. */
export class ConnectionClosedError extends P2PError {
  override name = 'ConnectionClosedError';
  constructor(message = 'connection closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** accept() or dial() was called on a transport that has been closed. */
export class TransportClosedError extends P2PError {
  override name = 'TransportClosedError';
  constructor(message = 'transport closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Dialing an endpoint failed (refused, unreachable, timed out). */
export class DialError extends P2PError {
  override name = 'DialError';
}

/** A phase of the connection handshake failed or timed out. */
export class HandshakeError extends P2PError {
  override name = 'HandshakeError';
}

/** The handshake did not finish within its deadline. */
export class HandshakeTimeoutError extends HandshakeError {
  override name = 'HandshakeTimeoutError';
}

/** A remote sent bytes that violate the wire protocol; the connection is closed. */
export class ProtocolViolationError extends P2PError {
  override name = 'ProtocolViolationError';
}

/**
 * A remote sent, or declared with a length prefix, a message larger than
 * the receiving side accepts (a handshake message, a packet, a message over
 * its channel's `recvMessageCapacity`); the connection is closed.
 */
export class MessageTooLargeError extends ProtocolViolationError {
  override name = 'MessageTooLargeError';
  constructor(
    message: string,
    /** Bytes sent or declared (for a message being reassembled: reached so far). */
    readonly size: number,
    /** The most the receiver accepts. */
    readonly limit: number,
    options?: { channelId?: number; cause?: unknown },
  ) {
    super(message, options);
    this.channelId = options?.channelId;
  }
  /** The channel the message was on, when it was on one. */
  readonly channelId?: number;
}

/** A uvarint length prefix is longer than 10 bytes or overflows 64 bits. */
export class InvalidVarintError extends ProtocolViolationError {
  override name = 'InvalidVarintError';
}
