import { InvalidArgumentError } from '../../framework/errors/base.js';
import { ProtocolViolationError } from '../../framework/transport/errors.js';

/** A consensus-state option is malformed; names the option, the bad value and what is allowed. */
export class ConsensusStateOptionsError extends InvalidArgumentError {
  override name = 'ConsensusStateOptionsError';
}

/**
 * A peer sent a consensus-state message that CometBFT's own validation
 * refuses (a NewRoundStep with a negative height or round, an unknown step,
 * a last commit round against the initial-height rule, …). CometBFT
 * disconnects such a peer; so do we (a fatal PeerError on channel 0x20).
 */
export class InvalidConsensusMessageError extends ProtocolViolationError {
  override name = 'InvalidConsensusMessageError';
}
