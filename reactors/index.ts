export * from './echo/index.js';
export * from './pex/index.js';
