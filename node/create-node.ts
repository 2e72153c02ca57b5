import 'reflect-metadata';
import { Container } from 'inversify';
import { TOKENS } from '../framework/tokens.js';
import { throwIfAborted } from '../framework/errors/base.js';
import { raceSignal } from '../framework/util/abort.js';
import { createLogger, type Logger } from '../framework/logging/logger.js';
import { NodeKey } from '../framework/identity/node-key.js';
import type { HostLookup } from '../framework/address/node-address.js';
import { PeerManager } from '../framework/peer/peer-manager.js';
import { Router } from '../framework/router/router.js';
import { ConnectionGate } from '../framework/gating/connection-gate.js';
import { ReactorScanner } from '../framework/reactor/scanner.js';
import type { PluginClass, PluginSlot } from '../framework/plugin/plugin.js';
import type { ReactorClass } from '../framework/reactor/metadata.js';
import type { MemoryNetwork } from '../plugins/transports/memory/memory-network.js';
import { defaultRawConfig, loadConfig, validateRaw, type LoadConfigOptions } from './config/loader.js';
import { toNodeConfig, type NodeConfig } from './config/node-config.js';
import { checkGatingConfig } from './config/gating-config.js';
import { bindComponentOptions, componentOptions } from './config/component-options.js';
import { PluginRegistry } from './registry/plugin-registry.js';
import { Node } from './node.js';

export interface CreateNodeOptions {
  /** The node's key. Default: loaded from `<home>/config/node_key.json` when `home` is set, else generated. */
  readonly nodeKey?: NodeKey;
  /** Reactor classes to run in addition to those enabled in config (config may also enable them by their @Reactor name). */
  readonly reactors?: readonly ReactorClass[];
  /** @Plugin classes configuration may select by name, in addition to the built-in ones. */
  readonly plugins?: readonly PluginClass[];
  /** Share one in-process network between memory-transport nodes. Default: a new one per node. */
  readonly memoryNetwork?: MemoryNetwork;
  /** Root logger. Default: pino per config (level, format) on stderr. */
  readonly logger?: Logger;
  /**
   * Resolves DNS names of peer addresses (persistent peers, seeds) on every dial, and of addresses
   * PEX advertises; bound as `TOKENS.HostLookup`. Default: the OS resolver.
   */
  readonly hostLookup?: HostLookup;
  /** Last word on bindings: rebind anything (clock, custom plugins, a component's options) before the node is built. */
  readonly configure?: (container: Container) => void;
  /** Directory that relative plugin/reactor module paths resolve against. Default: the config's `baseDir` (its file's directory, else cwd). */
  readonly baseDir?: string;
  /** Start the node (default true). With false, call `node.start()` yourself. */
  readonly start?: boolean;
  /**
   * Abandons the build and start: what already started is stopped and the
   * promise rejects with an AbortError (e.g. a SIGINT while the node boots).
   */
  readonly signal?: AbortSignal;
}

/**
 * Builds a node's container from configuration — plugins into their slots,
 * each component's options from the config, PeerManager, Router, reactors
 * discovered from their decorators — and starts it. Start-up is all or
 * nothing: if any part fails, what already started is stopped before the
 * returned promise rejects — with a StartupError naming the config key
 * (ListenAddressError when an address cannot be listened on), or an
 * AbortError when `options.signal` aborts. `stop()` on the returned node
 * tears everything down.
 */
export async function createNode(config: NodeConfig | LoadConfigOptions = {}, options: CreateNodeOptions = {}): Promise<Node> {
  const { signal } = options;
  const nodeConfig = isNodeConfig(config) ? config : await loadConfig(config);
  const registry = new PluginRegistry(options.baseDir ?? nodeConfig.baseDir, { plugins: options.plugins, reactors: options.reactors });
  // Importing a module runs its code, which may take its time: an abort does not wait for it.
  for (const module of nodeConfig.plugins.modules) await abortable(registry.addModule(module), signal);

  const nodeKey = options.nodeKey ?? (nodeConfig.home ? await NodeKey.loadOrGenerate(`${nodeConfig.home}/config/node_key.json`) : NodeKey.generate());
  const logger = (options.logger ?? createLogger({ level: nodeConfig.logLevel, format: nodeConfig.logFormat })).child({
    node: nodeKey.nodeId.slice(0, 12),
  });

  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.bind(TOKENS.NodeKey).toConstantValue(nodeKey);
  if (options.memoryNetwork !== undefined) container.bind(TOKENS.MemoryNetwork).toConstantValue(options.memoryNetwork);
  if (options.hostLookup !== undefined) container.bind(TOKENS.HostLookup).toConstantValue(options.hostLookup);
  bindComponentOptions(container, componentOptions(nodeConfig, nodeKey));

  const bindSlot = async (slot: PluginSlot, ref: string, token: symbol): Promise<string> => {
    const { name, implementation } = await registry.resolve(slot, ref);
    container.bind(token).to(implementation as never).inSingletonScope();
    return name;
  };
  for (const transport of nodeConfig.p2p.transports) await bindSlot('transport', transport, TOKENS.Transport);
  await bindSlot('queue', nodeConfig.p2p.queueType, TOKENS.QueueFactory);
  await bindSlot('peerStore', nodeConfig.p2p.peerStore, TOKENS.PeerStore);
  await bindSlot('scoring', nodeConfig.p2p.scoring, TOKENS.ScoringStrategy);
  const gaters: string[] = [];
  for (const gater of nodeConfig.gating.gaters) gaters.push(await bindSlot('gater', gater, TOKENS.Gater));
  checkGatingConfig(nodeConfig.gating, defaultGatingConfig(), gaters);
  container.bind(TOKENS.ConnectionGate).to(ConnectionGate).inSingletonScope();
  container.bind(TOKENS.PeerManager).to(PeerManager).inSingletonScope();
  container.bind(TOKENS.Router).to(Router).inSingletonScope();
  options.configure?.(container);

  const reactorClasses = [...new Set([...(await registry.resolveReactors(nodeConfig.reactors.enabled)), ...(options.reactors ?? [])])];
  const router = container.get<Router>(TOKENS.Router);
  const peerManager = container.get<PeerManager>(TOKENS.PeerManager);
  const scanner = new ReactorScanner(container, router, peerManager, logger);
  scanner.wire(reactorClasses);

  const node = new Node(nodeConfig, nodeKey, container, router, peerManager, scanner, logger);
  throwIfAborted(signal);
  if (options.start ?? true) await node.start(signal);
  return node;
}

/** `promise`, or an AbortError as soon as `signal` aborts. */
async function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  try {
    return await raceSignal(promise, signal);
  } catch (error) {
    throwIfAborted(signal);
    throw error;
  }
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
