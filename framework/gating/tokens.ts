/**
 * DI tokens of connection gating (`Symbol.for` keys, like TOKENS, so plugins
 * built against another copy of tmp2p bind to the same slots).
 */
/** Multi-bound: every ConnectionGater, in `gating.gaters` order. */
export const GATER = Symbol.for('tmp2p.Gater');
/** The ConnectionGate the router asks. */
export const CONNECTION_GATE = Symbol.for('tmp2p.ConnectionGate');
/** GatingOptions. */
export const GATING_OPTIONS = Symbol.for('tmp2p.GatingOptions');
/** The validated `[gating]` configuration (GatingConfig), for gater plugins. */
export const GATING_CONFIG = Symbol.for('tmp2p.GatingConfig');
