import type { Container } from 'inversify';
import type { Observable } from 'rxjs';
import type { Logger } from '../framework/logging/logger.js';
import type { NodeConfig } from './config/node-config.js';
import type { NodeKey } from '../framework/identity/node-key.js';
import type { NodeID } from '../framework/identity/node-id.js';
import type { NodeInfo } from '../framework/identity/node-info.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { endpointToString, isNetworked } from '../framework/address/endpoint.js';
import type { PeerManager } from '../framework/peer/peer-manager.js';
import type { PeerUpdate } from '../framework/peer/types.js';
import type { Router } from '../framework/router/router.js';
import type { RouterEvent } from '../framework/router/events.js';
import type { ReactorScanner } from '../framework/reactor/scanner.js';
import type { ReactorClass } from '../framework/reactor/metadata.js';
import { AbortError, P2PError, throwIfAborted, toError } from '../framework/errors/base.js';
import { raceSignal } from '../framework/util/abort.js';
import { ListenAddressError, StartupError, type NodePart } from './startup-error.js';
import { StatusServer } from './status/status-server.js';
import { createPrometheusRegistry } from './metrics/prometheus.js';
import { PrometheusServer } from './metrics/prometheus-server.js';

export class NodeStateError extends P2PError {
  override name = 'NodeStateError';
}

/** A running tmp2p node: its container, router, peer manager and reactors. */
export class Node {
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private startTask?: Promise<void>;
  private teardownTask?: Promise<void>;
  private readonly startAbort = new AbortController();
  private reactorsStarted = false;
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

