import 'reflect-metadata';
import { Container } from 'inversify';
import { TOKENS } from '../tokens.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { defaultRawConfig, loadConfig, validateRaw, type LoadConfigOptions } from '../config/loader.js';
import { toNodeConfig, type NodeConfig } from '../config/node-config.js';
import { ConfigError } from '../config/errors.js';
import { NodeKey } from '../identity/node-key.js';
import type { NodeInfo } from '../identity/node-info.js';
import { parseNodeID } from '../identity/node-id.js';
import { NodeAddress, type HostLookup } from '../address/node-address.js';
import { parseHostPort, type HostPort } from '../address/host-port.js';
import { resolvePeerManagerOptions, type PeerManagerOptions } from '../peer/options.js';
import { InvalidPeerManagerOptionsError } from '../peer/errors.js';
import { PeerManager } from '../peer/peer-manager.js';
import { Router } from '../router/router.js';
import { resolveRouterOptions } from '../router/options.js';
import { ConnectionGate } from '../gating/connection-gate.js';
import { checkGatingConfig } from '../gating/config.js';
import { resolveGatingOptions } from '../gating/options.js';
import { CONNECTION_GATE, GATER, GATING_CONFIG, GATING_OPTIONS } from '../gating/tokens.js';
import { ReactorScanner } from '../reactor/scanner.js';
import { reactorCatalog, type ReactorClass } from '../reactor/catalog.js';
import { pluginRegistry, type PluginSlot } from './plugin-registry.js';
import { importModules } from './modules.js';
import { Node } from './node.js';
import { MemoryNetwork } from '../../plugins/transports/memory/memory-network.js';
import '../../plugins/builtin.js';
import '../../reactors/index.js';

/** tmp2p's software version, sent in NodeInfo.version. */
export const TMP2P_VERSION = '0.1.0';

/** Protocol versions sent in NodeInfo; `block` must match CometBFT v0.38 chains (11) to interoperate. */
export const PROTOCOL_VERSION = { p2p: 8, block: 11, app: 0 } as const;

export interface CreateNodeOptions {
  /** The node's key. Default: loaded from `<home>/config/node_key.json` when `home` is set, else generated. */
  readonly nodeKey?: NodeKey;
  /** Reactor classes to run in addition to those enabled in config. */
  readonly reactors?: readonly ReactorClass[];
  /** Share one in-process network between memory-transport nodes. Default: a new one. */
  readonly memoryNetwork?: MemoryNetwork;
  /** Root logger. Default: pino per config (level, format) on stderr. */
  readonly logger?: Logger;
  /**
   * Resolves DNS names of peer addresses (persistent peers, seeds) on every dial, and of addresses
   * PEX advertises; bound as `TOKENS.HostLookup`. Default: the OS resolver.
   */
  readonly hostLookup?: HostLookup;
  /** Last word on bindings: rebind anything (clock, custom plugins) before the node is built. */
  readonly configure?: (container: Container) => void;
  /** Directory that relative plugin/reactor module paths are resolved from. Default: cwd. */
  readonly baseDir?: string;
  /** Start the node (default true). With false, call `node.start()` yourself. */
  readonly start?: boolean;
}

/**
 * Builds a node's container from configuration — plugins into their slots,
 * PeerManager, Router, reactors discovered from their decorators — and
 * starts it. `stop()` on the returned node tears everything down.
 */
