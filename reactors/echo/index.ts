export * from './echo-channel.js';
export * from './echo-reactor.js';
