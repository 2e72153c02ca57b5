import { P2PError } from '../errors/base.js';

export class ChannelAlreadyOpenError extends P2PError {
  override name = 'ChannelAlreadyOpenError';
}

export class RouterStateError extends P2PError {
  override name = 'RouterStateError';
}

export class NoTransportForEndpointError extends P2PError {
  override name = 'NoTransportForEndpointError';
}

/**
 * Both ends dialed each other at once, so two connections joined the same
 * pair of nodes: each end keeps the one the lower node ID dialed and closes
 * the other with this error, so both keep the same one.
 */
export class DuplicateConnectionError extends P2PError {
  override name = 'DuplicateConnectionError';
}
