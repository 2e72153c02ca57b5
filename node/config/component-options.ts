import { isAbsolute, join } from 'node:path';
import type { Container } from 'inversify';
import { TOKENS } from '../../framework/tokens.js';
import { NodeAddress } from '../../framework/address/node-address.js';
import { formatHostPort, parseHostPort, parseListenHostPort, type HostPort } from '../../framework/address/host-port.js';
import { parseNodeID } from '../../framework/identity/node-id.js';
import type { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import { resolvePeerManagerOptions, type PeerManagerOptions } from '../../framework/peer/options.js';
import { InvalidPeerManagerOptionsError } from '../../framework/peer/errors.js';
import { resolveRouterOptions, type RouterOptions } from '../../framework/router/options.js';
import { resolveGatingOptions, type GatingOptions } from '../../framework/gating/options.js';
import type { MConnTransportOptions } from '../../plugins/transports/mconn/options.js';
import type { MemoryTransportOptions } from '../../plugins/transports/memory/memory-transport.js';
import type { LevelPeerStoreOptions } from '../../plugins/peer-stores/level-options.js';
import type { MongoPeerStoreOptions } from '../../plugins/peer-stores/mongodb/options.js';
import type { PriorityQueueSettings } from '../../plugins/queues/priority.js';
import type { WdrrQueueSettings } from '../../plugins/queues/wdrr.js';
import type { CidrGaterOptions } from '../../plugins/gating/cidr.js';
import type { NodeIdGaterOptions } from '../../plugins/gating/node-id.js';
import type { PerIpGaterOptions } from '../../plugins/gating/per-ip.js';
import type { AttemptWindowGaterOptions } from '../../plugins/gating/attempt-window.js';
import { ConfigError } from './errors.js';
import type { NodeConfig } from './node-config.js';
import { NODE_INFO_VERSION, PROTOCOL_VERSION } from '../version.js';

type Table = Readonly<Record<string, unknown>>;

/**
 * The typed options of every component, derived from one validated
 * configuration. This is the only place that reads NodeConfig on behalf of a
 * component: a new config key is a schema entry, a default, and one line
 * here. Each value is bound under its token (see `bindComponentOptions`), so
 * a component asks for exactly its own options.
 */
export interface ComponentOptions {
  readonly nodeInfo: Omit<NodeInfo, 'channels'>;
  readonly router: RouterOptions;
  readonly peerManager: PeerManagerOptions;
  readonly gating: GatingOptions;
  readonly mconnTransport: MConnTransportOptions;
  readonly memoryTransport: MemoryTransportOptions;
  readonly levelPeerStore: LevelPeerStoreOptions;
  readonly mongoPeerStore: MongoPeerStoreOptions;
  readonly priorityQueue: PriorityQueueSettings;
  readonly wdrrQueue: WdrrQueueSettings;
  readonly cidrGater: CidrGaterOptions;
  readonly nodeIdGater: NodeIdGaterOptions;
  readonly perIpGater: PerIpGaterOptions;
  readonly attemptWindowGater: AttemptWindowGaterOptions;
  /** `[gating.<name>]` tables of gaters that are not built in. */
  readonly gaterTables: Readonly<Record<string, Table>>;
  readonly echoReactor: Table;
  readonly pexReactor: Table;
  readonly floodReactor: Table;
  readonly blocksyncReactor: Table;
  readonly consensusStateReactor: Table;
  readonly mempoolReactor: Table;
  /** `[reactors.<name>]` tables of every reactor, built in or not. */
  readonly reactorTables: Readonly<Record<string, Table>>;
}

export function componentOptions(config: NodeConfig, key: NodeKey): ComponentOptions {
  const p = config.p2p;
  const gating = config.gating;
  const reactors = config.reactors.options;
  return {
    nodeInfo: nodeInfoTemplate(config, key),
    router: resolveRouterOptions({
      maxConcurrentDials: p.maxConcurrentDials,
      dialTimeoutMs: p.dialTimeoutMs,
      handshakeTimeoutMs: p.handshakeTimeoutMs,
      peerQueueCapacity: p.peerQueueCapacity,
      peerQueueCapacityBytes: p.peerQueueCapacityBytes,
      maxPeerErrors: p.maxPeerErrors,
    }),
    peerManager: asConfigError(() => peerManagerOptions(config, key)),
    gating: resolveGatingOptions({
      filterTimeoutMs: gating.filterTimeoutMs,
      ipv6PrefixLength: gating.ipv6PrefixLength,
      maxConcurrentInboundHandshakes: p.maxConcurrentInboundHandshakes,
      maxConcurrentInboundHandshakesPerIp: p.maxConcurrentInboundHandshakesPerIp,
    }),
    mconnTransport: {
      laddr: p.laddr,
      mconnection: {
        maxPacketMsgPayloadSize: p.maxPacketMsgPayloadSize,
        sendRate: p.sendRate,
        recvRate: p.recvRate,
        flushThrottleMs: p.flushThrottleMs,
        busyPollUs: p.busyPollUs,
        pingIntervalMs: p.pingIntervalMs,
        pongTimeoutMs: p.pongTimeoutMs,
        sendWindowMinBytes: p.sendWindowMinBytes,
        sendWindowMaxBytes: p.sendWindowMaxBytes,
      },
    },
    memoryTransport: p.memoryVirtualAddress === '' ? {} : { virtualAddress: p.memoryVirtualAddress },
    levelPeerStore: { path: levelPeerStorePath(config) },
    mongoPeerStore: {
      ...(p.peerStoreMongodbUri !== '' ? { uri: p.peerStoreMongodbUri } : {}),
      database: p.peerStoreMongodbDatabase,
    },
    priorityQueue: { blockWhenFull: config.queues.priority.blockWhenFull, defaultCapacityBytes: config.queues.priority.capacityBytes },
    wdrrQueue: {
      blockWhenFull: config.queues.wdrr.blockWhenFull,
      defaultCapacityBytes: config.queues.wdrr.capacityBytes,
      quantumPerPriority: config.queues.wdrr.quantumPerPriority,
    },
    cidrGater: gating.cidr,
    nodeIdGater: gating.nodeId,
    perIpGater: gating.perIp,
    attemptWindowGater: gating.attemptWindow,
    gaterTables: gating.options,
    echoReactor: reactors['echo'] ?? {},
    pexReactor: reactors['pex'] ?? {},
    floodReactor: reactors['flood'] ?? {},
    blocksyncReactor: reactors['blocksync'] ?? {},
    consensusStateReactor: reactors['consensus-state'] ?? {},
    mempoolReactor: reactors['mempool'] ?? {},
    reactorTables: reactors,
  };
}

/** Binds each component's options under its token (a later `configure` may rebind any of them). */
export function bindComponentOptions(container: Container, options: ComponentOptions): void {
  const bindings: [symbol, unknown][] = [
    [TOKENS.NodeInfoTemplate, options.nodeInfo],
    [TOKENS.RouterOptions, options.router],
    [TOKENS.PeerManagerOptions, options.peerManager],
    [TOKENS.GatingOptions, options.gating],
    [TOKENS.MConnTransportOptions, options.mconnTransport],
    [TOKENS.MemoryTransportOptions, options.memoryTransport],
    [TOKENS.LevelPeerStoreOptions, options.levelPeerStore],
    [TOKENS.MongoPeerStoreOptions, options.mongoPeerStore],
    [TOKENS.PriorityQueueOptions, options.priorityQueue],
    [TOKENS.WdrrQueueOptions, options.wdrrQueue],
    [TOKENS.CidrGaterOptions, options.cidrGater],
    [TOKENS.NodeIdGaterOptions, options.nodeIdGater],
    [TOKENS.PerIpGaterOptions, options.perIpGater],
    [TOKENS.AttemptWindowGaterOptions, options.attemptWindowGater],
    [TOKENS.GaterTables, options.gaterTables],
    [TOKENS.EchoReactorOptions, options.echoReactor],
    [TOKENS.PexReactorOptions, options.pexReactor],
    [TOKENS.FloodReactorOptions, options.floodReactor],
    [TOKENS.BlocksyncReactorOptions, options.blocksyncReactor],
    [TOKENS.ConsensusStateReactorOptions, options.consensusStateReactor],
    [TOKENS.MempoolReactorOptions, options.mempoolReactor],
    [TOKENS.ReactorTables, options.reactorTables],
  ];
  for (const [token, value] of bindings) container.bind(token).toConstantValue(value);
}

function nodeInfoTemplate(config: NodeConfig, key: NodeKey): Omit<NodeInfo, 'channels'> {
  return {
    protocolVersion: { ...PROTOCOL_VERSION },
    nodeId: key.nodeId,
    listenAddr: advertisedListenAddr(config),
    network: config.network,
    version: NODE_INFO_VERSION,
    moniker: config.moniker,
    other: { txIndex: 'off', rpcAddress: '' },
  };
}

/**
 * NodeInfo `listen_addr`: `p2p.external_address` when set, else `p2p.laddr`,
 * as `tcp://host:port`. CometBFT requires a host:port here; memory-only
 * nodes have none, so they say so with port 0.
 */
function advertisedListenAddr(config: NodeConfig): string {
  const external = externalHostPort(config);
  if (external !== undefined) return `tcp://${hostPortText(external)}`;
  if (config.p2p.laddr === 'memory') return '127.0.0.1:0';
  return config.p2p.laddr.startsWith('tcp://') ? config.p2p.laddr : `tcp://${config.p2p.laddr}`;
}

/** The parsed `p2p.external_address`, undefined when unset. The schema has validated it; this re-check names the key too. */
function externalHostPort(config: NodeConfig): HostPort | undefined {
  const value = config.p2p.externalAddress;
  if (value === '') return undefined;
  const parsed = parseHostPort(value);
  if (!parsed.ok) {
    throw new ConfigError(`config key "p2p.external_address" = ${JSON.stringify(value)} is invalid: expected "host:port" that peers can dial: ${parsed.reason}`, 'p2p.external_address');
  }
  return parsed.value;
}

function hostPortText({ host, port }: HostPort): string {
  return formatHostPort(host, port);
}

/**
 * Where this node listens, as addresses of itself (never dialed, never
 * stored for another peer): laddr's host:port, or for an unspecified host
 * (0.0.0.0, ::) the loopback addresses on that port. None for memory or a
 * port chosen at bind time (0).
 */
function listenAddresses(config: NodeConfig, key: NodeKey): NodeAddress[] {
  const laddr = config.p2p.laddr;
  if (laddr === 'memory') return [];
  const parsed = parseListenHostPort(laddr);
  if (!parsed.ok || parsed.value.port === 0) return [];
  const { host, port } = parsed.value;
  const hosts = host === undefined || host === '0.0.0.0' || host === '::' ? ['127.0.0.1', '::1'] : [host];
  const addresses: NodeAddress[] = [];
  for (const h of hosts) {
    try {
      addresses.push(new NodeAddress({ nodeId: key.nodeId, protocol: 'mconn', hostname: h, port }));
    } catch {
      // An odd laddr host the transport will reject at listen; nothing to protect against dialing.
    }
  }
  return addresses;
}

/** The config key behind each PeerManager option whose rules involve several keys. */
const PEER_MANAGER_CONFIG_KEYS: Readonly<Record<string, string>> = {
  maxConnected: 'p2p.max_connections',
  maxInbound: 'p2p.max_inbound_connections',
  maxOutgoing: 'p2p.max_outgoing_connections',
  maxPeers: 'p2p.max_peers',
  maxRetryTimeMs: 'p2p.max_retry_time',
  maxRetryTimePersistentMs: 'p2p.max_retry_time_persistent',
  persistentPeers: 'p2p.persistent_peers',
};

/** Runs `build`, turning a PeerManager option that breaks a cross-key rule into a ConfigError naming the key. */
function asConfigError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    const key = error instanceof InvalidPeerManagerOptionsError ? PEER_MANAGER_CONFIG_KEYS[error.option] : undefined;
    if (key === undefined) throw error;
    throw new ConfigError(`config key "${key}" is invalid: ${(error as Error).message}`, key, { cause: error });
  }
}

