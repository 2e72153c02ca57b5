/**
 * tmp2p/plugins — for plugin authors: the contracts each slot's plugin
 * implements (transports, queue policies, peer stores, scoring strategies,
 * connection gaters), the @Plugin decorator and DI tokens, and the built-in
 * plugins to reuse or extend. Importing this entry loads every built-in's
 * module, but not the MongoDB driver or LevelDB's addon: those load when a
 * store first opens. Applications that only name plugins in configuration
 * never need this entry.
 */
import 'reflect-metadata';

// Declaring a plugin
export { Plugin, pluginMeta, PLUGIN_SLOTS, type PluginSlot, type PluginClass, type PluginMeta } from '../framework/plugin/plugin.js';
export { TOKENS } from '../framework/tokens.js';
// Dependency injection from the inversify copy tmp2p's containers read, so plugin projects install neither it nor reflect-metadata.
export { inject, injectable, optional } from 'inversify';

// Transports
export type { Transport, Connection, ConnectionMessage, ChannelDescriptor, HandshakeOptions, HandshakeResult } from '../framework/transport/transport.js';
export * from '../framework/transport/errors.js';
// Bounded length-prefixed framing for a transport's own wire format (uvarint ‖ body, as protobuf's delimited streams).
export { DelimitedReader, encodeDelimited, encodeUvarint, type DelimitedReaderOptions } from '../framework/transport/length-prefix.js';
export { endpointToString, validateEndpoint, type Endpoint, type Protocol } from '../framework/address/endpoint.js';
export { NodeKey } from '../framework/identity/node-key.js';
export { encodeNodeInfo, decodeNodeInfo, validateNodeInfo, MAX_NODE_INFO_SIZE, type NodeInfo } from '../framework/identity/node-info.js';
export { nodeIdFromPublicKey, type NodeID } from '../framework/identity/node-id.js';

// Queue policies
export type { Queue, QueueFactory, QueueItem, QueueOptions, QueueChannelInfo, EnqueueResult, QueueStats } from '../framework/queue/queue.js';
export * from '../framework/queue/errors.js';
export { BaseQueue } from '../framework/queue/base-queue.js';

// Peer stores and scoring
export type { PeerStore, PeerRecord, PeerAddressRecord, PeerStoreHealth, PeerStoreState } from '../framework/peer/peer-store.js';
export { MAX_PEER_SCORE, MIN_PEER_SCORE, clampScore, type PeerScore, type PeerScoreInput, type ScoringStrategy } from '../framework/peer/scoring.js';
export type { Clock, RandomSource, PeerManagerLogger } from '../framework/peer/types.js';

// Connection gaters
export type { ConnectionGater, ConnectionAttempt, PeerAttempt, GateAnswer, GateContext, GaterStats } from '../framework/gating/gater.js';
export { ConnectionDeniedError } from '../framework/gating/errors.js';
export { BoundedTable, type FullTablePolicy } from '../framework/gating/bounded-table.js';
export { CidrList, parseCidr, type Cidr } from '../framework/gating/cidr.js';

// Built-in plugins
export * from './queues/index.js';
export { MemoryTransport, type MemoryTransportOptions } from './transports/memory/memory-transport.js';
export { MemoryNetwork, type MemoryNetworkOptions, type MemoryNetworkStats } from './transports/memory/memory-network.js';
export type { MemoryLinkStats, LinkCounters } from './transports/memory/memory-connection.js';
export { resolveLinkConditions, type LinkConditions, type ResolvedLinkConditions } from './transports/memory/link-conditions.js';
export { parseVirtualAddress, type VirtualAddress } from './transports/memory/virtual-address.js';
export * from './transports/memory/errors.js';
export * from './transports/mconn/index.js';
export { DefaultScoringStrategy } from './scoring/default.js';
export { FixedScoringStrategy, type FixedScores } from './scoring/fixed.js';
export * from './peer-stores/index.js';
export * from './gating/index.js';
