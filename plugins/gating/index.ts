export { CidrGater, CidrRules } from './cidr.js';
export { NodeIdGater, NodeIdRules } from './node-id.js';
export { PerIpGater, PerIpConnections } from './per-ip.js';
export { AttemptWindowGater, AttemptWindow } from './attempt-window.js';
