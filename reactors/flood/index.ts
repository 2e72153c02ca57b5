export * from './flood-channel.js';
export * from './flood-reactor.js';
export * from './errors.js';
