import type { NodeID } from '../identity/node-id.js';

/** Whether a peer became usable (`up`, after `ready`) or stopped being so (`down`). */
export type PeerStatus = 'up' | 'down';

/**
 * A change in the set of ready peers, published by `PeerManager.subscribe()`.
 * Every `up` for a peer is followed by exactly one `down` before the next `up`.
 */
export interface PeerUpdate {
  readonly nodeId: NodeID;
  readonly status: PeerStatus;
  /** Channel IDs the peer and this node have in common; empty on `down`. */
  readonly channels: ReadonlySet<number>;
}

/** Who opened the connection: the remote (`inbound`) or this node (`outbound`). */
export type ConnectionDirection = 'inbound' | 'outbound';

/** Source of time for the peer manager, injectable so tests can drive it. */
export interface Clock {
  /** Milliseconds since the epoch (the Router compares it with `Date.now()`). */
  now(): number;
}

/** Source of randomness (retry jitter, tie breaks, advertisement sampling). */
export interface RandomSource {
  /** A number in [0, 1). */
  next(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** `Math.random`. */
export const mathRandom: RandomSource = { next: () => Math.random() };

/**
 * What a reactor (or the router) observed about a peer.
 * - `good` / `bad`: nudges the peer's behaviour score by +1 / −1, which moves
 *   it in the ranking (dial order, eviction order, advertisement weight).
 * - `ban`: disconnects the peer now and refuses to dial or accept it until
 *   `durationMs` has passed; the ban survives restarts through the peer store.
 * - `hold-dial`: do not dial the peer until `durationMs` has passed, but keep
 *   any connection to it and still accept it (e.g. a seed that answered and
 *   hung up: no use calling it again soon, no reason to refuse it). Not persisted.
 */
export type PeerBehaviour =
  | { readonly kind: 'good' | 'bad'; readonly reason?: string }
  | { readonly kind: 'ban' | 'hold-dial'; readonly durationMs: number; readonly reason?: string };

/** The minimal logger the peer manager needs; a pino Logger satisfies it. */
export interface PeerManagerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Discards everything; the default when no logger is bound. */
export const silentPeerLogger: PeerManagerLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
