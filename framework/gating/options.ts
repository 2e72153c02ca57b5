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
}

export const DEFAULT_GATING_OPTIONS: GatingOptions = {
  filterTimeoutMs: 5000,
  maxConcurrentInboundHandshakes: 100,
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
  return options;
}
