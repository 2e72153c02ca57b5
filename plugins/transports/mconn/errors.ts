import { P2PError } from '../../../framework/errors/base.js';
import { HandshakeError } from '../../../framework/transport/errors.js';

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
