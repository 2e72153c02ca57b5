export * from './errors.js';
export type { ConnectionAttempt, ConnectionGater, GateAnswer, GateContext, GaterStats, PeerAttempt } from './gater.js';
export { ConnectionGate, type AdmitOptions, type GateLease, type GaterSnapshot, type GatingSnapshot } from './connection-gate.js';
export { CidrList, parseCidr, type Cidr } from './cidr.js';
export { remoteIPGroup, remoteIPKey } from './remote-ip.js';
export { BoundedTable, type FullTablePolicy } from './bounded-table.js';
export { InboundHandshakeLimit } from './handshake-limit.js';
export { DEFAULT_GATING_OPTIONS, resolveGatingOptions, type GatingOptions } from './options.js';
