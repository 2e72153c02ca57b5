import type { NodeID } from '../identity/node-id.js';
import type { PeerManagerOptions } from './options.js';
import type { PeerEntry } from './peer-entry.js';
import type { ConnectionDirection } from './types.js';

/**
 * Lifecycle state of a known peer, most significant first:
 * `evicting` (connected, eviction scheduled or under way) > `ready` >
 * `connected-in`/`connected-out` (handshaken, not yet ready) > `dialing` >
 * `banned` > `inactive` > `disconnected`.
 */
export type PeerState = 'disconnected' | 'dialing' | 'connected-in' | 'connected-out' | 'ready' | 'evicting' | 'banned' | 'inactive';

/** What the peer manager records of one established connection (not the transport's Connection). */
export interface ConnectionRecord {
  readonly direction: ConnectionDirection;
  readonly since: number;
  /** A persistent peer: exempt from the inbound cap and never counted against it. */
  readonly persistent: boolean;
  /** Outbound: the address dialed and its failure count before this success, for the flap window. */
  readonly dialedAddress?: { readonly key: string; readonly failuresBefore: number };
  /** Set by `ready`, when the peer's `up` was published. */
  channels?: ReadonlySet<number>;
}

type Limits = Pick<PeerManagerOptions, 'maxConnected' | 'maxConnectedUpgrade' | 'maxOutgoing' | 'maxInbound'>;

/**
 * The connection side of the peer manager's state: dials in flight, upgrade
 * targets, connections, and evictions. Pure bookkeeping; the manager decides.
 */
export class ConnectionTable {
  /** Peers being dialed → key of the address handed out. */
  readonly dialing = new Map<NodeID, string>();
  /** Upgrade dials: dialing peer → connected peer it is meant to replace. */
  readonly upgrading = new Map<NodeID, NodeID>();
  readonly connected = new Map<NodeID, ConnectionRecord>();
  /** Connected peers scheduled for eviction, not yet handed to the router. */
  readonly evictQueue = new Set<NodeID>();
  /** Peers handed to the router by tryEvictNext, until `disconnected`. */
  readonly evicting = new Set<NodeID>();

  constructor(private readonly limits: Limits) {}

  /** Dialing or connected: not a dial candidate. */
  busy(id: NodeID): boolean {
    return this.connected.has(id) || this.dialing.has(id);
  }

  /** Peers dialing or connected (each once), in O(dials in flight). */
  get busyCount(): number {
    let n = this.connected.size;
    for (const id of this.dialing.keys()) if (!this.connected.has(id)) n++;
    return n;
  }

  /** Eviction scheduled or under way. */
  leaving(id: NodeID): boolean {
    return this.evictQueue.has(id) || this.evicting.has(id);
  }

  /** Room for one more connection, counting dials in flight and the upgrade slots. */
  hasFreeSlot(): boolean {
    const { maxConnected, maxConnectedUpgrade } = this.limits;
    return maxConnected === 0 || this.connected.size + this.dialing.size < maxConnected + maxConnectedUpgrade;
  }

  /** Every regular slot is taken (dials in flight included): a new connection must replace someone. */
  atCapacity(countDials: boolean): boolean {
    const used = this.connected.size + (countDials ? this.dialing.size : 0);
    return this.limits.maxConnected > 0 && used >= this.limits.maxConnected;
  }

  /** Even the upgrade slots are taken. */
  atHardCap(): boolean {
    return this.limits.maxConnected > 0 && this.connected.size >= this.limits.maxConnected + this.limits.maxConnectedUpgrade;
  }

  /**
   * `maxOutgoing` reached, counting dials in flight. It limits only
   * non-persistent peers: a persistent peer must be able to reconnect even
   * when ordinary outbound peers hold every outgoing slot.
   */
  outgoingFull(): boolean {
    if (this.limits.maxOutgoing === 0) return false;
    let outgoing = this.dialing.size;
    for (const c of this.connected.values()) if (c.direction === 'outbound') outgoing++;
    return outgoing >= this.limits.maxOutgoing;
  }

  /** `maxInbound` reached by inbound connections of non-persistent peers. */
  inboundFull(): boolean {
    if (this.limits.maxInbound === 0) return false;
    let inbound = 0;
    for (const c of this.connected.values()) if (c.direction === 'inbound' && !c.persistent) inbound++;
    return inbound >= this.limits.maxInbound;
  }

  /** Queues the eviction of a connected peer; false when it is being evicted already. */
  scheduleEviction(id: NodeID): boolean {
    if (this.evicting.has(id)) return false;
    this.evictQueue.add(id);
    return true;
  }

  /**
   * Takes queued evictions off the queue until one is still due: the peer is
   * connected and not yet being evicted (it may have gone meanwhile).
   */
  takeScheduledEviction(): NodeID | undefined {
    for (const id of this.evictQueue) {
      this.evictQueue.delete(id);
      if (this.connected.has(id) && !this.evicting.has(id)) return id;
    }
    return undefined;
  }

  /** Ends a dial (either way), releasing its upgrade target. */
  endDial(id: NodeID): boolean {
    this.upgrading.delete(id);
    return this.dialing.delete(id);
  }

  /** Removes every trace of a connection; returns it if there was one. */
  drop(id: NodeID): ConnectionRecord | undefined {
    this.evictQueue.delete(id);
    this.evicting.delete(id);
    for (const [upgrader, target] of this.upgrading) if (target === id) this.upgrading.delete(upgrader);
    const connection = this.connected.get(id);
    this.connected.delete(id);
    return connection;
  }

  readyIds(): NodeID[] {
    return [...this.connected].filter(([, c]) => c.channels !== undefined).map(([id]) => id);
  }

  clear(): void {
    this.dialing.clear();
    this.upgrading.clear();
    this.connected.clear();
    this.evictQueue.clear();
    this.evicting.clear();
  }

  /** The lifecycle state of a known peer (see PeerState for the precedence). */
  stateOf(entry: PeerEntry, now: number): PeerState {
    const id = entry.nodeId;
    const connection = this.connected.get(id);
    if (connection !== undefined) {
      if (this.leaving(id)) return 'evicting';
      if (connection.channels !== undefined) return 'ready';
      return connection.direction === 'inbound' ? 'connected-in' : 'connected-out';
    }
    if (this.dialing.has(id)) return 'dialing';
    if (entry.bannedUntil !== undefined && now < entry.bannedUntil) return 'banned';
    if (entry.inactiveSince !== undefined) return 'inactive';
    return 'disconnected';
  }
}
