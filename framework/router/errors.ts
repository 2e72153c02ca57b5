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
