import { P2PError, withoutStack } from '../../../framework/errors/base.js';
import { ConnectionClosedError, HandshakeError } from '../../../framework/transport/errors.js';

/**
 * The remote declared a NodeInfo larger than CometBFT's `maxNodeInfoSize`
 * (10240 bytes). Raised before any of it is buffered.
 */
export class NodeInfoTooLargeError extends HandshakeError {
  override name = 'NodeInfoTooLargeError';
}

/** The transport could not bind its listen address (in use, not local, bad host). */
export class ListenError extends P2PError {
  override name = 'ListenError';
}

/** `p2p.laddr` is not a TCP address the mconn transport can listen on. */
export class InvalidListenAddressError extends P2PError {
  override name = 'InvalidListenAddressError';
}

/**
 * The reason of an orderly close (ours, or the remote's end of stream): a
 * ConnectionClosedError without a stack trace. Every connection ends this way
 * once, and capturing a stack that no log shows cost 3-7 % of the CPU of
 * connection setups; the message says all there is to know.
 */
export function orderlyCloseError(message?: string): ConnectionClosedError {
  return withoutStack(() => new ConnectionClosedError(message));
}
