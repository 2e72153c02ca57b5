export * from './errors.js';
export * from './loader.js';
export * from './node-config.js';
