import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError } from '../framework/errors/base.js';
import { formatHostPort } from '../framework/address/host-port.js';

/** An idle keep-alive connection is closed after this (or the client timeout, when shorter). */
const KEEP_ALIVE_MS = 5_000;

export interface HttpEndpointLimits {
  /** Connections open at once; more are closed as soon as they are accepted. 0 = no limit. */
  readonly maxOpenConnections: number;
  /**
   * A client must send its whole request within this, and a socket without
   * traffic for this long is destroyed: one that connects and sends nothing,
   * or trickles its request, holds a file descriptor the node needs for peers.
   */
  readonly clientTimeoutMs: number;
}

/** An HTTP server with a connection cap and client timeouts: what a local operator endpoint needs. */
export function createBoundedServer(limits: HttpEndpointLimits, handler: RequestListener): Server {
  const timeout = limits.clientTimeoutMs;
  const server = createServer(
    {
      headersTimeout: timeout,
      requestTimeout: timeout,
      // How often the two deadlines above are checked (Node's default is 30 s).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(timeout / 2))),
    },
    handler,
  );
  server.keepAliveTimeout = Math.min(KEEP_ALIVE_MS, timeout);
  // With no 'timeout' listener, Node destroys a socket idle for this long.
  server.setTimeout(timeout);
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
  return `http://${formatHostPort(address.address, address.port)}`;
}

/** Closes the server and every connection it holds. */
export async function closeHttp(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
