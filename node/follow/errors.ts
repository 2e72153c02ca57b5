import { InvalidArgumentError, P2PError } from '../../framework/errors/base.js';

/** Base of the errors `follow` fails with (besides AbortError and BlockVerificationError). */
export class FollowError extends P2PError {
  override name = 'FollowError';
}

/** An option of `follow` (or a flag of `tmp2p follow`) is malformed: names it and what is allowed. */
export class FollowOptionsError extends InvalidArgumentError {
  override name = 'FollowOptionsError';
}

/** The peer cannot be followed: it refused us for good (another network, another node ID) or serves no blocks (no channel 0x40). */
export class FollowPeerError extends FollowError {
  override name = 'FollowPeerError';
}

/** The peer did not connect within `connectTimeoutMs`. */
export class FollowTimeoutError extends FollowError {
  override name = 'FollowTimeoutError';
}

/** The height to start from is below the lowest block the peer keeps (its base): it cannot be downloaded from this peer. */
export class BlockUnavailableError extends FollowError {
  override name = 'BlockUnavailableError';
  constructor(
    readonly height: number,
    readonly base: number,
    message: string,
  ) {
    super(message);
  }
}
