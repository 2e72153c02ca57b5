import type { PluginClass, PluginSlot } from '../../framework/plugin/plugin.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';

/**
 * The plugins and reactors that ship with tmp2p, by the names configuration
 * uses. Each is loaded only when a node's configuration names it, so a node
 * that keeps its peers in memory never loads the MongoDB driver or LevelDB's
 * native module, and `import 'tmp2p'` loads neither.
 */
export interface Builtin<T> {
  readonly name: string;
  load(): Promise<T>;
}

export interface BuiltinPlugin extends Builtin<PluginClass> {
  readonly slot: PluginSlot;
}

export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = Object.freeze([
  { slot: 'transport', name: 'memory', load: async () => (await import('../../plugins/transports/memory/memory-transport.js')).MemoryTransport },
  { slot: 'transport', name: 'mconn', load: async () => (await import('../../plugins/transports/mconn/mconn-transport.js')).MConnTransport },
  { slot: 'queue', name: 'fifo', load: async () => (await import('../../plugins/queues/fifo.js')).FifoQueueFactory },
  { slot: 'queue', name: 'priority', load: async () => (await import('../../plugins/queues/priority.js')).PriorityQueueFactory },
  { slot: 'queue', name: 'wdrr', load: async () => (await import('../../plugins/queues/wdrr.js')).WdrrQueueFactory },
  { slot: 'peerStore', name: 'memory', load: async () => (await import('../../plugins/peer-stores/memory.js')).MemoryPeerStore },
  { slot: 'peerStore', name: 'leveldb', load: async () => (await import('../../plugins/peer-stores/leveldb.js')).LevelPeerStore },
  { slot: 'peerStore', name: 'mongodb', load: async () => (await import('../../plugins/peer-stores/mongodb/mongo-peer-store.js')).MongoPeerStore },
  { slot: 'scoring', name: 'default', load: async () => (await import('../../plugins/scoring/default.js')).DefaultScoringStrategy },
  { slot: 'scoring', name: 'fixed', load: async () => (await import('../../plugins/scoring/fixed.js')).FixedScoringStrategy },
  { slot: 'gater', name: 'cidr', load: async () => (await import('../../plugins/gating/cidr.js')).CidrGater },
  { slot: 'gater', name: 'node-id', load: async () => (await import('../../plugins/gating/node-id.js')).NodeIdGater },
  { slot: 'gater', name: 'per-ip', load: async () => (await import('../../plugins/gating/per-ip.js')).PerIpGater },
  { slot: 'gater', name: 'attempt-window', load: async () => (await import('../../plugins/gating/attempt-window.js')).AttemptWindowGater },
] satisfies BuiltinPlugin[]);

export const BUILTIN_REACTORS: readonly Builtin<ReactorClass>[] = Object.freeze([
  { name: 'echo', load: async () => (await import('../../reactors/echo/echo-reactor.js')).EchoReactor },
  { name: 'pex', load: async () => (await import('../../reactors/pex/pex-reactor.js')).PexReactor },
  { name: 'flood', load: async () => (await import('../../reactors/flood/flood-reactor.js')).FloodReactor },
  { name: 'blocksync', load: async () => (await import('../../reactors/blocksync/blocksync-reactor.js')).BlocksyncReactor },
  { name: 'consensus-state', load: async () => (await import('../../reactors/consensus-state/consensus-state-reactor.js')).ConsensusStateReactor },
  { name: 'mempool', load: async () => (await import('../../reactors/mempool/mempool-reactor.js')).MempoolReactor },
] satisfies Builtin<ReactorClass>[]);
