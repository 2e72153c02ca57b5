import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../../../framework/tokens.js';
import type { Endpoint, Protocol } from '../../../framework/address/endpoint.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import type { Connection, Transport } from '../../../framework/transport/transport.js';
import { DialError, TransportClosedError } from '../../../framework/transport/errors.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { AbortError, throwIfAborted } from '../../../framework/errors/base.js';
import type { MemoryConnection } from './memory-connection.js';
import { MemoryNetwork, type MemoryListener } from './memory-network.js';

export interface MemoryTransportOptions {
  /** Inbound connections waiting for accept() before dials are refused. Default 128. */
  readonly backlog?: number;
}

/** The ADR's in-memory transport: protocol "memory", addressed as `memory:<node id>`. */
@injectable()
export class MemoryTransport implements Transport, MemoryListener {
  readonly name = 'memory';
  private readonly pending = new RingBuffer<MemoryConnection>();
  private readonly arrivals = new Waiters();
  private readonly backlog: number;
  private listening = false;
  private closedFlag = false;

  constructor(
    @inject(TOKENS.MemoryNetwork) private readonly network: MemoryNetwork,
    @inject(TOKENS.NodeKey) private readonly key: NodeKey,
    @inject(TOKENS.MemoryTransportOptions) @optional() options: MemoryTransportOptions = {},
  ) {
    this.backlog = options.backlog ?? 128;
  }

  protocols(): readonly Protocol[] {
    return ['memory'];
  }

  endpoints(): readonly Endpoint[] {
    return this.listening ? [{ protocol: 'memory', path: this.key.nodeId }] : [];
  }

  async listen(): Promise<void> {
    if (this.closedFlag) throw new TransportClosedError();
    if (this.listening) return;
    this.network.listen(this.key.nodeId, this);
    this.listening = true;
  }

  offer(connection: MemoryConnection): boolean {
    if (this.closedFlag || this.pending.length >= this.backlog) return false;
    this.pending.push(connection);
    this.arrivals.wakeOne();
    return true;
  }

  async accept(signal?: AbortSignal): Promise<Connection> {
    for (;;) {
      throwIfAborted(signal);
      if (this.closedFlag) throw new TransportClosedError();
      const next = this.pending.shift();
      if (next) return next;
      await this.arrivals.wait(signal);
    }
  }

  async dial(endpoint: Endpoint, signal?: AbortSignal): Promise<Connection> {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    if (this.closedFlag) throw new TransportClosedError();
    if (endpoint.protocol !== 'memory' || !endpoint.path) {
      throw new DialError(`memory transport cannot dial ${endpoint.protocol}:${endpoint.path ?? endpoint.ip}`);
    }
    return this.network.connect(this.key.nodeId, endpoint.path);
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.network.unlisten(this.key.nodeId, this);
    for (const connection of this.pending.drain()) connection.close(new TransportClosedError());
    this.arrivals.wakeAll();
  }
}
