import { formatHostPort, parseListenHostPort } from '../../framework/address/host-port.js';
import { loadConfig } from '../config/loader.js';
import type { NodeConfig } from '../config/node-config.js';
import { createNode, type CreateNodeOptions } from '../create-node.js';
import type { Node } from '../node.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import { silentLogger, type Logger } from '../../framework/logging/logger.js';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../plugins/transports/memory/memory-network.js';
import { P2PError } from '../../framework/errors/base.js';
import { LOOPBACK_TESTNET_SETTINGS } from '../config/loopback-testnet.js';

export class WaitTimeoutError extends P2PError {
  override name = 'WaitTimeoutError';
}

export interface TestNetworkOptions {
  /** Number of nodes. */
  readonly nodes: number;
  /** Reactor classes every node runs (in addition to config's `reactors.enabled`, which defaults to none here). */
  readonly reactors?: readonly ReactorClass[];
  /** Config overrides, nested like config.toml (snake_case), applied to every node. */
  readonly config?: Record<string, unknown>;
  /** Per-node overrides, by index. */
  readonly nodeConfig?: (index: number) => Record<string, unknown>;
  /** "full-mesh" (default): node i dials every node j > i. "none": connect them yourself. */
  readonly topology?: 'full-mesh' | 'none';
  /** Default: silent. */
  readonly logger?: Logger;
  /**
   * The in-process network, or options for a new one — e.g.
   * `{ link: { latencyMs: 20, jitterMs: 10, lossRate: 0.01 } }` to test a
   * reactor over slow, lossy links. Default: a new ideal network.
   */
  readonly memoryNetwork?: MemoryNetwork | MemoryNetworkOptions;
  /** Extra createNode options (e.g. `configure` to rebind plugins). */
  readonly createNodeOptions?: Omit<CreateNodeOptions, 'nodeKey' | 'memoryNetwork' | 'logger' | 'reactors'>;
}

/**
 * Test-friendly defaults: memory transport, no reactors unless asked, fast
 * retries so churn tests converge quickly, no separate outbound or inbound
 * budget, and the loopback testnet settings (no per-IP limits) for networks
 * run over loopback TCP.
 */
const TEST_DEFAULTS = {
  p2p: {
    laddr: 'memory',
    transports: ['memory'],
    max_outgoing_connections: 0,
    max_inbound_connections: 0,
    min_retry_time: '10ms',
    max_retry_time: '200ms',
    max_retry_time_persistent: '200ms',
    retry_jitter: '10ms',
    disconnect_cooldown: '20ms',
  },
  reactors: { enabled: [] },
};

/** A whole network of nodes in one process over the memory transport. */
export class TestNetwork {
  readonly nodes: Node[] = [];
  private readonly keys: NodeKey[] = [];
  private readonly configs: NodeConfig[] = [];

  private constructor(
    private readonly options: TestNetworkOptions,
    readonly memoryNetwork: MemoryNetwork,
    private readonly logger: Logger,
  ) {}

  static async create(options: TestNetworkOptions): Promise<TestNetwork> {
    const memory = options.memoryNetwork instanceof MemoryNetwork ? options.memoryNetwork : new MemoryNetwork(options.memoryNetwork);
    const network = new TestNetwork(options, memory, options.logger ?? silentLogger());
    try {
      for (let i = 0; i < options.nodes; i++) await network.addNode();
      if ((options.topology ?? 'full-mesh') === 'full-mesh') {
        for (let i = 0; i < network.nodes.length; i++) {
          for (let j = i + 1; j < network.nodes.length; j++) network.connect(i, j);
        }
      }
    } catch (error) {
      await network.stop();
      throw error;
    }
    return network;
  }

  node(index: number): Node {
    const node = this.nodes[index];
    if (!node) throw new RangeError(`no node ${index}; the network has ${this.nodes.length}`);
    return node;
  }

