import type { NodeID } from '../identity/node-id.js';
import type { ConnectionTable } from './connections.js';
import type { PeerCounters } from './counters.js';
import type { PeerBook } from './peer-book.js';
import { MAX_BEHAVIOUR } from './peer-entry.js';
import type { Clock, PeerBehaviour, PeerManagerLogger } from './types.js';

/** What PeerVerdicts reads and changes of the peer manager. */
export interface PeerVerdictsComponents {
  readonly peers: Pick<PeerBook, 'get' | 'insert'>;
  readonly conns: Pick<ConnectionTable, 'connected' | 'atCapacity'>;
  readonly clock: Clock;
  readonly log: PeerManagerLogger;
  readonly counters: Pick<PeerCounters, 'bans'>;
  /** Schedules a store write of the peer (the manager skips it once closed). */
  persist(id: NodeID): void;
  /** Forgets the lowest-ranked peers beyond `maxPeers`. */
  prune(): void;
  /** Schedules the eviction of a connected peer. */
  evict(id: NodeID): void;
  /** Tells the router that a dial choice or `nextDialAt` may have changed. */
  wakeDialer(): void;
}

/**
 * What a verdict about a peer changes: a reactor's report (a behaviour
 * score nudge, a ban, a dial hold) or the router's finding that the peer is
 * incompatible. The manager checks the report (see checkReport) and its own
 * state first; from here on a verdict only moves the peer's entry and asks
 * for the follow-ups (store write, eviction, a new dial choice).
 */
export class PeerVerdicts {
  constructor(private readonly components: PeerVerdictsComponents) {}

  /** See PeerManager.inactivate. */
  inactivate(nodeId: NodeID, reason: string | undefined): void {
    const { peers, conns, clock, log } = this.components;
    const entry = peers.get(nodeId);
    if (entry === undefined) {
      log.debug({ peer: nodeId, reason }, 'inactivate() for an unknown peer ignored');
      return;
    }
    entry.inactiveSince = clock.now();
    log.info({ peer: nodeId, reason }, 'peer marked inactive');
    this.components.persist(nodeId);
    if (conns.connected.has(nodeId)) this.components.evict(nodeId);
  }

  /** Applies a checked report about a peer other than this node (see PeerManager.report). */
  report(nodeId: NodeID, behaviour: PeerBehaviour): void {
    if (behaviour.kind === 'ban') return this.ban(nodeId, behaviour.durationMs, behaviour.reason);
    if (behaviour.kind === 'hold-dial') return this.holdDial(nodeId, behaviour.durationMs, behaviour.reason);

    const { peers, conns } = this.components;
    const entry = peers.get(nodeId);
    if (entry === undefined) return;
    const delta = behaviour.kind === 'good' ? 1 : -1;
    entry.behaviour = Math.max(-MAX_BEHAVIOUR, Math.min(MAX_BEHAVIOUR, entry.behaviour + delta));
    this.components.persist(nodeId);
    // A lower score can make a connected peer an upgrade candidate, which only matters at capacity.
    if (delta < 0 && conns.connected.has(nodeId) && conns.atCapacity(false)) this.components.wakeDialer();
  }

  private ban(nodeId: NodeID, durationMs: number, reason: string | undefined): void {
    const { peers, conns, clock, log, counters } = this.components;
    const now = clock.now();
    const entry = peers.get(nodeId) ?? peers.insert(nodeId);
    entry.bannedUntil = Math.max(entry.bannedUntil ?? 0, now + durationMs);
    counters.bans++;
    log.info({ peer: nodeId, until: entry.bannedUntil, reason }, 'peer banned');
    this.components.persist(nodeId);
    this.components.prune();
    if (conns.connected.has(nodeId)) this.components.evict(nodeId);
    this.components.wakeDialer(); // nextDialAt changed
  }

  private holdDial(nodeId: NodeID, durationMs: number, reason: string | undefined): void {
    const { peers, clock, log } = this.components;
    const entry = peers.get(nodeId);
    if (entry === undefined) return;
    entry.dialHeldUntil = Math.max(entry.dialHeldUntil ?? 0, clock.now() + durationMs);
    log.debug({ peer: nodeId, until: entry.dialHeldUntil, reason }, 'not dialing peer for a while');
    this.components.wakeDialer(); // nextDialAt changed
  }
}
