import { InvalidArgumentError } from '../errors/base.js';

export interface GatingOptions {
  /**
   * How long the gaters together may take to answer about one connection, per
   * phase (IP, then node ID); a connection still waiting then is denied with
   * reason "gater-timeout". Default 5000 ms (CometBFT's filter timeout).
   */
  readonly filterTimeoutMs: number;
  /**
   * Inbound connections being gated and handshaken at once; the excess is
   * closed before any crypto work ("handshake-capacity"). Default 100
   * (config `p2p.max_concurrent_inbound_handshakes`).
   */
  readonly maxConcurrentInboundHandshakes: number;
  /**
   * Of those, how many one remote IP may hold; the excess is closed the same
   * way ("ip-handshake-capacity"). 0 = only the global cap. Default 4
   * (config `p2p.max_concurrent_inbound_handshakes_per_ip`).
   */
  readonly maxConcurrentInboundHandshakesPerIp: number;
  /**
   * IPv6 addresses sharing their first this many bits count as one remote IP
   * for every per-IP limit (handshakes in progress, `per-ip`,
   * `attempt-window`): one IPv6 end site usually holds a whole /64. 128 =
   * each address alone. Default 64 (config `gating.ipv6_prefix_length`).
   */
  readonly ipv6PrefixLength: number;
}

export const DEFAULT_GATING_OPTIONS: GatingOptions = {
  filterTimeoutMs: 5000,
  maxConcurrentInboundHandshakes: 100,
  maxConcurrentInboundHandshakesPerIp: 4,
  ipv6PrefixLength: 64,
};

/** Fills defaults; throws InvalidArgumentError naming the option and value. */
export function resolveGatingOptions(partial: Partial<GatingOptions> = {}): GatingOptions {
  const options = { ...DEFAULT_GATING_OPTIONS, ...partial };
  if (!Number.isFinite(options.filterTimeoutMs) || options.filterTimeoutMs < 1) {
    throw new InvalidArgumentError(`gating option filterTimeoutMs must be a number of ms ≥ 1, got ${String(options.filterTimeoutMs)}`);
  }
  if (!Number.isInteger(options.maxConcurrentInboundHandshakes) || options.maxConcurrentInboundHandshakes < 1) {
    throw new InvalidArgumentError(`gating option maxConcurrentInboundHandshakes must be an integer ≥ 1, got ${String(options.maxConcurrentInboundHandshakes)}`);
  }
  if (!Number.isInteger(options.maxConcurrentInboundHandshakesPerIp) || options.maxConcurrentInboundHandshakesPerIp < 0) {
    throw new InvalidArgumentError(`gating option maxConcurrentInboundHandshakesPerIp must be an integer ≥ 0, got ${String(options.maxConcurrentInboundHandshakesPerIp)}`);
  }
  if (!Number.isInteger(options.ipv6PrefixLength) || options.ipv6PrefixLength < 32 || options.ipv6PrefixLength > 128) {
    throw new InvalidArgumentError(`gating option ipv6PrefixLength must be an integer from 32 to 128, got ${String(options.ipv6PrefixLength)}`);
  }
  return options;
}
