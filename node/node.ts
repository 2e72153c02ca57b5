import type { Container } from 'inversify';
import type { Observable } from 'rxjs';
import type { Logger } from '../framework/logging/logger.js';
import type { NodeConfig } from './config/node-config.js';
import type { NodeKey } from '../framework/identity/node-key.js';
import type { NodeID } from '../framework/identity/node-id.js';
import type { NodeInfo } from '../framework/identity/node-info.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { endpointToString } from '../framework/address/endpoint.js';
import type { PeerManager } from '../framework/peer/peer-manager.js';
import type { PeerUpdate } from '../framework/peer/types.js';
import type { Router } from '../framework/router/router.js';
import type { RouterEvent } from '../framework/router/events.js';
import type { ReactorScanner } from '../framework/reactor/scanner.js';
import type { ReactorClass } from '../framework/reactor/metadata.js';
import { P2PError } from '../framework/errors/base.js';
import { StatusServer } from './status/status-server.js';
import { createPrometheusRegistry } from './metrics/prometheus.js';
import { PrometheusServer } from './metrics/prometheus-server.js';

export class NodeStateError extends P2PError {
  override name = 'NodeStateError';
}

/** A running tmp2p node: its container, router, peer manager and reactors. */
export class Node {
  private state: 'new' | 'running' | 'stopped' = 'new';
  private statusServer?: StatusServer;
  private prometheusServer?: PrometheusServer;
  /** URL of the status endpoint while it runs (config `status.laddr`). */
  statusUrl?: string;
  /** URL of the Prometheus metrics page while it runs (config `[instrumentation]`). */
  metricsUrl?: string;

  constructor(
    readonly config: NodeConfig,
    readonly nodeKey: NodeKey,
    readonly container: Container,
    readonly router: Router,
    readonly peerManager: PeerManager,
    private readonly scanner: ReactorScanner,
    readonly logger: Logger,
  ) {}

  get nodeId(): NodeID {
    return this.nodeKey.nodeId;
  }

  get nodeInfo(): NodeInfo {
    return this.router.nodeInfo();
  }

  get events$(): Observable<RouterEvent> {
    return this.router.events$;
  }

  get peerUpdates$(): Observable<PeerUpdate> {
    return this.peerManager.subscribe();
  }

  /** Addresses others can dial this node at, e.g. `memory:<id>` or `<id>@127.0.0.1:26656`. */
  addresses(): NodeAddress[] {
    return this.router.endpoints().map((endpoint) =>
      endpoint.protocol === 'memory'
        ? NodeAddress.parse(`memory:${this.nodeId}`)
        : NodeAddress.parse(`${endpoint.protocol}://${this.nodeId}@${endpointToString(endpoint).replace(/^[a-z]+:\/\//, '')}`),
    );
  }

  /** Node IDs of connected, ready peers. */
  peers(): NodeID[] {
    return this.router.connectedPeers();
  }

  /** The instance of a reactor this node runs. */
  reactor<T extends object>(cls: ReactorClass & (abstract new (...args: never[]) => T)): T {
    const found = this.scanner.instances().find((r) => r instanceof cls);
    if (!found) throw new NodeStateError(`this node does not run reactor ${cls.name}`);
    return found as T;
  }

  /** Tells the PeerManager about an address (it decides when to dial). */
  addPeer(address: string | NodeAddress): boolean {
    return this.peerManager.add(typeof address === 'string' ? NodeAddress.parse(address) : address);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new NodeStateError(`cannot start a node that is ${this.state}`);
    this.state = 'running';
    await this.peerManager.start();
    await this.router.start();
    await this.scanner.start();
    if (this.config.status.laddr) {
      this.statusServer = new StatusServer(this, this.logger);
      this.statusUrl = await this.statusServer.listen(this.config.status.laddr);
    }
    const instrumentation = this.config.instrumentation;
    if (instrumentation.prometheus) {
      const registry = createPrometheusRegistry(
        {
          routerMetrics: () => this.router.metrics(),
          peerManagerMetrics: () => this.peerManager.metrics(),
          peerStoreHealth: () => this.peerManager.storeHealth(),
        },
        { namespace: instrumentation.namespace },
      );
      this.prometheusServer = new PrometheusServer(registry, this.logger);
      this.metricsUrl = await this.prometheusServer.listen(instrumentation.prometheusListenAddr);
    }
    this.logger.info({ nodeId: this.nodeId, addresses: this.addresses().map(String) }, 'node started');
  }

  /** Stops reactors, router and peer manager and flushes the peer store. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    await this.statusServer?.close();
    await this.prometheusServer?.close();
    if (wasRunning) await this.scanner.stop();
    await this.router.stop();
    await this.peerManager.close();
    await this.container.unbindAll();
    if (wasRunning) this.logger.info({ nodeId: this.nodeId }, 'node stopped');
  }
}
