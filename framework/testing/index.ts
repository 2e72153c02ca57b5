export * from './test-network.js';
export { MemoryNetwork } from '../../plugins/transports/memory/memory-network.js';
export * from '../simulation/index.js';
