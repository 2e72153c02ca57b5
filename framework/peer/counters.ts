import type { ConnectionTable } from './connections.js';
import type { PeerRejectionReason } from './errors.js';
import type { PeerBook } from './peer-book.js';
import type { PeerManagerMetrics } from './snapshot.js';

const REJECTION_REASONS: readonly PeerRejectionReason[] = ['self', 'already-connected', 'max-connected', 'max-inbound', 'banned', 'closed'];

/**
 * What the peer manager's transitions count, each where it happens (see
 * PeerManagerMetrics for what each number means). Mutable so that every
 * piece of the manager can be handed just the counters it moves.
 */
export interface PeerCounters {
  dials: number;
  dialAttempts: number;
  dialFailures: number;
  flaps: number;
  addressesGivenUp: number;
  peersGivenUp: number;
  accepted: number;
  readonly rejected: Record<PeerRejectionReason, number>;
  evictions: number;
  bans: number;
}

export function newPeerCounters(): PeerCounters {
  return {
    dials: 0,
    dialAttempts: 0,
    dialFailures: 0,
    flaps: 0,
    addressesGivenUp: 0,
    peersGivenUp: 0,
    accepted: 0,
    rejected: Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<PeerRejectionReason, number>,
    evictions: 0,
    bans: 0,
  };
}

type BookCounts = Pick<PeerBook, 'pruned' | 'corruptRecords' | 'storeErrors' | 'storeWritesDropped' | 'size'>;
type ConnectionCounts = Pick<ConnectionTable, 'connected' | 'dialing' | 'readyIds'>;

/** The counters, copied so a caller cannot move them, with the peer book's counts and the current gauges. */
export function peerManagerMetrics(counters: PeerCounters, peers: BookCounts, conns: ConnectionCounts): PeerManagerMetrics {
  return {
    ...counters,
    rejected: { ...counters.rejected },
    pruned: peers.pruned,
    corruptRecords: peers.corruptRecords,
    storeErrors: peers.storeErrors,
    storeWritesDropped: peers.storeWritesDropped,
    peers: peers.size,
    connected: conns.connected.size,
    ready: conns.readyIds().length,
    dialing: conns.dialing.size,
  };
}
