export * from './queues/index.js';
export { MemoryTransport, type MemoryTransportOptions } from './transports/memory/memory-transport.js';
export { MemoryNetwork, type MemoryNetworkOptions } from './transports/memory/memory-network.js';
export * from './transports/mconn/index.js';
export { MemoryPeerStore } from './peer-stores/memory.js';
export { DefaultScoringStrategy } from './scoring/default.js';
export { FixedScoringStrategy } from './scoring/fixed.js';
export * from './peer-stores/index.js';
export * from './gating/index.js';
