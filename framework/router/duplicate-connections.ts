import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { Logger } from '../logging/logger.js';
import type { Connection } from '../transport/transport.js';
import type { ConnectionDirection } from '../peer/types.js';
import { PeerRejectedError } from '../peer/errors.js';
import { DuplicateConnectionError } from './errors.js';
import type { RouterMetrics } from './metrics.js';
import { PeerEvictedError } from './peer-connection.js';
import { decideDuplicate, lowerIdDialed, sharesTieBreak } from './tie-break.js';

// The bookkeeping of simultaneous dials: which connection to keep is decided in tie-break.ts.

/** A handshaken connection waiting to take the routed one's place. */
export interface Standby {
  readonly nodeId: NodeID;
  readonly connection: Connection;
  readonly nodeInfo: NodeInfo;
  readonly direction: ConnectionDirection;
  /** Registers the connection with the PeerManager; throws PeerRejectedError when it must be closed. */
  readonly admit: () => void;
}

/**
 * The standbys a router holds, one per peer at most, each for at most
 * `graceMs`. Plain bookkeeping: DuplicateConnections decides what a standby's
 * end means (`onGraceEnd` when the period runs out with both connections open;
 * the standby is still held then).
 */
export class StandbyConnections {
  private readonly held = new Map<NodeID, { standby: Standby; timer: NodeJS.Timeout }>();

  constructor(
    private readonly graceMs: number,
    private readonly onGraceEnd: (standby: Standby) => void,
    private readonly onClosedByPeer: (standby: Standby) => void,
  ) {}

  has(nodeId: NodeID): boolean {
    return this.held.has(nodeId);
  }

  hold(standby: Standby): void {
    // Still held when onGraceEnd runs: DuplicateConnections either closes the routed connection (the standby is promoted) or takes it.
    const timer = setTimeout(() => {
      if (this.held.get(standby.nodeId)?.standby === standby) this.onGraceEnd(standby);
    }, this.graceMs);
    timer.unref();
    this.held.set(standby.nodeId, { standby, timer });
    void standby.connection.closed.then(() => {
      if (this.take(standby.nodeId, standby.connection) !== undefined) this.onClosedByPeer(standby);
    });
  }

  /** Removes and returns the standby of `nodeId` (only if it is `connection`, when given). */
  take(nodeId: NodeID, connection?: Connection): Standby | undefined {
    const entry = this.held.get(nodeId);
    if (entry === undefined || (connection !== undefined && entry.standby.connection !== connection)) return undefined;
    clearTimeout(entry.timer);
    this.held.delete(nodeId);
    return entry.standby;
  }

  /** Closes every standby (the router is stopping). */
  closeAll(reason?: Error): void {
    for (const nodeId of [...this.held.keys()]) this.take(nodeId)?.connection.close(reason);
  }
}

/**
 * The one simultaneous-dial case no rule avoids without a message of its
 * own: both ends first route the losing connection, and the end that
 * finishes the winner first closes the loser while the other end still
 * routes it, so the other end goes down until its own copy of the winner
 * arrives. This remembers, per peer, that a routed loser was closed by the
 * peer, so that the winner routed within the grace period can be reported as
 * the end of that swap (peer-up's `afterSimultaneousDial`) rather than look
 * like a flap nobody can explain. Plain state, bounded by `maxEntries` peers
 * (the oldest is forgotten first).
 */
export class ClosedLosers {
  private readonly closedAt = new Map<NodeID, number>();

  constructor(
    private readonly graceMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries = 1024,
  ) {}

  get size(): number {
    return this.closedAt.size;
  }

  /** The peer closed the routed connection to `nodeId`, the one the rule says loses. */
  closedByPeer(nodeId: NodeID): void {
    this.closedAt.delete(nodeId);
    if (this.closedAt.size >= this.maxEntries) this.closedAt.delete(this.closedAt.keys().next().value!);
    this.closedAt.set(nodeId, this.now());
  }

  /**
   * A connection to `nodeId` is being routed (`wins`: the rule says it is the
   * one to keep): whether it ends such a swap. Forgets the peer either way.
   */
  routed(nodeId: NodeID, wins: boolean): boolean {
    const at = this.closedAt.get(nodeId);
    if (at === undefined) return false;
    this.closedAt.delete(nodeId);
    return wins && this.now() - at <= this.graceMs;
  }
}

/** What duplicate handling needs of the connection routed to a peer. */
export interface RoutedConnection {
  readonly direction: ConnectionDirection;
  close(reason?: Error): void;
}

/** A routed connection that has just ended. */
export interface EndedConnection {
  readonly nodeId: NodeID;
  readonly direction: ConnectionDirection;
  /** This side cut the peer off for a fault. */
  readonly faulted: boolean;
  readonly closedByRemote: boolean;
}

