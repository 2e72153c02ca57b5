export * from './transport.js';
export * from './errors.js';
