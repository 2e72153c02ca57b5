import { pluginRegistry } from '../framework/container/plugin-registry.js';
import { MemoryTransport } from './transports/memory/memory-transport.js';
import { MConnTransport } from './transports/mconn/mconn-transport.js';
import { FifoQueueFactory } from './queues/fifo.js';
import { PriorityQueueFactory } from './queues/priority.js';
import { WdrrQueueFactory } from './queues/wdrr.js';
import { MemoryPeerStore } from './peer-stores/memory.js';
import { LevelPeerStore } from './peer-stores/leveldb.js';
import { MongoPeerStore } from './peer-stores/mongodb/mongo-peer-store.js';
import { DefaultScoringStrategy } from './scoring/default.js';
import { FixedScoringStrategy } from './scoring/fixed.js';
import { CidrGater } from './gating/cidr.js';
import { NodeIdGater } from './gating/node-id.js';
import { PerIpGater } from './gating/per-ip.js';
import { AttemptWindowGater } from './gating/attempt-window.js';

/** Registers the plugins that ship with tmp2p under their configuration names. */
export function registerBuiltinPlugins(): void {
  pluginRegistry.register({ slot: 'transport', name: 'memory', implementation: MemoryTransport });
  pluginRegistry.register({ slot: 'transport', name: 'mconn', implementation: MConnTransport });
  pluginRegistry.register({ slot: 'queue', name: 'fifo', implementation: FifoQueueFactory });
  pluginRegistry.register({ slot: 'queue', name: 'priority', implementation: PriorityQueueFactory });
  pluginRegistry.register({ slot: 'queue', name: 'wdrr', implementation: WdrrQueueFactory });
  pluginRegistry.register({ slot: 'peerStore', name: 'memory', implementation: MemoryPeerStore });
  pluginRegistry.register({ slot: 'peerStore', name: 'leveldb', implementation: LevelPeerStore });
  pluginRegistry.register({ slot: 'peerStore', name: 'mongodb', implementation: MongoPeerStore });
  pluginRegistry.register({ slot: 'scoring', name: 'default', implementation: DefaultScoringStrategy });
  pluginRegistry.register({ slot: 'scoring', name: 'fixed', implementation: FixedScoringStrategy });
  pluginRegistry.register({ slot: 'gater', name: 'cidr', implementation: CidrGater });
  pluginRegistry.register({ slot: 'gater', name: 'node-id', implementation: NodeIdGater });
  pluginRegistry.register({ slot: 'gater', name: 'per-ip', implementation: PerIpGater });
  pluginRegistry.register({ slot: 'gater', name: 'attempt-window', implementation: AttemptWindowGater });
}

registerBuiltinPlugins();
