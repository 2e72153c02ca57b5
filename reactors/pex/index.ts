export * from './errors.js';
export * from './pex-channel.js';
export * from './options.js';
export * from './net-address.js';
export * from './peer-state.js';
export * from './pex-reactor.js';
