import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError } from '../framework/errors/base.js';

/**
 * How long an operator endpoint (status, Prometheus) waits for a client. A
 * client that connects and sends nothing, or trickles its request, holds a
 * file descriptor the node needs for peers: it is cut off after these.
 */
export const HTTP_ENDPOINT_TIMEOUTS = Object.freeze({
  /** The request's headers must arrive within this. */
  headersMs: 5_000,
  /** The whole request must arrive within this. */
  requestMs: 10_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: 5_000,
  /** A socket with no traffic at all is destroyed after this. */
  idleMs: 10_000,
});

export interface HttpEndpointLimits {
  /** Connections open at once; more are closed as soon as they are accepted. 0 = no limit. */
  readonly maxOpenConnections: number;
}

/** An HTTP server with a connection cap and the timeouts above: what a local operator endpoint needs. */
export function createBoundedServer(limits: HttpEndpointLimits, handler: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: HTTP_ENDPOINT_TIMEOUTS.headersMs,
      requestTimeout: HTTP_ENDPOINT_TIMEOUTS.requestMs,
      // How often the two deadlines above are checked (Node's default is 30 s).
      connectionsCheckingInterval: 1_000,
    },
    handler,
  );
  server.keepAliveTimeout = HTTP_ENDPOINT_TIMEOUTS.keepAliveMs;
  // With no 'timeout' listener, Node destroys a socket idle for this long.
  server.setTimeout(HTTP_ENDPOINT_TIMEOUTS.idleMs);
  if (limits.maxOpenConnections > 0) server.maxConnections = limits.maxOpenConnections;
  return server;
}

/** Listens on host:port (every interface without a host); resolves with "http://host:port". */
export async function listenHttp(server: Server, host: string | undefined, port: number, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new AbortError('listen aborted', { cause: signal.reason });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    };
    const abort = () => {
      server.off('error', fail);
      server.close();
      reject(new AbortError('listen aborted', { cause: signal?.reason }));
    };
    server.once('error', fail);
    signal?.addEventListener('abort', abort, { once: true });
    server.listen(port, host, () => {
      server.off('error', fail);
      signal?.removeEventListener('abort', abort);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Closes the server and every connection it holds. */
export async function closeHttp(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