  /**
   * Tells node `from` every address node `to` listens on (`memory:<id>`,
   * `mconn://<id>@127.0.0.1:<port>`, …); its PeerManager dials when it sees fit.
   * When both have a virtual IP (`p2p.memory_virtual_address`), only `to`'s
   * virtual address: the connection then runs between the two IPs, as on a
   * real network (link conditions by IP, IP-based gating and PEX rules apply).
   */
  connect(from: number, to: number): void {
    const target = this.node(to);
    let addresses = target.addresses();
    if (addresses.length === 0) throw new RangeError(`node ${to} listens on no address; check p2p.laddr and p2p.transports`);
    if (this.hasVirtualAddress(from) && this.hasVirtualAddress(to)) addresses = addresses.filter((address) => address.protocol !== 'memory');
    for (const address of addresses) this.node(from).addPeer(address);
  }

  private hasVirtualAddress(index: number): boolean {
    return (this.configs[index]?.p2p.memoryVirtualAddress ?? '') !== '';
  }

  /** Adds and starts one more node (not connected to anyone yet). */
  async addNode(): Promise<Node> {
    const index = this.nodes.length;
    const config = await loadConfig({
      values: mergeAll(TEST_DEFAULTS, LOOPBACK_TESTNET_SETTINGS, this.options.config ?? {}, this.options.nodeConfig?.(index) ?? {}, { moniker: `node-${index}` }),
    });
    const key = NodeKey.generate();
    this.keys.push(key);
    this.configs.push(config);
    const node = await this.boot(index);
    this.nodes.push(node);
    return node;
  }

  /** Stops node `index` (its peers see it go down). */
  async stopNode(index: number): Promise<void> {
    await this.node(index).stop();
  }

  /** Starts node `index` again with the same key and config, and redials the peers it knew. */
  async restartNode(index: number): Promise<Node> {
    const old = this.node(index);
    const known = old.peerManager.snapshot().flatMap((p) => p.addresses);
    this.pinListenPort(index, old);
    await old.stop();
    const node = await this.boot(index);
    this.nodes[index] = node;
    for (const address of known) node.addPeer(address);
    return node;
  }

  /** Resolves when every running node is connected to every other running node. */
  async waitForFullMesh(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.waitFor(() => {
      const running = this.nodes.filter((n) => n.router.isRunning);
      return running.every((n) => running.every((m) => m === n || n.peers().includes(m.nodeId)));
    }, { ...options, what: 'full mesh' });
  }

  /** Polls `predicate` until true; rejects with WaitTimeoutError after `timeoutMs` (default 10 s). */
  async waitFor(predicate: () => boolean, options: { timeoutMs?: number; signal?: AbortSignal; what?: string } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    while (!predicate()) {
      options.signal?.throwIfAborted();
      if (Date.now() > deadline) throw new WaitTimeoutError(`timed out waiting for ${options.what ?? 'condition'}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.stop()));
  }

  /**
   * A node that listened on "tcp://host:0" comes back on the port it had, so
   * the addresses its peers already know stay valid across the restart.
   */
  private pinListenPort(index: number, node: Node): void {
    const config = this.configs[index]!;
    const parsed = parseListenHostPort(config.p2p.laddr);
    const port = node.router.endpoints().find((e) => e.port !== undefined && e.port > 0)?.port;
    if (!parsed.ok || parsed.value.port !== 0 || parsed.value.host === undefined || port === undefined) return;
    this.configs[index] = { ...config, p2p: { ...config.p2p, laddr: `tcp://${formatHostPort(parsed.value.host, port)}` } };
  }

  private boot(index: number): Promise<Node> {
    return createNode(this.configs[index]!, {
      ...this.options.createNodeOptions,
      nodeKey: this.keys[index],
      memoryNetwork: this.memoryNetwork,
      logger: this.logger,
      reactors: this.options.reactors,
    });
  }
}

/** Shorthand for `TestNetwork.create`. */
export function createTestNetwork(options: TestNetworkOptions): Promise<TestNetwork> {
  return TestNetwork.create(options);
}

type Table = Record<string, unknown>;
function mergeAll(...tables: Table[]): Table {
  const out: Table = {};
  for (const t of tables) merge(out, t);
  return out;
}
function merge(target: Table, source: Table): void {
  for (const [k, v] of Object.entries(source)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const existing = target[k];
      target[k] = existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
      merge(target[k] as Table, v as Table);
    } else {
      target[k] = v;
    }
  }
}
