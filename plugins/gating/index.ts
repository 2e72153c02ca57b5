export { CidrGater, CidrRules, type CidrGaterOptions } from './cidr.js';
export { NodeIdGater, NodeIdRules, type NodeIdGaterOptions } from './node-id.js';
export { PerIpGater, PerIpConnections, type PerIpGaterOptions } from './per-ip.js';
export { AttemptWindowGater, AttemptWindow, type AttemptWindowGaterOptions } from './attempt-window.js';
