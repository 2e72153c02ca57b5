import { P2PError } from '../../framework/errors/base.js';

/** A `[reactors.flood]` option is invalid. */
export class FloodOptionsError extends P2PError {
  override name = 'FloodOptionsError';
}

/** A peer sent a flood message that breaks the format (origin not a node ID, too many hops). */
export class FloodMessageError extends P2PError {
  override name = 'FloodMessageError';
}
