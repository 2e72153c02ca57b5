import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatHostPort } from '../../framework/address/host-port.js';

/**
 * Binds an operator endpoint's HTTP server (status, Prometheus); resolves
 * with its base URL, `http://host:port` as bound (the port the OS chose for 0).
 * Rejects with the bind error (address in use, no such interface) or the
 * signal's reason.
 */
export async function listenHttp(server: Server, host: string | undefined, port: number, signal?: AbortSignal): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, signal }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${formatHostPort(address.address, address.port)}`;
}

/** Closes the server and every connection it holds (keep-alive ones included), so nothing outlives the node. */
export async function closeHttp(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
