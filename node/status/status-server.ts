import type { Server } from 'node:http';
import type { Logger } from '../../framework/logging/logger.js';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import { closeHttp, createBoundedServer, listenHttp, type HttpEndpointLimits } from '../http-endpoint.js';
import { parseListenHostPort } from '../../framework/address/host-port.js';
import type { NodeAddress } from '../../framework/address/node-address.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { PeerManager } from '../../framework/peer/peer-manager.js';
import type { Router } from '../../framework/router/router.js';

/** What the status endpoint reads of a running node (a Node satisfies it). */
export interface StatusSource {
  readonly nodeId: string;
  readonly config: { readonly moniker: string; readonly network: string };
  readonly nodeInfo: Pick<NodeInfo, 'channels'>;
  readonly peerManager: Pick<PeerManager, 'storeHealth' | 'snapshot' | 'metrics'>;
  readonly router: Pick<Router, 'metrics'>;
  addresses(): readonly NodeAddress[];
  peers(): readonly unknown[];
}

/**
 * A read-only JSON endpoint for operators: who the node is, every peer the
 * PeerManager knows with its state and score, and the router's counters.
 * `tmp2p init` binds it to loopback because it exposes peer addresses. It
 * holds at most `maxOpenConnections` connections and cuts off slow or idle
 * clients after `clientTimeoutMs`, so it cannot take the descriptors peers need.
 *
 *   GET /status   node ID, moniker, network, addresses, NodeInfo channels, uptime, peer store state
 *   GET /peers    PeerManager snapshot (state, score and its parts, failures, timestamps)
 *   GET /metrics  router and PeerManager counters, per-channel stats and drops, peer store health
 */
export class StatusServer {
  private server?: Server;
  private readonly startedAt = Date.now();

  constructor(
    private readonly node: StatusSource,
    private readonly logger: Logger,
    private readonly limits: HttpEndpointLimits,
  ) {}

  /** Starts listening on `laddr` ("host:port"); resolves with the endpoint's base URL. */
  async listen(laddr: string, signal?: AbortSignal): Promise<string> {
    const parsed = parseListenHostPort(laddr);
    if (!parsed.ok || parsed.value.host === undefined) {
      throw new InvalidArgumentError(`status address must be host:port, got "${laddr}"${parsed.ok ? '' : `: ${parsed.reason}`}`);
    }
    const { host, port } = parsed.value;
    const server = createBoundedServer(this.limits, (req, res) => {
      const body = this.route(req.url ?? '/');
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: `unknown path ${req.url}; try /status, /peers or /metrics` }, null, 2) + '\n');
    });
    this.server = server;
    const url = await listenHttp(server, host, port, signal);
    this.logger.info({ url }, 'status endpoint listening');
    return url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeHttp(server);
  }

  private route(url: string): unknown {
    const path = url.split('?')[0];
    const node = this.node;
    switch (path) {
      case '/status':
        return {
          nodeId: node.nodeId,
          moniker: node.config.moniker,
          network: node.config.network,
          addresses: node.addresses().map(String),
          channels: [...node.nodeInfo.channels],
          peers: node.peers().length,
          uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
          peerStore: node.peerManager.storeHealth(),
        };
      case '/peers':
        return node.peerManager.snapshot();
      case '/metrics':
        return { router: node.router.metrics(), peerManager: node.peerManager.metrics(), peerStore: node.peerManager.storeHealth() };
      default:
        return undefined;
    }
  }
}
