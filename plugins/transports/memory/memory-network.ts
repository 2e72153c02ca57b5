import { injectable } from 'inversify';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import { DialError } from '../../../framework/transport/errors.js';
import { MemoryConnection } from './memory-connection.js';

export interface MemoryListener {
  /** Offers an inbound connection; false if the listener's backlog is full. */
  offer(connection: MemoryConnection): boolean;
}

export interface MemoryNetworkOptions {
  /** Messages buffered per connection direction before trySend reports full. Default 1024. */
  readonly connectionCapacity?: number;
}

/**
 * An in-process network: memory transports register under their node ID and
 * dial each other by it. Share one instance between the nodes of a test.
 */
@injectable()
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryListener>();
  readonly connectionCapacity: number;

  constructor(options: MemoryNetworkOptions = {}) {
    this.connectionCapacity = options.connectionCapacity ?? 1024;
  }

  listen(path: string, listener: MemoryListener): void {
    if (this.listeners.has(path)) throw new DialError(`memory address ${path} is already in use`);
    this.listeners.set(path, listener);
  }

  unlisten(path: string, listener: MemoryListener): void {
    if (this.listeners.get(path) === listener) this.listeners.delete(path);
  }

  get size(): number {
    return this.listeners.size;
  }

  connect(from: string, to: string): MemoryConnection {
    const listener = this.listeners.get(to);
    if (listener === undefined) throw new DialError(`connection refused: nothing listens at memory:${to}`);
    const local: Endpoint = { protocol: 'memory', path: from };
    const remote: Endpoint = { protocol: 'memory', path: to };
    const dialer = new MemoryConnection(local, remote, this.connectionCapacity);
    const acceptor = new MemoryConnection(remote, local, this.connectionCapacity);
    MemoryConnection.pair(dialer, acceptor);
    if (!listener.offer(acceptor)) throw new DialError(`connection refused: memory:${to} has too many pending connections`);
    return dialer;
  }
}