/**
 * The rule above, applied to the router's connections: whether a handshaken
 * connection to a routed peer replaces the routed one, waits as its standby
 * or is refused; what happens when a standby's grace period ends; and, when a
 * routed connection ends, whether its standby takes its place. Routing the
 * standby is the router's (it owns the peers' loops).
 */
export class DuplicateConnections {
  private readonly standbys: StandbyConnections;
  private readonly closedLosers: ClosedLosers;

  constructor(
    private readonly localId: NodeID,
    graceMs: number,
    private readonly routed: ReadonlyMap<NodeID, RoutedConnection>,
    private readonly counters: Pick<RouterMetrics, 'count'>,
    private readonly log: Logger,
  ) {
    this.standbys = new StandbyConnections(
      graceMs,
      (standby) => this.graceEnded(standby),
      () => this.counters.count('duplicateConnections', 'standby-closed-by-peer'),
    );
    this.closedLosers = new ClosedLosers(graceMs);
  }

  /**
   * Registers a handshaken connection with the PeerManager (`admitPeer`
   * throws PeerRejectedError when it must be closed). Returns false when the
   * connection was kept as the standby of a simultaneous dial instead of being
   * routed now: it is routed when the routed connection to the same peer
   * closes (see `ended`).
   */
  admit(connection: Connection, nodeInfo: NodeInfo, direction: ConnectionDirection, admitPeer: () => void): boolean {
    try {
      admitPeer();
      return true;
    } catch (error) {
      const nodeId = nodeInfo.nodeId;
      const routed = this.routed.get(nodeId);
      if (!(error instanceof PeerRejectedError && error.reason === 'already-connected') || routed === undefined) throw error;
      const decision = decideDuplicate({
        localId: this.localId,
        remoteId: nodeId,
        newDirection: direction,
        routedDirection: routed.direction,
        remoteSharesRule: sharesTieBreak(nodeInfo),
        standbyHeld: this.standbys.has(nodeId),
      });
      if (decision === 'refuse') throw error;
      this.counters.count('duplicateConnections', decision === 'replace' ? 'replaced' : 'held');
      this.standbys.hold({ nodeId, connection, nodeInfo, direction, admit: admitPeer });
      if (decision === 'replace') {
        this.log.debug({ peer: nodeId, kept: direction }, 'both ends dialed; keeping the connection the lower node ID dialed');
        routed.close(new DuplicateConnectionError(`replaced by the ${direction} connection: both ends dialed, and both keep the one the lower node ID dialed`));
      }
      return false;
    }
  }

  /**
   * A connection to `nodeId` is being routed (`sharesRule`: the peer announced
   * the shared rule): whether it ends a swap the peer settled first (see
   * ClosedLosers; peer-up's `afterSimultaneousDial`).
   */
  endsSwap(nodeId: NodeID, direction: ConnectionDirection, sharesRule: boolean): boolean {
    if (!this.closedLosers.routed(nodeId, sharesRule && lowerIdDialed(this.localId, nodeId, direction))) return false;
    this.counters.count('duplicateConnections', 'loser-closed-by-peer');
    return true;
  }

  /**
   * The routed connection to a peer ended (`reason`: why): takes the peer's
   * standby, if one is held, and says whether it replaces the ended
   * connection. The router then tells the PeerManager, and routes the standby
   * or closes it.
   */
  ended(peer: EndedConnection, reason: Error | undefined, sharesRule: boolean): { readonly standby: Standby | undefined; readonly replaced: boolean } {
    const standby = this.standbys.take(peer.nodeId);
    // A peer we cut off (fault, eviction) does not come back through its standby.
    const replaced = standby !== undefined && !standby.connection.isClosed && !peer.faulted && !(reason instanceof PeerEvictedError);
    if (!replaced && peer.closedByRemote && sharesRule && !lowerIdDialed(this.localId, peer.nodeId, peer.direction)) {
      this.closedLosers.closedByPeer(peer.nodeId);
    }
    return { standby, replaced };
  }

  /** Closes every standby (the router is stopping). */
  closeAll(): void {
    this.standbys.closeAll();
  }

  /** A standby's grace period ended with both connections open: the shared rule decides. */
  private graceEnded(standby: Standby): void {
    const routed = this.routed.get(standby.nodeId);
    if (routed !== undefined && lowerIdDialed(this.localId, standby.nodeId, standby.direction)) {
      this.counters.count('duplicateConnections', 'replaced');
      routed.close(new DuplicateConnectionError(`replaced by the ${standby.direction} connection: the peer kept both, and the lower node ID dialed this one`));
      return;
    }
    this.standbys.take(standby.nodeId, standby.connection);
    this.counters.count('duplicateConnections', 'standby-refused');
    standby.connection.close(new DuplicateConnectionError(`the peer kept both connections; keeping the ${routed?.direction ?? 'routed'} one the lower node ID dialed`));
  }
}
