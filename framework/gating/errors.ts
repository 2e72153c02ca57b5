import { InvalidArgumentError, P2PError, isErrorNamed } from '../errors/base.js';

/**
 * Reasons the framework itself denies a connection for. Gaters add their own
 * (a gater answering `false` denies with its name as the reason); every
 * reason is a key of the router's `rejectedInbound` / `rejectedOutbound`
 * counters and a `reason` label in Prometheus.
 */
export const GATING_REASONS = {
  /** More inbound connections were being gated and handshaken than `p2p.max_concurrent_inbound_handshakes`. */
  handshakeCapacity: 'handshake-capacity',
  /** The remote IP already held `p2p.max_concurrent_inbound_handshakes_per_ip` of those slots. */
  ipHandshakeCapacity: 'ip-handshake-capacity',
  /**
   * A dial: the address was learned from a peer, and this IP it resolved to is
   * nearer than that peer (e.g. a DNS name from a public peer resolving to
   * 127.0.0.1), so the peer could not have meant it for us.
   */
  addressScope: 'address-scope',
  /** A gater did not answer within `gating.filter_timeout`. */
  timeout: 'gater-timeout',
  /** A gater threw, rejected, or answered something other than a boolean. */
  error: 'gater-error',
} as const;

/**
 * A connection was refused by connection gating. `reason` is what the
 * router counts it under (e.g. "cidr-denied", "ip-limit", "gater-timeout");
 * `gater` names the gater that refused it, when one did.
 *
 * Gaters throw (or reject with) this error to deny with a reason of their
 * own; answering `false` denies with the gater's name as the reason.
 */
export class ConnectionDeniedError extends P2PError {
  override name = 'ConnectionDeniedError';
  readonly gater?: string;

  constructor(
    message: string,
    readonly reason: string,
    options?: { cause?: unknown; gater?: string },
  ) {
    super(message, options);
    this.gater = options?.gater;
  }
}

/** Whether `error` is a gating denial, by name: a gater loaded from another copy of tmp2p throws that copy's class. */
export function isConnectionDenied(error: Error): error is ConnectionDeniedError {
  return isErrorNamed(error, 'ConnectionDeniedError');
}

/** A gater's answer took longer than `gating.filter_timeout`; the `cause` of a "gater-timeout" denial. */
export class GaterTimeoutError extends P2PError {
  override name = 'GaterTimeoutError';
}

/** A gater answered something other than true or false; the `cause` of a "gater-error" denial. */
export class GaterAnswerError extends P2PError {
  override name = 'GaterAnswerError';
}

/** A CIDR block (or IP) in configuration or code is malformed; `cidr` is the offending text. */
export class InvalidCidrError extends InvalidArgumentError {
  override name = 'InvalidCidrError';
  constructor(
    readonly cidr: string,
    message: string,
  ) {
    super(message);
  }
}
