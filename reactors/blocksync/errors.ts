import { InvalidArgumentError } from '../../framework/errors/base.js';
import { ProtocolViolationError } from '../../framework/transport/errors.js';

/** A blocksync option is malformed; names the option, the bad value and what is allowed. */
export class BlocksyncOptionsError extends InvalidArgumentError {
  override name = 'BlocksyncOptionsError';
}

/** A peer broke a blocksync rule (negative height, base above height, a block it was not asked for). Reported as a PeerError on channel 0x40. */
export class BlocksyncProtocolError extends ProtocolViolationError {
  override name = 'BlocksyncProtocolError';
}

/** A block cannot be encoded the way CometBFT encodes it (upstream would refuse to decode it): it cannot be verified. */
export class BlockEncodingError extends ProtocolViolationError {
  override name = 'BlockEncodingError';
}

/**
 * Which check a block failed:
 * - `malformed`: a field CometBFT requires is missing or out of range (no header, no last commit, a height beyond 2^53, …);
 * - `chain-id`: the header names another chain;
 * - `height`: the block is not at the height that was asked for;
 * - `data-hash` / `last-commit-hash` / `evidence-hash`: the header's hash of the txs / last commit / evidence does not match them;
 * - `last-block-id`: the header does not link to the previous block (its `last_block_id` is not that block's id);
 * - `last-commit`: the block's last commit is not for the previous block (height or block id);
 * - `validators-hash`: the header's validator set is not the one the previous header announced as next;
 * - `time`: the block is not later than the previous one.
 */
export type BlockVerificationReason =
  | 'malformed'
  | 'chain-id'
  | 'height'
  | 'data-hash'
  | 'last-commit-hash'
  | 'evidence-hash'
  | 'last-block-id'
  | 'last-commit'
  | 'validators-hash'
  | 'time';

/**
 * A block failed verification. `reason` says which check, `height` which
 * block. Raised against the peer that sent the block (a fatal PeerError),
 * and by `follow` when the chain it follows does not verify.
 */
export class BlockVerificationError extends ProtocolViolationError {
  override name = 'BlockVerificationError';
  constructor(
    readonly reason: BlockVerificationReason,
    readonly height: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`block ${height}: ${message}`, options);
  }
}

/** A peer did not answer a BlockRequest within `requestTimeoutMs`; the block is asked of another peer. A non-fatal PeerError. */
export class BlockRequestTimeoutError extends ProtocolViolationError {
  override name = 'BlockRequestTimeoutError';
}