  /**
   * Addresses others can dial this node at, e.g. `mconn://<id>@127.0.0.1:26656`, or
   * `<protocol>:<id>` for an endpoint without an IP (the memory transport, a custom local one).
   */
  addresses(): NodeAddress[] {
    return this.router.endpoints().map((endpoint) =>
      isNetworked(endpoint)
        ? NodeAddress.parse(`${endpoint.protocol}://${this.nodeId}@${endpointToString(endpoint).replace(/^[a-z]+:\/\//, '')}`)
        : NodeAddress.parse(`${endpoint.protocol}:${this.nodeId}`),
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

  /**
   * Starts the peer manager (loading the peer store), the router (its
   * transports listen), the reactors, then the status and Prometheus
   * endpoints. All or nothing: when a part fails, or `signal` aborts (or
   * stop() is called meanwhile), the parts already started are stopped in
   * reverse order and start() rejects with a StartupError (a
   * ListenAddressError for a listener) naming the config key, or an AbortError.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new NodeStateError(`cannot start a node that is ${this.state}`));
    this.state = 'starting';
    // The caller's signal aborts our own. Not AbortSignal.any(): on Node 20 a full GC collects a signal only
    // .any() refers to, so a caller's `AbortSignal.timeout(ms)` held by nothing else would never fire.
    const forward = (): void => this.startAbort.abort(signal!.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    this.startTask = this.runStart(this.startAbort.signal).finally(() => signal?.removeEventListener('abort', forward));
    return this.startTask;
  }

  private async runStart(signal: AbortSignal): Promise<void> {
    try {
      await this.startParts(signal);
      throwIfAborted(signal); // aborted during the last part, which took no signal
    } catch (error) {
      await this.teardown();
      throw error;
    }
    this.state = 'running';
    this.logger.info({ nodeId: this.nodeId, addresses: this.addresses().map(String) }, 'node started');
  }

  private async startParts(signal: AbortSignal): Promise<void> {
    const config = this.config;
    if (config.p2p.transports.includes('mconn')) {
      // A TMP2P_FRAME_AEAD that names no usable frame cipher would fail every SecretConnection
      // handshake while the node looked healthy: it fails the start instead.
      const { frameAeadReady } = await import('../plugins/transports/mconn/secret-connection/aead/select.js');
      await frameAeadReady.catch((error: Error) => {
        throw new StartupError(`starting the router (p2p.transports = ${JSON.stringify(config.p2p.transports)}) failed: ${error.name}: ${error.message}`, 'router', 'p2p.transports', { cause: error });
      });
    }
    await startPart('peer store', 'p2p.peer_store', config.p2p.peerStore, signal, () => this.peerManager.start(signal));
    await startPart('router', 'p2p.laddr', config.p2p.laddr, signal, () => this.router.start());
    this.reactorsStarted = true; // a reactor that fails in onStart is still stopped with the others
    await startPart('reactors', 'reactors.enabled', undefined, signal, () => this.scanner.start());
    if (config.status.laddr) {
      this.statusServer = new StatusServer(this, this.logger, config.status);
      this.statusUrl = await startPart('status endpoint', 'status.laddr', config.status.laddr, signal, () =>
        this.statusServer!.listen(config.status.laddr, signal),
      );
    }
    const instrumentation = config.instrumentation;
    if (instrumentation.prometheus) {
      const registry = createPrometheusRegistry(
        {
          routerMetrics: () => this.router.metrics(),
          peerManagerMetrics: () => this.peerManager.metrics(),
          peerStoreHealth: () => this.peerManager.storeHealth(),
        },
        { namespace: instrumentation.namespace },
      );
      this.prometheusServer = new PrometheusServer(registry, this.logger, instrumentation);
      this.metricsUrl = await startPart('prometheus endpoint', 'instrumentation.prometheus_listen_addr', instrumentation.prometheusListenAddr, signal, () =>
        this.prometheusServer!.listen(instrumentation.prometheusListenAddr, signal),
      );
    }
  }

  /**
   * Stops the endpoints, reactors, router and peer manager and flushes the
   * peer store. Idempotent. During start() it aborts the start and resolves
   * once what had started is stopped.
   */
  async stop(): Promise<void> {
    if (this.state === 'starting') {
      this.startAbort.abort(new AbortError('the node was stopped while starting'));
      await this.startTask?.catch(() => undefined);
    }
    const wasRunning = this.state === 'running';
    await this.teardown();
    if (wasRunning) this.logger.info({ nodeId: this.nodeId }, 'node stopped');
  }

  /**
   * Stops what started, last first; each step is safe for a part that never
   * started, and one that fails is logged without keeping the others from
   * running. Runs once.
   */
  private teardown(): Promise<void> {
    this.teardownTask ??= (async () => {
      this.state = 'stopping';
      const steps: Array<[string, () => unknown]> = [
        ['prometheus endpoint', () => this.prometheusServer?.close()],
        ['status endpoint', () => this.statusServer?.close()],
        ['reactors', () => (this.reactorsStarted ? this.scanner.stop() : undefined)],
        ['router', () => this.router.stop()],
        ['peer store', () => this.peerManager.close()],
        ['container', () => this.container.unbindAll()],
      ];
      for (const [part, stop] of steps) {
        try {
          await stop();
        } catch (error) {
          this.logger.error({ part, err: toError(error) }, 'stopping a part of the node failed; stopping the rest');
        }
      }
      this.state = 'stopped';
    })();
    return this.teardownTask;
  }
}

/**
 * Runs one part of start(). Its failure becomes a StartupError naming `key`
 * (a ListenAddressError for the listeners); an abort an AbortError at once.
 */
async function startPart<T>(part: NodePart, key: string, value: string | undefined, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  throwIfAborted(signal);
  try {
    // A part that ignores the signal (a reactor's onStart, say) is not waited for once it aborts.
    return await (signal ? raceSignal(run(), signal) : run());
  } catch (error) {
    throwIfAborted(signal);
    if (error instanceof StartupError) throw error;
    if (LISTENERS.has(part)) {
      throw new ListenAddressError(`cannot listen on ${key} = ${JSON.stringify(value)}: ${rootMessage(error)}`, part, key, value ?? '', { cause: error });
    }
    const shown = value === undefined ? key : `${key} = ${JSON.stringify(value)}`;
    const failure = toError(error);
    throw new StartupError(`starting the ${part} (${shown}) failed: ${failure.name}: ${failure.message}`, part, key, { cause: error });
  }
}

const LISTENERS: ReadonlySet<NodePart> = new Set(['router', 'status endpoint', 'prometheus endpoint']);

/** The innermost cause's message: "listen EADDRINUSE: address already in use 127.0.0.1:26656" rather than its wrappers'. */
function rootMessage(error: unknown): string {
  let e = toError(error);
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}
