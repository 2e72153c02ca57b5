/**
 * Every DI token in one place. Tokens are `Symbol.for` keys so a plugin built
 * against another copy of tmp2p still binds to the same slot.
 */
export const TOKENS = {
  /** pino Logger (root); components take a child with their name. */
  Logger: Symbol.for('tmp2p.Logger'),
  /** The validated node configuration (NodeConfig). */
  Config: Symbol.for('tmp2p.Config'),
  /** The node's NodeKey. */
  NodeKey: Symbol.for('tmp2p.NodeKey'),
  /** NodeInfo fields other than channels (filled from the open channels). */
  NodeInfoTemplate: Symbol.for('tmp2p.NodeInfoTemplate'),
  /** Multi-bound: every Transport plugin the node uses. */
  Transport: Symbol.for('tmp2p.Transport'),
  /** The queue plugin (a QueueFactory). */
  QueueFactory: Symbol.for('tmp2p.QueueFactory'),
  /** The peer store plugin. */
  PeerStore: Symbol.for('tmp2p.PeerStore'),
  /** The peer scoring plugin. */
  ScoringStrategy: Symbol.for('tmp2p.ScoringStrategy'),
  PeerManagerOptions: Symbol.for('tmp2p.PeerManagerOptions'),
  PeerManager: Symbol.for('tmp2p.PeerManager'),
  RouterOptions: Symbol.for('tmp2p.RouterOptions'),
  Router: Symbol.for('tmp2p.Router'),
  Clock: Symbol.for('tmp2p.Clock'),
  Random: Symbol.for('tmp2p.Random'),
  /**
   * Optional `HostLookup` (framework/address/node-address.ts): resolves DNS names of peer
   * addresses on every dial, and those PEX advertises. Default: the OS resolver.
   */
  HostLookup: Symbol.for('tmp2p.HostLookup'),
  /** The in-process network the memory transport attaches to. */
  MemoryNetwork: Symbol.for('tmp2p.MemoryNetwork'),
  /** Options of the memory transport plugin. */
  MemoryTransportOptions: Symbol.for('tmp2p.MemoryTransportOptions'),
  /** Multi-bound: reactor classes to discover at boot. */
  ReactorClass: Symbol.for('tmp2p.ReactorClass'),
  /** Per-reactor option objects, keyed by reactor name (Record<string, unknown>). */
  ReactorOptions: Symbol.for('tmp2p.ReactorOptions'),
} as const;

export type TokenName = keyof typeof TOKENS;