function peerManagerOptions(config: NodeConfig, key: NodeKey): PeerManagerOptions {
  const p = config.p2p;
  const parse = (value: string, configKey: string) => {
    try {
      return NodeAddress.parse(value);
    } catch (cause) {
      throw new ConfigError(`config key "p2p.${configKey}" has an invalid peer address "${value}": ${(cause as Error).message}`, `p2p.${configKey}`, { cause });
    }
  };
  const external = externalHostPort(config);
  const selfAddress = external === undefined ? undefined : parse(`${key.nodeId}@${hostPortText(external)}`, 'external_address');
  return resolvePeerManagerOptions({
    selfId: key.nodeId,
    selfAddress,
    listenAddresses: listenAddresses(config, key),
    persistentPeers: p.persistentPeers.map((value) => parse(value, 'persistent_peers')),
    privatePeerIds: p.privatePeerIds.map((id) => {
      try {
        return parseNodeID(id);
      } catch (cause) {
        throw new ConfigError(`config key "p2p.private_peer_ids" has an invalid node ID "${id}"`, 'p2p.private_peer_ids', { cause });
      }
    }),
    maxConnected: p.maxConnections,
    maxOutgoing: p.maxOutgoingConnections,
    maxInbound: p.maxInboundConnections,
    maxConnectedUpgrade: p.maxConnectedUpgrade,
    maxPeers: p.maxPeers,
    minRetryTimeMs: p.minRetryTimeMs,
    maxDialFailures: p.maxDialFailures,
    maxRetryTimeMs: p.maxRetryTimeMs,
    maxRetryTimePersistentMs: p.maxRetryTimePersistentMs,
    retryJitterMs: p.retryJitterMs,
    disconnectCooldownMs: p.disconnectCooldownMs,
    flapWindowMs: p.flapWindowMs,
  });
}

/** `p2p.peer_store_path`: "" = `<home>/data/peerstore`; a relative path is relative to the home (or the working directory without one). */
function levelPeerStorePath(config: NodeConfig): string | undefined {
  const configured = config.p2p.peerStorePath;
  const home = config.home;
  if (configured !== '') return home === undefined || isAbsolute(configured) ? configured : join(home, configured);
  return home === undefined || home === '' ? undefined : join(home, 'data', 'peerstore');
}
