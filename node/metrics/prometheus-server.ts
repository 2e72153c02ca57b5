import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import type { Logger } from '../../framework/logging/logger.js';
import { closeHttp, createBoundedServer, listenHttp, type HttpEndpointLimits } from '../http-endpoint.js';
import { parseListenHostPort, type ListenHostPort } from '../../framework/address/host-port.js';

/** Parses "host:port", ":port" or "tcp://host:port"; an empty host means every interface. */
export function parseListenAddr(laddr: string): ListenHostPort {
  const parsed = parseListenHostPort(laddr);
  if (!parsed.ok) {
    throw new InvalidArgumentError(`instrumentation.prometheus_listen_addr must be "host:port" or ":port", got "${laddr}": ${parsed.reason}`);
  }
  return parsed.value;
}

/** Serves a registry at GET /metrics in Prometheus' text format, with a connection cap and timeouts (see createBoundedServer). */
export class PrometheusServer {
  private server?: Server;

  constructor(
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly limits: HttpEndpointLimits,
  ) {}

  /** Starts listening; resolves with the URL of the metrics page. */
  async listen(laddr: string, signal?: AbortSignal): Promise<string> {
    const { host, port } = parseListenAddr(laddr);
    const server = createBoundedServer(this.limits, (req, res) => {
      if ((req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (error: unknown) => {
          this.logger.warn({ err: error }, 'collecting metrics failed');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
        },
      );
    });
    this.server = server;
    const url = `${await listenHttp(server, host, port, signal)}/metrics`;
    this.logger.info({ url }, 'prometheus metrics listening');
    return url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeHttp(server);
  }
}