export async function createNode(config: NodeConfig | LoadConfigOptions = {}, options: CreateNodeOptions = {}): Promise<Node> {
  const nodeConfig = isNodeConfig(config) ? config : await loadConfig(config);
  const baseDir = options.baseDir ?? process.cwd();
  await importModules(nodeConfig.plugins.modules, baseDir, 'plugin');

  const nodeKey = options.nodeKey ?? (nodeConfig.home ? await NodeKey.loadOrGenerate(`${nodeConfig.home}/config/node_key.json`) : NodeKey.generate());
  const logger = (options.logger ?? createLogger({ level: nodeConfig.logLevel, format: nodeConfig.logFormat })).child({
    node: nodeKey.nodeId.slice(0, 12),
  });

  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(nodeConfig);
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.bind(TOKENS.NodeKey).toConstantValue(nodeKey);
  container.bind(TOKENS.MemoryNetwork).toConstantValue(options.memoryNetwork ?? new MemoryNetwork());
  if (options.hostLookup !== undefined) container.bind(TOKENS.HostLookup).toConstantValue(options.hostLookup);
  container.bind(TOKENS.ReactorOptions).toConstantValue(nodeConfig.reactors.options);
  container.bind(TOKENS.NodeInfoTemplate).toConstantValue(nodeInfoTemplate(nodeConfig, nodeKey));
  container.bind(TOKENS.RouterOptions).toConstantValue(
    resolveRouterOptions({
      maxConcurrentDials: nodeConfig.p2p.maxConcurrentDials,
      dialTimeoutMs: nodeConfig.p2p.dialTimeoutMs,
      handshakeTimeoutMs: nodeConfig.p2p.handshakeTimeoutMs,
      peerQueueCapacity: nodeConfig.p2p.peerQueueCapacity,
      peerQueueCapacityBytes: nodeConfig.p2p.peerQueueCapacityBytes,
      maxPeerErrors: nodeConfig.p2p.maxPeerErrors,
    }),
  );
  container.bind(TOKENS.PeerManagerOptions).toConstantValue(asConfigError(() => peerManagerOptions(nodeConfig, nodeKey)));

  const bindSlot = async (slot: PluginSlot, ref: string, token: symbol) => {
    const implementation = await pluginRegistry.resolve(slot, ref, baseDir);
    container.bind(token).to(implementation as never).inSingletonScope();
  };
  for (const transport of nodeConfig.p2p.transports) await bindSlot('transport', transport, TOKENS.Transport);
  await bindSlot('queue', nodeConfig.p2p.queueType, TOKENS.QueueFactory);
  await bindSlot('peerStore', nodeConfig.p2p.peerStore, TOKENS.PeerStore);
  await bindSlot('scoring', nodeConfig.p2p.scoring, TOKENS.ScoringStrategy);
  container.bind(GATING_CONFIG).toConstantValue(nodeConfig.gating);
  container.bind(GATING_OPTIONS).toConstantValue(
    resolveGatingOptions({
      filterTimeoutMs: nodeConfig.gating.filterTimeoutMs,
      maxConcurrentInboundHandshakes: nodeConfig.p2p.maxConcurrentInboundHandshakes,
      maxConcurrentInboundHandshakesPerIp: nodeConfig.p2p.maxConcurrentInboundHandshakesPerIp,
    }),
  );
  for (const gater of nodeConfig.gating.gaters) await bindSlot('gater', gater, GATER);
  container.bind(CONNECTION_GATE).to(ConnectionGate).inSingletonScope();
  container.bind(TOKENS.PeerManager).to(PeerManager).inSingletonScope();
  container.bind(TOKENS.Router).to(Router).inSingletonScope();
  options.configure?.(container);

  const reactorClasses = await enabledReactors(nodeConfig, baseDir, options.reactors ?? []);
  const gate = container.get<ConnectionGate>(CONNECTION_GATE);
  checkGatingConfig(nodeConfig.gating, defaultGatingConfig(), gate.gaters.map((g) => g.name));
  const router = container.get<Router>(TOKENS.Router);
  const peerManager = container.get<PeerManager>(TOKENS.PeerManager);
  const scanner = new ReactorScanner(container, router, peerManager, logger);
  scanner.wire(reactorClasses);

  const node = new Node(nodeConfig, nodeKey, container, router, peerManager, scanner, logger);
  if (options.start ?? true) await node.start();
  return node;
}

let defaultGating: NodeConfig['gating'] | undefined;

/** The embedded defaults' [gating] section, to tell which tables a config changed. */
function defaultGatingConfig(): NodeConfig['gating'] {
  defaultGating ??= toNodeConfig(validateRaw(defaultRawConfig())).gating;
  return defaultGating;
}

function isNodeConfig(value: NodeConfig | LoadConfigOptions): value is NodeConfig {
  return typeof (value as NodeConfig).p2p === 'object' && typeof (value as NodeConfig).moniker === 'string';
}

async function enabledReactors(config: NodeConfig, baseDir: string, extra: readonly ReactorClass[]): Promise<ReactorClass[]> {
  const byPath = config.reactors.enabled.filter((ref) => ref.startsWith('.') || ref.startsWith('/') || ref.endsWith('.js'));
  await importModules(byPath, baseDir, 'reactor');
  const named = config.reactors.enabled.filter((ref) => !byPath.includes(ref)).map((name) => reactorCatalog.get(name));
  const modules = byPath.length ? reactorCatalog.names().map((n) => reactorCatalog.get(n)).filter((c) => !named.includes(c)) : [];
  return [...new Set([...named, ...modules, ...extra])];
}

function nodeInfoTemplate(config: NodeConfig, key: NodeKey): Omit<NodeInfo, 'channels'> {
  return {
    protocolVersion: { ...PROTOCOL_VERSION },
    nodeId: key.nodeId,
    listenAddr: advertisedListenAddr(config),
    network: config.network,
    version: TMP2P_VERSION,
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
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
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
  const match = /^(?:tcp:\/\/)?(.*):(\d+)$/.exec(laddr);
  const port = Number(match?.[2] ?? 0);
  if (match === null || port < 1 || port > 65535) return [];
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const hosts = host === '0.0.0.0' || host === '::' || host === '' ? ['127.0.0.1', '::1'] : [host];
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
    throw new ConfigError(`config key "${key}" is invalid: ${error instanceof Error ? error.message : String(error)}`, key, { cause: error });
  }
}

function peerManagerOptions(config: NodeConfig, key: NodeKey): PeerManagerOptions {
  const p = config.p2p;
  const parse = (value: string, key: string) => {
    try {
      return NodeAddress.parse(value);
    } catch (cause) {
      throw new ConfigError(`config key "p2p.${key}" has an invalid peer address "${value}": ${(cause as Error).message}`, `p2p.${key}`, { cause });
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

