/**
 * DI tokens of the peer subsystem. They are `Symbol.for` keys identical to
 * the ones in framework/tokens.ts, so binding either name fills the same slot.
 */

/** Resolved `PeerManagerOptions` (see `resolvePeerManagerOptions`). */
export const PEER_MANAGER_OPTIONS = Symbol.for('tmp2p.PeerManagerOptions');
/** The `PeerStore` plugin. */
export const PEER_STORE = Symbol.for('tmp2p.PeerStore');
/** The `ScoringStrategy` plugin. */
export const SCORING_STRATEGY = Symbol.for('tmp2p.ScoringStrategy');
/** Optional `Clock`; defaults to the system clock. */
export const CLOCK = Symbol.for('tmp2p.Clock');
/** Optional `RandomSource`; defaults to `Math.random`. */
export const RANDOM = Symbol.for('tmp2p.Random');
/** Optional logger (pino or anything with debug/info/warn/error). */
export const LOGGER = Symbol.for('tmp2p.Logger');
/** Optional score table for `FixedScoringStrategy`: a Map or a plain object of node ID → score. */
export const FIXED_SCORES = Symbol.for('tmp2p.FixedScores');
