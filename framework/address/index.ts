export * from './errors.js';
export * from './endpoint.js';
export * from './node-address.js';
export * from './host-port.js';
