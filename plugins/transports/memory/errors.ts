import { P2PError } from '../../../framework/errors/base.js';

/** A virtual `ip:port` for the memory transport is malformed (not an IP literal, port out of range). */
export class InvalidVirtualAddressError extends P2PError {
  override name = 'InvalidVirtualAddressError';
}

/** Another memory transport in the same MemoryNetwork already listens on this node ID or virtual `ip:port`. */
export class MemoryAddressInUseError extends P2PError {
  override name = 'MemoryAddressInUseError';
}

/** Link conditions (latency, jitter, loss) or other MemoryNetwork options are out of range. */
export class LinkConditionsError extends P2PError {
  override name = 'LinkConditionsError';
}
