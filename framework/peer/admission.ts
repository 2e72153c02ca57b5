import type { NodeAddress } from '../address/node-address.js';
import type { NodeID } from '../identity/node-id.js';
import type { ConnectionRecord, ConnectionTable } from './connections.js';
import type { PeerCounters } from './counters.js';
import { PeerRejectedError, type PeerRejectionReason } from './errors.js';
import type { PeerManagerOptions } from './options.js';
import type { PeerBook } from './peer-book.js';
import { attachAddress, isBannedAt, newPeerEntry, resetFailures, type PeerEntry } from './peer-entry.js';
import type { Ranking } from './ranking.js';
import type { Clock, ConnectionDirection, PeerManagerLogger } from './types.js';
import { upgradeTarget } from './selection.js';

/** Whether a connection that completed its handshake may stay, and whom it replaces at capacity. */
export type Admission =
  | { readonly admitted: true; readonly replaces?: NodeID }
  | { readonly admitted: false; readonly reason: PeerRejectionReason; readonly why: string };

export interface AdmissionContext {
  readonly closed: boolean;
  readonly now: number;
  readonly options: Pick<PeerManagerOptions, 'selfId' | 'maxConnected' | 'maxConnectedUpgrade' | 'maxInbound'>;
  readonly direction: ConnectionDirection;
  readonly peers: { get(id: NodeID): PeerEntry | undefined; values(): Iterable<PeerEntry> };
  readonly conns: ConnectionTable;
  readonly persistent: boolean;
  /** Built only at capacity, where an upgrade needs it. */
  ranking(): Ranking;
}

/**
 * The admission rules of `dialed`/`accepted`, in order: refused when closed,
 * for self, while banned, when already connected, inbound beyond
 * `maxInbound` (persistent peers exempt), and at capacity unless an upgrade
 * slot is free and a connected peer ranks below (that one is then evicted).
 */
export function admission(id: NodeID, ctx: AdmissionContext): Admission {
  const refuse = (reason: PeerRejectionReason, why: string): Admission => ({ admitted: false, reason, why });
  if (ctx.closed) return refuse('closed', 'the peer manager is closed');
  if (id === ctx.options.selfId) return refuse('self', 'it is this node');
  const known = ctx.peers.get(id);
  if (known !== undefined && isBannedAt(known, ctx.now)) return refuse('banned', `banned for another ${(known.bannedUntil as number) - ctx.now} ms`);
  if (ctx.conns.connected.has(id)) return refuse('already-connected', 'already connected');
  if (ctx.direction === 'inbound' && !ctx.persistent && ctx.conns.inboundFull()) {
    return refuse('max-inbound', `${ctx.options.maxInbound} inbound peers connected, the limit (p2p.max_inbound_connections); the other slots are kept for our own dials and persistent peers`);
  }
  if (!ctx.conns.atCapacity(false)) return { admitted: true };
  const { maxConnected, maxConnectedUpgrade } = ctx.options;
  const connected = ctx.conns.connected.size;
  if (ctx.conns.atHardCap()) return refuse('max-connected', `${connected} peers connected, the limit including upgrade slots is ${maxConnected + maxConnectedUpgrade}`);
  const replaces = upgradeTarget(known ?? newPeerEntry(id, ctx.persistent, 0), ctx.peers, ctx.conns, ctx.ranking());
  if (replaces === undefined) return refuse('max-connected', `${connected} of ${maxConnected} peers connected and none ranks below it`);
  return { admitted: true, replaces };
}

/**
 * What an admitted connection changes in the peer's entry, and the record
 * the connection table keeps of it. The dialed address's failure count is
 * kept in the record before it is cleared: a flap restores it (see
 * DialFailures.connectionEnded).
 */
export function recordAdmission(entry: PeerEntry, direction: ConnectionDirection, address: NodeAddress | undefined, now: number): ConnectionRecord {
  if (address !== undefined && !entry.addresses.has(address.toString())) attachAddress(entry, address, { pinned: false });
  let dialedAddress: ConnectionRecord['dialedAddress'];
  if (direction === 'outbound') {
    const info = address === undefined ? undefined : entry.addresses.get(address.toString());
    if (info !== undefined) {
      dialedAddress = { key: info.key, failuresBefore: info.dialFailures };
      resetFailures(info, now);
    }
  } else {
    // The peer is evidently alive: let us dial it back promptly after a disconnect.
    for (const info of entry.addresses.values()) resetFailures(info);
  }
  entry.inactiveSince = undefined;
  entry.lastConnected = now;
  return { direction, since: now, persistent: entry.persistent, dialedAddress };
}

/** What Admitter reads and changes of the peer manager. */
export interface AdmitterComponents {
  readonly options: AdmissionContext['options'];
  readonly peers: Pick<PeerBook, 'get' | 'values' | 'insert'>;
  readonly conns: ConnectionTable;
  readonly persistentIds: ReadonlySet<NodeID>;
  readonly clock: Clock;
  readonly log: PeerManagerLogger;
  readonly counters: Pick<PeerCounters, 'rejected' | 'dials' | 'accepted'>;
  /** Once closed, every connection is refused. */
  closed(): boolean;
  ranking(now: number): Ranking;
  /** Schedules a store write of the peer (the manager skips it once closed). */
  persist(id: NodeID): void;
  /** Forgets the lowest-ranked peers beyond `maxPeers`. */
  prune(): void;
  /** Schedules the eviction of a connected peer. */
  evict(id: NodeID): void;
}

/**
 * The transition `dialed` and `accepted` share: applies the admission rules
 * and either refuses the connection (counted, logged, thrown as
 * PeerRejectedError) or records it, evicting the peer an upgrade replaces.
 */
export class Admitter {
  constructor(private readonly components: AdmitterComponents) {}

  admit(id: NodeID, direction: ConnectionDirection, address: NodeAddress | undefined): void {
    const { options, peers, conns, persistentIds, clock, log, counters } = this.components;
    const now = clock.now();
    const verdict = admission(id, {
      closed: this.components.closed(),
      now,
      options,
      direction,
      peers,
      conns,
      persistent: persistentIds.has(id),
      ranking: () => this.components.ranking(now),
    });
    if (!verdict.admitted) {
      const message = `${direction === 'outbound' ? 'dialed' : 'accepted'} peer ${id} refused: ${verdict.why}`;
      counters.rejected[verdict.reason]++;
      log.debug({ peer: id, reason: verdict.reason }, message);
      throw new PeerRejectedError(id, verdict.reason, message);
    }
    const { replaces } = verdict;
    const known = peers.get(id);
    conns.connected.set(id, recordAdmission(known ?? peers.insert(id), direction, address, now));
    if (direction === 'outbound') counters.dials++;
    else counters.accepted++;
    this.components.persist(id);
    if (replaces !== undefined) {
      log.info({ peer: id, replaces }, 'upgrading: evicting a lower-ranked peer');
      this.components.evict(replaces);
    }
    if (known === undefined) this.components.prune();
  }
}
