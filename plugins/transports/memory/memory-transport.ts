import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../../../framework/tokens.js';
import { endpointToString, type Endpoint, type Protocol } from '../../../framework/address/endpoint.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import type { Connection, Transport } from '../../../framework/transport/transport.js';
import { DialError, TransportClosedError } from '../../../framework/transport/errors.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { AbortError, throwIfAborted } from '../../../framework/errors/base.js';
import type { MemoryConnection } from './memory-connection.js';
import { MemoryNetwork, type MemoryListener } from './memory-network.js';
import { parseVirtualAddress, VIRTUAL_PROTOCOLS, type VirtualAddress } from './virtual-address.js';

export interface MemoryTransportOptions {
  /** Inbound connections waiting for accept() before dials are refused. Default 128. */
  readonly backlog?: number;
  /**
   * A virtual `ip:port` to listen on as well, inside the MemoryNetwork
   * (e.g. "10.0.0.7:26656"); config `p2p.memory_virtual_address`. Default: none.
   */
  readonly virtualAddress?: string;
}

const MEMORY_ONLY: readonly Protocol[] = Object.freeze(['memory']);
const WITH_VIRTUAL: readonly Protocol[] = Object.freeze(['memory', ...VIRTUAL_PROTOCOLS]);

/**
 * The ADR's in-memory transport: protocol "memory", addressed as
 * `memory:<node id>`. With a virtual address (`p2p.memory_virtual_address`)
 * it also listens on that `ip:port` inside its MemoryNetwork and dials
 * `mconn`/`tcp` endpoints registered there, so the node looks like one on
 * an IP network — its NodeInfo advertises the address, PEX can gossip it,
 * private-range rules apply — while no socket is ever opened.
 */
@injectable()
export class MemoryTransport implements Transport, MemoryListener {
  readonly name = 'memory';
  /** The virtual ip:port this transport listens on, if any. */
  readonly virtualAddress: VirtualAddress | undefined;
  private readonly pending = new RingBuffer<MemoryConnection>();
  private readonly arrivals = new Waiters();
  private readonly backlog: number;
  /** The in-process network this transport is attached to (`TOKENS.MemoryNetwork`, else its own). */
  readonly network: MemoryNetwork;
  private listening = false;
  private closedFlag = false;

  constructor(
    @inject(TOKENS.MemoryNetwork) @optional() network: MemoryNetwork | undefined,
    @inject(TOKENS.NodeKey) private readonly key: NodeKey,
    @inject(TOKENS.MemoryTransportOptions) @optional() options: MemoryTransportOptions = {},
  ) {
    this.network = network ?? new MemoryNetwork();
    this.backlog = options.backlog ?? 128;
    const text = options.virtualAddress ?? '';
    this.virtualAddress = text === '' ? undefined : parseVirtualAddress(text, 'config key "p2p.memory_virtual_address"');
  }

  protocols(): readonly Protocol[] {
    return this.virtualAddress === undefined ? MEMORY_ONLY : WITH_VIRTUAL;
  }

  endpoints(): readonly Endpoint[] {
    if (!this.listening) return [];
    const memory: Endpoint = { protocol: 'memory', path: this.key.nodeId };
    const virtual = this.virtualAddress;
    return virtual === undefined ? [memory] : [memory, { protocol: 'mconn', ip: virtual.ip, port: virtual.port }];
  }

  async listen(): Promise<void> {
    if (this.closedFlag) throw new TransportClosedError();
    if (this.listening) return;
    this.network.listen(this.key.nodeId, this);
    if (this.virtualAddress !== undefined) {
      try {
        this.network.listenVirtual(this.virtualAddress, this);
      } catch (error) {
        this.network.unlisten(this.key.nodeId, this);
        throw error;
      }
    }
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
    if (endpoint.protocol === 'memory' && endpoint.path) {
      return this.network.connectEndpoint({ protocol: 'memory', path: this.key.nodeId }, endpoint);
    }
    const virtual = this.virtualAddress;
    if (virtual !== undefined && VIRTUAL_PROTOCOLS.includes(endpoint.protocol) && endpoint.ip) {
      return this.network.connectEndpoint({ protocol: endpoint.protocol, ip: virtual.ip }, endpoint);
    }
    throw new DialError(`memory transport cannot dial ${endpointToString(endpoint)}${virtual === undefined ? ' (it has no virtual address)' : ''}`);
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.network.unlisten(this.key.nodeId, this);
    if (this.virtualAddress !== undefined) this.network.unlistenVirtual(this.virtualAddress, this);
    for (const connection of this.pending.drain()) connection.close(new TransportClosedError());
    this.arrivals.wakeAll();
  }
}
