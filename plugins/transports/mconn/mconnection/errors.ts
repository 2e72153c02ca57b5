import { P2PError } from '../../../../framework/errors/base.js';
import { ProtocolViolationError } from '../../../../framework/transport/errors.js';

/**
 * Receive-side failures. Each one closes the connection, like CometBFT's
 * `recvRoutine` does (wire-protocol §2.6); distinct classes let the owner
 * score the peer by what it did wrong.
 */

/** The stream held bytes that are not a valid uvarint-delimited `tendermint.p2p.Packet`. */
export class PacketDecodeError extends ProtocolViolationError {
  override name = 'PacketDecodeError';
}

/** A `Packet` with none of ping/pong/msg set (for example a zero-length packet). */
export class EmptyPacketError extends ProtocolViolationError {
  override name = 'EmptyPacketError';
  constructor() {
    super('packet has no ping, pong or msg set');
  }
}

/** A `PacketMsg` named a channel id outside 0..255 or one this side has not registered. */
export class UnknownChannelError extends ProtocolViolationError {
  override name = 'UnknownChannelError';
  constructor(readonly channelId: number) {
    super(
      channelId >= 0 && channelId <= 0xff
        ? `packet for unknown channel 0x${channelId.toString(16).padStart(2, '0')}`
        : `packet for channel id ${channelId}, outside 0..255`,
    );
  }
}

/** We pinged the peer and no pong came back within pongTimeoutMs. */
export class PongTimeoutError extends P2PError {
  override name = 'PongTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no pong received within ${timeoutMs} ms of our ping`);
  }
}

/** The owner's onMessage handler threw; the connection is closed as CometBFT stops a peer whose onReceive panics. */
export class MessageHandlerError extends P2PError {
  override name = 'MessageHandlerError';
}
