export * from './consensus-state-channel.js';
export * from './consensus-state-reactor.js';
export * from './errors.js';
export * from './options.js';
export * from './round-step.js';
