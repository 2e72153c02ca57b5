export * from './errors.js';
export * from './mempool-channel.js';
export * from './options.js';
export * from './tx-hash.js';
export * from './mempool-reactor.js';
