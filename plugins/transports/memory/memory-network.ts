import { injectable } from 'inversify';
import { endpointToString, type Endpoint } from '../../../framework/address/endpoint.js';
import { DialError } from '../../../framework/transport/errors.js';
import { LinkConditionsError, MemoryAddressInUseError } from './errors.js';
import { resolveLinkConditions, type LinkConditions, type ResolvedLinkConditions } from './link-conditions.js';
import { MemoryConnection, type LinkCounters, type MemoryLinkStats } from './memory-connection.js';
import { formatVirtualAddress, virtualAddressOf, virtualKey, type VirtualAddress } from './virtual-address.js';

export interface MemoryListener {
  /** Offers an inbound connection; false if the listener's backlog is full. */
  offer(connection: MemoryConnection): boolean;
}

export interface MemoryNetworkOptions {
  /** Messages buffered per connection direction (in flight and in the inbox) before trySend reports full. Default 1024. */
  readonly connectionCapacity?: number;
  /** Conditions of every link: latency, jitter, loss. Default: none (instant, lossless). */
  readonly link?: LinkConditions;
  /**
   * Per-connection conditions, asked once per dial with the dialer's and the
   * listener's endpoints (virtual `ip:port` or `memory:<id>`); undefined
   * falls back to `link`. Use it for regions, a slow node, a lossy path.
   */
  readonly linkConditions?: (dialer: Endpoint, listener: Endpoint) => LinkConditions | undefined;
  /** Uniform in [0, 1); decides losses and jitter. Default Math.random. Pass a seeded one for reproducible runs. */
  readonly random?: () => number;
}

/** Message counts over every connection the network has opened. */
export interface MemoryNetworkStats extends MemoryLinkStats {
  /** Connections opened (each has two directions). */
  readonly connections: number;
}

/** First port handed to dialers that have a virtual IP (Linux's default ephemeral range). */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

/**
 * An in-process network: memory transports register under their node ID
 * (`memory:<id>`) and, optionally, a virtual `ip:port`, and dial each other
 * by either. Share one instance between the nodes of a test or simulation.
 * Connections get the network's link conditions (latency, jitter, loss).
 */
@injectable()
export class MemoryNetwork {
  private readonly listeners = new Map<string, MemoryListener>();
  private readonly virtualListeners = new Map<string, MemoryListener>();
  readonly connectionCapacity: number;
  /** Conditions of links `linkConditions` says nothing about. */
  readonly link: ResolvedLinkConditions;
  private readonly linkFor: MemoryNetworkOptions['linkConditions'];
  private readonly random: () => number;
  private readonly totals: LinkCounters = { sent: 0, delivered: 0, lost: 0, discarded: 0 };
  private connections = 0;
  private nextEphemeral = EPHEMERAL_FIRST;

  constructor(options: MemoryNetworkOptions = {}) {
    const capacity = options.connectionCapacity ?? 1024;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new LinkConditionsError(`MemoryNetwork option connectionCapacity = ${JSON.stringify(capacity)} is invalid: expected an integer ≥ 1`);
    }
    if (options.linkConditions !== undefined && typeof options.linkConditions !== 'function') {
      throw new LinkConditionsError('MemoryNetwork option linkConditions must be a function (dialer, listener) => conditions');
    }
    if (options.random !== undefined && typeof options.random !== 'function') {
      throw new LinkConditionsError('MemoryNetwork option random must be a function returning numbers in [0, 1)');
    }
    this.connectionCapacity = capacity;
    this.link = resolveLinkConditions(options.link, 'MemoryNetwork option link');
    this.linkFor = options.linkConditions;
    this.random = options.random ?? Math.random;
  }

  /** Registers `memory:<path>`. Throws MemoryAddressInUseError when taken. */
  listen(path: string, listener: MemoryListener): void {
    if (this.listeners.has(path)) throw new MemoryAddressInUseError(`memory address memory:${path} is already in use`);
    this.listeners.set(path, listener);
  }

  unlisten(path: string, listener: MemoryListener): void {
    if (this.listeners.get(path) === listener) this.listeners.delete(path);
  }

  /** Registers a virtual `ip:port`. Throws MemoryAddressInUseError when another listener has it. */
  listenVirtual(address: VirtualAddress, listener: MemoryListener): void {
    const key = virtualKey(address);
    const holder = this.virtualListeners.get(key);
    if (holder !== undefined && holder !== listener) {
      throw new MemoryAddressInUseError(`virtual address ${formatVirtualAddress(address)} is already in use in this memory network`);
    }
    this.virtualListeners.set(key, listener);
  }

  unlistenVirtual(address: VirtualAddress, listener: MemoryListener): void {
    const key = virtualKey(address);
    if (this.virtualListeners.get(key) === listener) this.virtualListeners.delete(key);
  }

  /** Listeners registered under a node ID. */
  get size(): number {
    return this.listeners.size;
  }

  /** Totals over every connection so far; `sent = delivered + lost + discarded + inFlight`. */
  stats(): MemoryNetworkStats {
    const { sent, delivered, lost, discarded } = this.totals;
    return { connections: this.connections, sent, delivered, lost, discarded, inFlight: sent - delivered - lost - discarded };
  }

  /** Dials `memory:<to>` from `memory:<from>`. */
  connect(from: string, to: string): MemoryConnection {
    return this.connectEndpoint({ protocol: 'memory', path: from }, { protocol: 'memory', path: to });
  }

  /**
   * Dials `target` — `memory:<id>`, or an `mconn`/`tcp` endpoint whose
   * ip:port is registered here — from `local`. A virtual-IP dialer passes
   * its IP without a port; it gets an ephemeral one, as a TCP client does.
   */
  connectEndpoint(local: Endpoint, target: Endpoint): MemoryConnection {
    const listener = this.listenerFor(target);
    const dialerEnd: Endpoint = local.ip !== undefined && local.port === undefined ? { ...local, port: this.ephemeralPort() } : local;
    const conditions = this.conditionsFor(dialerEnd, target);
    const link = { conditions, random: this.random, totals: this.totals };
    const dialer = new MemoryConnection(dialerEnd, target, this.connectionCapacity, link);
    const acceptor = new MemoryConnection(target, dialerEnd, this.connectionCapacity, link);
    MemoryConnection.pair(dialer, acceptor);
    if (!listener.offer(acceptor)) throw new DialError(`connection refused: ${endpointToString(target)} has too many pending connections`);
    this.connections++;
    return dialer;
  }

  private listenerFor(target: Endpoint): MemoryListener {
    if (target.protocol === 'memory') {
      const listener = target.path === undefined ? undefined : this.listeners.get(target.path);
      if (listener === undefined) throw new DialError(`connection refused: nothing listens at memory:${target.path ?? ''}`);
      return listener;
    }
    const virtual = virtualAddressOf(target);
    const listener = virtual === undefined ? undefined : this.virtualListeners.get(virtualKey(virtual));
    if (listener === undefined) throw new DialError(`connection refused: nothing in this memory network listens at ${endpointToString(target)}`);
    return listener;
  }

  private conditionsFor(dialer: Endpoint, listener: Endpoint): ResolvedLinkConditions {
    const custom = this.linkFor?.(dialer, listener);
    return custom === undefined ? this.link : resolveLinkConditions(custom, `linkConditions(${endpointToString(dialer)}, ${endpointToString(listener)})`);
  }

  private ephemeralPort(): number {
    const port = this.nextEphemeral;
    this.nextEphemeral = port >= EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
    return port;
  }
}
