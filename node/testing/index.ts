/**
 * tmp2p/testing — whole networks in one process for tests: createTestNetwork
 * over the memory transport (with link latency, jitter and loss), and the
 * simulation that `tmp2p simulate` runs.
 */
export * from './test-network.js';
export { MemoryNetwork, type MemoryNetworkOptions, type MemoryNetworkStats } from '../../plugins/transports/memory/memory-network.js';
export type { LinkConditions } from '../../plugins/transports/memory/link-conditions.js';
export * from '../simulation/index.js';
