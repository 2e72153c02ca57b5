import { createServer } from 'node:net';
import { AbortError } from '../../../framework/errors/base.js';
import { CometBFTHarnessError } from './errors.js';

/**
 * Ports this process already handed out. The OS may return a just-closed port again, and two nodes
 * created back to back must not be given the same one before either has bound it. Bounded: only the
 * most recent entries matter, because older ones are bound by their node (or long released).
 */
const recentlyAllocated = new Set<number>();
const RECENT_LIMIT = 4096;
/** Attempts per port before giving up (only exhausted if the OS keeps returning recent ports). */
const MAX_ATTEMPTS = 64;

export interface FreePortOptions {
  /** Interface to probe. Default `127.0.0.1` (all test nodes listen on loopback). */
  readonly host?: string;
  readonly signal?: AbortSignal;
}

/**
 * Returns `count` distinct TCP ports that were free on `host` a moment ago. All probe sockets are
 * held open together so the OS cannot hand the same port out twice within one call. There is an
 * unavoidable window between probing and the node binding; callers retry on EADDRINUSE if it matters.
 */
export async function getFreePorts(count: number, options: FreePortOptions = {}): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > 1024) {
    throw new CometBFTHarnessError(`port count must be an integer in [1, 1024], got ${count}`);
  }
  const host = options.host ?? '127.0.0.1';
  const servers: ReturnType<typeof createServer>[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (options.signal?.aborted) throw new AbortError('free port allocation aborted', { cause: options.signal.reason });
      if (attempts >= count * MAX_ATTEMPTS) {
        throw new CometBFTHarnessError(`could not find ${count} unused ports on ${host} after ${attempts} attempts`);
      }
      const server = createServer();
      servers.push(server);
      const port = await listenOnEphemeral(server, host);
      if (recentlyAllocated.has(port) || ports.includes(port)) continue;
      ports.push(port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  for (const port of ports) remember(port);
  return ports;
}

/** One free port on `host` (see {@link getFreePorts}). */
export async function getFreePort(options: FreePortOptions = {}): Promise<number> {
  const [port] = await getFreePorts(1, options);
  return port!;
}

function listenOnEphemeral(server: ReturnType<typeof createServer>, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new CometBFTHarnessError(`cannot listen on ${host}:0 to find a free port: ${cause.message}`, { cause })),
    );
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new CometBFTHarnessError(`listening on ${host}:0 gave no TCP address`));
      } else {
        resolve(address.port);
      }
    });
  });
}

function remember(port: number): void {
  recentlyAllocated.add(port);
  if (recentlyAllocated.size > RECENT_LIMIT) {
    // Sets iterate in insertion order, so the first entry is the oldest.
    recentlyAllocated.delete(recentlyAllocated.values().next().value!);
  }
}
