export * from './echo/index.js';
export * from './pex/index.js';
export * from './flood/index.js';
export * from './blocksync/index.js';
export * from './consensus-state/index.js';
export * from './mempool/index.js';
