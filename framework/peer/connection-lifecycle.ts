import type { Observable } from 'rxjs';
import type { NodeID } from '../identity/node-id.js';
import { peerErrorFields } from '../logging/peer-faults.js';
import type { ConnectionTable } from './connections.js';
import type { PeerCounters } from './counters.js';
import type { DialFailures } from './dial-failures.js';
import type { PeerManagerOptions } from './options.js';
import type { PeerBook } from './peer-book.js';
import { PeerUpdateHub } from './peer-updates.js';
import type { Ranking } from './ranking.js';
import { evictionVictim } from './selection.js';
import type { Clock, PeerManagerLogger, PeerUpdate } from './types.js';

/** What ConnectionLifecycle reads and changes of the peer manager. */
export interface ConnectionLifecycleComponents {
  readonly options: Pick<PeerManagerOptions, 'maxConnected'>;
  readonly peers: Pick<PeerBook, 'get' | 'values' | 'save'>;
  readonly conns: ConnectionTable;
  readonly clock: Clock;
  readonly log: PeerManagerLogger;
  readonly counters: Pick<PeerCounters, 'evictions'>;
  readonly dialFailures: Pick<DialFailures, 'connectionEnded'>;
  ranking(): Ranking;
  /** Schedules a store write of the peer (the manager skips it once closed). */
  persist(id: NodeID): void;
  /** Tells the router that a dial choice may have changed. */
  wakeDialer(): void;
  /** Tells the router that `tryEvictNext` may return something new. */
  wakeEvicter(): void;
}

/**
 * A connected peer's life after admission: `ready` publishes its `up`, and
 * its end — `disconnected`, or `disconnectAll` at shutdown — the one `down`
 * that pairs it; the hub replays the current `up`s to a new subscriber, so
 * no subscriber sees a `down` without its `up`. Evictions (upgrades, bans,
 * errors, or over `maxConnected`) are handed to the router one at a time.
 */
export class ConnectionLifecycle {
  private readonly updates = new PeerUpdateHub(() => this.readyUpdates());

  constructor(private readonly components: ConnectionLifecycleComponents) {}

  /** See PeerManager.subscribe. */
  subscribe(): Observable<PeerUpdate> {
    return this.updates.observable();
  }

  /** See PeerManager.ready. */
  ready(nodeId: NodeID, channels: ReadonlySet<number>): void {
    const connection = this.components.conns.connected.get(nodeId);
    if (connection === undefined) {
      this.components.log.warn({ peer: nodeId }, 'ready() for a peer that is not connected ignored');
      return;
    }
    if (connection.channels !== undefined) return;
    connection.channels = new Set(channels);
    this.updates.publish({ nodeId, status: 'up', channels: new Set(channels) });
  }

  /** Schedules a connected peer's eviction, before any peer `nextEviction` would choose. */
  scheduleEviction(id: NodeID): void {
    if (this.components.conns.scheduleEviction(id)) this.components.wakeEvicter();
  }

  /** See PeerManager.tryEvictNext. */
  nextEviction(): NodeID | undefined {
    const { options, peers, conns, counters } = this.components;
    const id = conns.takeScheduledEviction() ?? evictionVictim(peers, conns, this.components.ranking(), options.maxConnected);
    if (id === undefined) return undefined;
    conns.evicting.add(id);
    counters.evictions++;
    return id;
  }

  /** See PeerManager.errored. */
  errored(nodeId: NodeID, error: Error): void {
    const { conns, log } = this.components;
    if (!conns.connected.has(nodeId) || conns.evicting.has(nodeId)) {
      log.debug({ peer: nodeId, error: peerErrorFields(error) }, 'error for a peer that is not connected ignored');
      return;
    }
    // debug: the router logs the peer's error already (once per connection, without a stack).
    log.debug({ peer: nodeId, error: peerErrorFields(error) }, 'peer errored; evicting');
    this.scheduleEviction(nodeId);
  }

  /** See PeerManager.disconnected. */
  disconnected(nodeId: NodeID, replaced: boolean | undefined): void {
    const { peers, conns, clock } = this.components;
    const connection = conns.drop(nodeId);
    if (connection === undefined) return;
    const entry = peers.get(nodeId);
    if (entry !== undefined) {
      const now = clock.now();
      entry.lastDisconnected = now;
      if (!replaced) this.components.dialFailures.connectionEnded(entry, connection, now);
      this.components.persist(nodeId);
    }
    if (connection.channels !== undefined) this.updates.publish({ nodeId, status: 'down', channels: new Set() });
    this.components.wakeDialer();
  }

  /**
   * Shutdown: ends every connection, publishing the `down` of each ready
   * peer. No flap is backed off: the connections end because we stop.
   */
  disconnectAll(): void {
    const { peers, conns, clock } = this.components;
    const now = clock.now();
    for (const [id, connection] of [...conns.connected]) {
      conns.drop(id);
      const entry = peers.get(id);
      if (entry) entry.lastDisconnected = now;
      peers.save(id);
      if (connection.channels) this.updates.publish({ nodeId: id, status: 'down', channels: new Set() });
    }
  }

  /** Forgets every connection and completes the update stream. */
  close(): void {
    this.components.conns.clear();
    this.updates.complete();
  }

  private *readyUpdates(): Iterable<PeerUpdate> {
    for (const [nodeId, connection] of this.components.conns.connected) {
      if (connection.channels !== undefined) yield { nodeId, status: 'up', channels: new Set(connection.channels) };
    }
  }
}
