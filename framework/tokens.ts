/**
 * Every DI token in one place. Tokens are `Symbol.for` keys so a plugin built
 * against another copy of tmp2p still binds to the same slot.
 *
 * Option tokens hold typed options that the composition root derives from
 * the validated configuration (node/config/component-options.ts); no
 * component receives the whole configuration.
 */
export const TOKENS = {
  // --- the node itself ---
  /** pino Logger (root); components take a child with their name. */
  Logger: Symbol.for('tmp2p.Logger'),
  /** The node's NodeKey. */
  NodeKey: Symbol.for('tmp2p.NodeKey'),
  /** NodeInfo fields other than channels (filled from the open channels). */
  NodeInfoTemplate: Symbol.for('tmp2p.NodeInfoTemplate'),
  /** Optional `Clock`; defaults to the system clock. */
  Clock: Symbol.for('tmp2p.Clock'),
  /** Optional `RandomSource`; defaults to `Math.random`. */
  Random: Symbol.for('tmp2p.Random'),
  /**
   * Optional `HostLookup` (framework/address/node-address.ts): resolves DNS names of peer
   * addresses on every dial, and those PEX advertises. Default: the OS resolver.
   */
  HostLookup: Symbol.for('tmp2p.HostLookup'),

  // --- core components and their options ---
  PeerManager: Symbol.for('tmp2p.PeerManager'),
  /** `PeerManagerOptions` (see `resolvePeerManagerOptions`). */
  PeerManagerOptions: Symbol.for('tmp2p.PeerManagerOptions'),
  Router: Symbol.for('tmp2p.Router'),
  /** `RouterOptions` (see `resolveRouterOptions`). */
  RouterOptions: Symbol.for('tmp2p.RouterOptions'),
  /** The ConnectionGate the router asks. */
  ConnectionGate: Symbol.for('tmp2p.ConnectionGate'),
  /** `GatingOptions` of the ConnectionGate. */
  GatingOptions: Symbol.for('tmp2p.GatingOptions'),

  // --- plugin slots ---
  /** Multi-bound: every Transport plugin the node uses. */
  Transport: Symbol.for('tmp2p.Transport'),
  /** The queue plugin (a QueueFactory). */
  QueueFactory: Symbol.for('tmp2p.QueueFactory'),
  /** The peer store plugin. */
  PeerStore: Symbol.for('tmp2p.PeerStore'),
  /** The peer scoring plugin. */
  ScoringStrategy: Symbol.for('tmp2p.ScoringStrategy'),
  /** Multi-bound: every ConnectionGater, in `gating.gaters` order. */
  Gater: Symbol.for('tmp2p.Gater'),

  // --- options of the built-in plugins ---
  /** The in-process network the memory transport attaches to (default: a new one per transport). */
  MemoryNetwork: Symbol.for('tmp2p.MemoryNetwork'),
  /** `MemoryTransportOptions`. */
  MemoryTransportOptions: Symbol.for('tmp2p.MemoryTransportOptions'),
  /** `MConnTransportOptions`. */
  MConnTransportOptions: Symbol.for('tmp2p.MConnTransportOptions'),
  /** `PriorityQueueSettings` of the `priority` queue policy. */
  PriorityQueueOptions: Symbol.for('tmp2p.PriorityQueueOptions'),
  /** `WdrrQueueSettings` of the `wdrr` queue policy. */
  WdrrQueueOptions: Symbol.for('tmp2p.WdrrQueueOptions'),
  /** `LevelPeerStoreOptions`. */
  LevelPeerStoreOptions: Symbol.for('tmp2p.LevelPeerStoreOptions'),
  /** `MongoPeerStoreOptions`. */
  MongoPeerStoreOptions: Symbol.for('tmp2p.MongoPeerStoreOptions'),
  /** Score table of the `fixed` scoring strategy: a Map or a plain object of node ID → score. */
  FixedScores: Symbol.for('tmp2p.FixedScores'),
  /** `CidrGaterOptions` of the `cidr` gater. */
  CidrGaterOptions: Symbol.for('tmp2p.CidrGaterOptions'),
  /** `NodeIdGaterOptions` of the `node-id` gater. */
  NodeIdGaterOptions: Symbol.for('tmp2p.NodeIdGaterOptions'),
  /** `PerIpGaterOptions` of the `per-ip` gater. */
  PerIpGaterOptions: Symbol.for('tmp2p.PerIpGaterOptions'),
  /** `AttemptWindowGaterOptions` of the `attempt-window` gater. */
  AttemptWindowGaterOptions: Symbol.for('tmp2p.AttemptWindowGaterOptions'),
  /**
   * `[gating.<name>]` tables of gaters that are not built in, keyed by the
   * gater's name, with camelCased keys (`Readonly<Record<string, Record<string, unknown>>>`).
   */
  GaterTables: Symbol.for('tmp2p.GaterTables'),

  // --- reactors ---
  /** Options of the built-in echo reactor (`[reactors.echo]`). */
  EchoReactorOptions: Symbol.for('tmp2p.EchoReactorOptions'),
  /** Options of the built-in PEX reactor (`[reactors.pex]`). */
  PexReactorOptions: Symbol.for('tmp2p.PexReactorOptions'),
  /** Options of the built-in flood reactor (`[reactors.flood]`). */
  FloodReactorOptions: Symbol.for('tmp2p.FloodReactorOptions'),
  /** Options of the built-in blocksync reactor (`[reactors.blocksync]`). */
  BlocksyncReactorOptions: Symbol.for('tmp2p.BlocksyncReactorOptions'),
  /** Options of the built-in consensus-state listener (`[reactors.consensus-state]`). */
  ConsensusStateReactorOptions: Symbol.for('tmp2p.ConsensusStateReactorOptions'),
  /** Options of the built-in mempool reactor (`[reactors.mempool]`). */
  MempoolReactorOptions: Symbol.for('tmp2p.MempoolReactorOptions'),
  /**
   * `[reactors.<name>]` tables of reactors that are not built in, keyed by
   * the reactor's name, with camelCased keys (`Readonly<Record<string, Record<string, unknown>>>`).
   */
  ReactorTables: Symbol.for('tmp2p.ReactorTables'),
} as const;

export type TokenName = keyof typeof TOKENS;
