import type { NodeID } from '../identity/node-id.js';
import type { ConnectionRecord, ConnectionTable, PeerState } from './connections.js';
import { retryAt } from './dial-policy.js';
import type { PeerRejectionReason } from './errors.js';
import { totalDialFailures, type AddressEntry, type PeerEntry } from './peer-entry.js';
import type { Ranking } from './ranking.js';
import type { PeerScore } from './scoring.js';
import type { ConnectionDirection } from './types.js';

/** One address of a peer in a snapshot. */
export interface PeerAddressSnapshot {
  readonly address: string;
  readonly dialFailures: number;
  readonly lastDialSuccess?: number;
  readonly lastDialFailure?: number;
  /** When the retry delay of this address ends (only while it has failures). */
  readonly retryAt?: number;
}

/** What an operator needs to understand why a peer is (not) connected. */
export interface PeerSnapshot {
  readonly nodeId: NodeID;
  readonly state: PeerState;
  readonly addresses: readonly string[];
  readonly addressDetails: readonly PeerAddressSnapshot[];
  readonly persistent: boolean;
  /** Listed in `privatePeerIds`, so never advertised. */
  readonly private: boolean;
  readonly score: PeerScore;
  /** Net good − bad reports. */
  readonly behaviour: number;
  /** Dial failures summed over all addresses. */
  readonly dialFailures: number;
  readonly lastConnected?: number;
  readonly lastDisconnected?: number;
  /** Set while connected. */
  readonly direction?: ConnectionDirection;
  /** Set while connected: when the connection was established. */
  readonly connectedSince?: number;
  /** Channels shared with the peer, while ready. */
  readonly channels?: readonly number[];
  readonly bannedUntil?: number;
  /** Not dialed before this time (a `hold-dial` report); it may still connect to us. */
  readonly dialHeldUntil?: number;
  readonly inactive: boolean;
}

/** Counters since the manager was created. */
export interface PeerManagerMetrics {
  /** Outbound connections established (`dialed` accepted). */
  readonly dials: number;
  /** Addresses handed out by `tryDialNext`. */
  readonly dialAttempts: number;
  readonly dialFailures: number;
  /** Outbound connections that ended within `flapWindowMs` of the dial and were counted as failed dials. */
  readonly flaps: number;
  /** Addresses of non-persistent peers removed after `maxDialFailures` consecutive failed dials. */
  readonly addressesGivenUp: number;
  /** Peers forgotten because their last address was given up. */
  readonly peersGivenUp: number;
  /** Inbound connections established (`accepted` accepted). */
  readonly accepted: number;
  /** Connections refused by `dialed`/`accepted`, by reason. */
  readonly rejected: Readonly<Record<PeerRejectionReason, number>>;
  /** Peers handed to the router by `tryEvictNext`. */
  readonly evictions: number;
  readonly bans: number;
  /** Peers forgotten to stay within `maxPeers`. */
  readonly pruned: number;
  /** Failed peer store writes. */
  readonly storeErrors: number;
  /** Store writes dropped because too many were waiting. */
  readonly storeWritesDropped: number;
  /** Records skipped at load because they were corrupted. */
  readonly corruptRecords: number;
  /** Current gauges. */
  readonly peers: number;
  readonly connected: number;
  readonly ready: number;
  readonly dialing: number;
}

/** Everything besides the entry that a snapshot shows. */
export interface SnapshotView {
  readonly state: PeerState;
  readonly connection?: ConnectionRecord;
  readonly score: PeerScore;
  readonly isPrivate: boolean;
  readonly retryAt: (info: AddressEntry) => number;
}

export function buildPeerSnapshot(entry: PeerEntry, view: SnapshotView): PeerSnapshot {
  const { connection, score } = view;
  return {
    nodeId: entry.nodeId,
    state: view.state,
    addresses: [...entry.addresses.keys()],
    addressDetails: [...entry.addresses.values()].map((a) => ({
      address: a.key,
      dialFailures: a.dialFailures,
      ...(a.lastDialSuccess !== undefined && { lastDialSuccess: a.lastDialSuccess }),
      ...(a.lastDialFailure !== undefined && { lastDialFailure: a.lastDialFailure }),
      ...(a.dialFailures > 0 && { retryAt: view.retryAt(a) }),
    })),
    persistent: entry.persistent,
    private: view.isPrivate,
    score: { total: score.total, parts: { ...score.parts } },
    behaviour: entry.behaviour,
    dialFailures: totalDialFailures(entry),
    ...(entry.lastConnected !== undefined && { lastConnected: entry.lastConnected }),
    ...(entry.lastDisconnected !== undefined && { lastDisconnected: entry.lastDisconnected }),
    ...(connection !== undefined && { direction: connection.direction, connectedSince: connection.since }),
    ...(connection?.channels !== undefined && { channels: [...connection.channels].sort((a, b) => a - b) }),
    ...(entry.bannedUntil !== undefined && { bannedUntil: entry.bannedUntil }),
    ...(entry.dialHeldUntil !== undefined && { dialHeldUntil: entry.dialHeldUntil }),
    inactive: entry.inactiveSince !== undefined,
  };
}

/** A snapshot of every peer in `entries`, best-ranked first. */
export function snapshotPeers(
  entries: Iterable<PeerEntry>,
  ranking: Ranking,
  conns: Pick<ConnectionTable, 'connected' | 'stateOf'>,
  isPrivate: (id: NodeID) => boolean,
  options: Parameters<typeof retryAt>[2],
): PeerSnapshot[] {
  return ranking.ranked(entries).map((entry) =>
    buildPeerSnapshot(entry, {
      state: conns.stateOf(entry, ranking.now),
      connection: conns.connected.get(entry.nodeId),
      score: ranking.score(entry),
      isPrivate: isPrivate(entry.nodeId),
      retryAt: (info) => retryAt(entry, info, options),
    }),
  );
}
