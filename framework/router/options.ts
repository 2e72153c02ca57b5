import { InvalidArgumentError } from '../errors/base.js';

export interface RouterOptions {
  /** Dials in flight at once. Default 64; dialing never sleeps between dials. */
  readonly maxConcurrentDials: number;
  /** Per-endpoint TCP/transport dial timeout. Default 1000 ms (CometBFT's effective value). */
  readonly dialTimeoutMs: number;
  /** Whole handshake (encryption + NodeInfo) deadline. Default 6000 ms (CometBFT: 3 s per phase). */
  readonly handshakeTimeoutMs: number;
  /** DNS resolution timeout per address. Default 5000 ms. */
  readonly resolveTimeoutMs: number;
  /** Per-peer outbound queue bound in messages. Default 1024. */
  readonly peerQueueCapacity: number;
  /** Per-peer outbound queue bound in bytes. Default 8 MiB. */
  readonly peerQueueCapacityBytes: number;
  /**
   * Non-fatal peer errors (e.g. unhandled message types) a peer may cause
   * before it is disconnected as if the error were fatal. Default 100.
   */
  readonly maxPeerErrors: number;
  /**
   * When both ends dial each other at once, how long a second connection to a
   * routed peer is held as a standby, waiting for the peer to close one of the
   * two (see duplicate-connections.ts). Default 5000 ms; CometBFT closes its
   * duplicate right after the handshake.
   */
  readonly duplicateGraceMs: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  maxConcurrentDials: 64,
  dialTimeoutMs: 1000,
  handshakeTimeoutMs: 6000,
  resolveTimeoutMs: 5000,
  peerQueueCapacity: 1024,
  peerQueueCapacityBytes: 8 * 1024 * 1024,
  maxPeerErrors: 100,
  duplicateGraceMs: 5000,
};

export function resolveRouterOptions(partial: Partial<RouterOptions> = {}): RouterOptions {
  const options = { ...DEFAULT_ROUTER_OPTIONS, ...partial };
  for (const [key, value] of Object.entries(options)) {
    const min = key === 'maxPeerErrors' ? 0 : 1;
    if (!Number.isInteger(value) || (value as number) < min) {
      throw new InvalidArgumentError(`router option ${key} must be an integer ≥ ${min}, got ${String(value)}`);
    }
  }
  return options;
}
