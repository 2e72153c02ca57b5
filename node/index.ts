/**
 * tmp2p — the application API: build and run nodes, declare reactors and
 * their channels, and the types and errors they meet. Plugin authors use
 * `tmp2p/plugins`; tests use `tmp2p/testing`; the built-in reactors are in
 * `tmp2p/reactors`. This module loads no plugin: built-ins are imported only
 * when a node's configuration names them.
 */
import 'reflect-metadata';

// Nodes and their configuration
export { createNode, type CreateNodeOptions } from './create-node.js';
export { Node, NodeStateError } from './node.js';
export { StartupError, ListenAddressError, type NodePart } from './startup-error.js';
export { loadConfig, DEFAULT_CONFIG_PATH, type LoadConfigOptions } from './config/loader.js';
export type { NodeConfig, P2PConfig } from './config/node-config.js';
export { ConfigError } from './config/errors.js';
export { PluginNotFoundError, UnknownReactorError } from './registry/plugin-registry.js';
export { TMP2P_VERSION, PROTOCOL_VERSION } from './version.js';
export { TOKENS } from '../framework/tokens.js';
// Dependency injection from the inversify copy tmp2p's containers read, so applications install neither it nor reflect-metadata.
export { inject, injectable, optional, type Container } from 'inversify';
export { createLogger, silentLogger, type Logger, type LoggerOptions, type LogFormat, type LogLevel } from '../framework/logging/logger.js';

// CometBFT chains: hand a tx to a node's mempool
export {
  sendTx,
  DEFAULT_SEND_TX_TIMEOUT_MS,
  SendTxError,
  SendTxOptionsError,
  SendTxPeerError,
  SendTxTimeoutError,
  TxNotDeliveredError,
  type SendTxOptions,
  type SendTxResult,
  type SendTxPhase,
  type BlockFollower,
} from './send-tx/index.js';
// Crawling a network through PEX (the crawler itself loads on the first crawl)
export {
  crawl,
  formatCrawlTable,
  CrawlOptionsError,
  DEFAULT_CRAWL_OPTIONS,
  type CrawlOptions,
  type CrawlResult,
  type CrawledNode,
  type CrawledNodeInfo,
  type CrawlEdge,
  type CrawlErrorKind,
  type CrawlNodeStatus,
  type CrawlStats,
  type PexOutcome,
} from './crawl/index.js';
// Following a chain
export { follow, DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS, type FollowOptions } from './follow/follow.js';
export type { FollowedBlock } from './follow/block-stream.js';
export { FollowError, FollowOptionsError, FollowPeerError, FollowTimeoutError, BlockUnavailableError } from './follow/errors.js';
// Types only: the classes are in tmp2p/reactors, and `import 'tmp2p'` loads no reactor (branch on `error.name`).
export type { BlockVerificationError, BlockVerificationReason } from '../reactors/blocksync/errors.js';
export type { BlockId } from '../reactors/blocksync/block-hash.js';

// Reactors and channels
export { Reactor, Channel, OnMessage, OnPeerUpdate, Every, type MessageContext, type ReactorLifecycle } from '../framework/reactor/decorators.js';
export { reactorNameOf, type ReactorClass } from '../framework/reactor/metadata.js';
export { ReactorDefinitionError, UnhandledMessageError } from '../framework/reactor/scanner.js';
export { defineChannel, type ChannelDefinition, type ChannelOptions } from '../framework/router/channel-definition.js';
export type { ChannelHandle, ChannelStats, SendOutcome } from '../framework/router/channel.js';
export { oneofWrapper, MessageDecodeError, UnwrapError, type MessageClass, type MessageType, type Wrapper } from '../framework/router/message-type.js';
export type { InboundEnvelope, PeerError } from '../framework/router/envelope.js';
export type { RouterEvent } from '../framework/router/events.js';
export { ChannelAlreadyOpenError } from '../framework/router/errors.js';
export { consumeBounded, type ConsumeOperatorOptions } from '../framework/streams/operators.js';
export { InvalidConsumeOptionsError, type ConsumeOptions, type ConsumerStats, type OverflowPolicy } from '../framework/streams/bounded-consumer.js';

// Peers, identities and addresses
export { NodeKey, type NodeKeyJSON } from '../framework/identity/node-key.js';
export { parseNodeID, isNodeID, type NodeID } from '../framework/identity/node-id.js';
export type { NodeInfo, ProtocolVersion } from '../framework/identity/node-info.js';
export { NodeAddress, type HostLookup } from '../framework/address/node-address.js';
export type { Endpoint, Protocol } from '../framework/address/endpoint.js';
export type { PeerUpdate, PeerStatus, PeerBehaviour, ConnectionDirection } from '../framework/peer/types.js';
export type { PeerSnapshot, PeerManagerMetrics } from '../framework/peer/snapshot.js';
export type { PeerState } from '../framework/peer/connections.js';
export type { RouterMetricsSnapshot } from '../framework/router/metrics.js';
// The Prometheus registry a node serves with [instrumentation] prometheus = true, for an application that serves metrics itself.
export { createPrometheusRegistry, type MetricsSource, type PrometheusOptions } from './metrics/index.js';

// Errors every application may meet
export { P2PError, AbortError, InvalidArgumentError } from '../framework/errors/base.js';
export * from '../framework/identity/errors.js';
export * from '../framework/address/errors.js';
export { ConnectionDeniedError } from '../framework/gating/errors.js';
export { PeerRejectedError, PeerStoreError } from '../framework/peer/errors.js';
export * from '../framework/transport/errors.js';
