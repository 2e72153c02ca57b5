import { InvalidArgumentError, P2PError } from '../../framework/errors/base.js';
import { ProtocolViolationError } from '../../framework/transport/errors.js';

/** A PEX option is malformed; names the option, the bad value and what is allowed. */
export class PexOptionsError extends InvalidArgumentError {
  override name = 'PexOptionsError';
}

/** A peer broke a PEX rule. Reported as a PeerError on the PEX channel. */
export class PexProtocolError extends ProtocolViolationError {
  override name = 'PexProtocolError';
}

/** A peer asked for addresses a third time (or later) within the minimum interval (CometBFT bans for this). */
export class PexRequestTooFrequentError extends PexProtocolError {
  override name = 'PexRequestTooFrequentError';
}

/** A peer sent PexAddrs while no request of ours to it was outstanding (CometBFT `ErrUnsolicitedList`). */
export class PexUnsolicitedAddrsError extends PexProtocolError {
  override name = 'PexUnsolicitedAddrsError';
}

/** A PexAddrs response listed more addresses than `maxAddressesAccepted`. */
export class PexTooManyAddressesError extends PexProtocolError {
  override name = 'PexTooManyAddressesError';
}

/** A PexAddrs entry is malformed: bad node ID, `ip` not an IP literal, or port above 65535. */
export class PexInvalidAddressError extends PexProtocolError {
  override name = 'PexInvalidAddressError';
}

/**
 * Not a fault of the peer: the reason given when a seed-mode node hangs up
 * on an inbound requester after answering it, as CometBFT seeds do.
 */
export class PexSeedDisconnect extends P2PError {
  override name = 'PexSeedDisconnect';
}
