import type { Endpoint } from '../address/endpoint.js';
import type { NodeID } from '../identity/node-id.js';
import type { ConnectionDirection } from '../peer/types.js';

/** A gater's answer: allow (`true`) or deny (`false`), now or later. */
export type GateAnswer = boolean | PromiseLike<boolean>;

export interface GateContext {
  /**
   * Aborts when the answer is no longer wanted: `gating.filter_timeout` has
   * passed (the connection is then denied with reason "gater-timeout") or the
   * node is stopping. Pass it on to whatever an async hook waits for.
   */
  readonly signal: AbortSignal;
}

/**
 * A connection over an IP network, before any byte of the handshake: an
 * inbound one just accepted, or an outbound one about to be dialed. Memory
 * transport connections have no IP and skip this phase.
 */
export interface ConnectionAttempt {
  readonly direction: ConnectionDirection;
  /** The remote IP, keyed as gating compares it (see `remoteIPKey`: IPv4-mapped IPv6 is plain IPv4). */
  readonly ip: string;
  /**
   * The remote party per-IP limits count this attempt against: `ip` for
   * IPv4, its network for IPv6 (see `remoteIPGroup`, `gating.ipv6_prefix_length`).
   */
  readonly ipGroup: string;
  /** Remote port: the peer's source port (inbound) or the port being dialed (outbound). */
  readonly port?: number;
  readonly endpoint: Endpoint;
  /** Outbound only: the node ID the address names (proven by the handshake afterwards). */
  readonly nodeId?: NodeID;
}

/**
 * A peer by node ID: before dialing it (the ID its address names, which the
 * handshake must then prove) and after an inbound handshake (proven).
 */
export interface PeerAttempt {
  readonly direction: ConnectionDirection;
  readonly nodeId: NodeID;
  /** The remote IP when there is one (inbound over a networked transport). */
  readonly ip?: string;
}

/** What a gater reports for operators (status endpoint, Prometheus). */
export interface GaterStats {
  /** Entries in its per-IP (or per-peer) state. */
  readonly tracked?: number;
  /** The bound on `tracked`. */
  readonly capacity?: number;
  /** Entries forgotten to stay within `capacity`. */
  readonly evictions?: number;
  /** New keys refused because the table was full. */
  readonly refusals?: number;
}

/**
 * A connection gater: a plugin (`@Plugin('gater', name)`) that may refuse
 * connections. Every hook is optional. The router asks, for each connection:
 *
 * 1. IP phase (networked transports only), before any crypto work:
 *    `allowConnection` of every gater in `gating.gaters` order, then
 *    `admit` of every gater. An inbound connection is asked right after
 *    accept, an outbound one before each resolved IP is dialed.
 * 2. Peer phase: `allowPeer` — before dialing (the ID from the address) and
 *    after an inbound handshake (the proven ID).
 *
 * The first denial wins and later gaters are not asked. `false` denies with
 * the gater's name as the reason; throwing or rejecting with a
 * `ConnectionDeniedError` denies with its `reason`; any other error, or an
 * answer that is not a boolean, denies with "gater-error". Async answers get
 * `gating.filter_timeout` per phase, after which the connection is denied
 * ("gater-timeout"): a slow gater can delay connections, never wedge them.
 *
 * Keep state in `admit`/`release`, which are synchronous so that checking a
 * limit and counting the connection cannot interleave with another one.
 */
export interface ConnectionGater {
  /** Names it in logs, stats and as the reason of a plain `false`. */
  readonly name: string;
  /** Stateless check of a connection by IP (may be async). */
  allowConnection?(attempt: ConnectionAttempt, context: GateContext): GateAnswer;
  /** Check of a peer by node ID (may be async). */
  allowPeer?(peer: PeerAttempt, context: GateContext): GateAnswer;
  /**
   * Final, synchronous admission once every `allowConnection` allowed: return
   * false (or throw ConnectionDeniedError) to refuse; on true the gater counts
   * the connection until `release` is called with the same attempt object —
   * when the connection closes, or at once if a later gater refuses it.
   */
  admit?(attempt: ConnectionAttempt): boolean;
  release?(attempt: ConnectionAttempt): void;
  stats?(): GaterStats;
}
