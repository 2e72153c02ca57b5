import type { NodeID } from '../identity/node-id.js';

/** One dialable address of a peer, as persisted. Times are epoch milliseconds. */
export interface PeerAddressRecord {
  /** `NodeAddress.toString()`, e.g. "mconn://<id>@1.2.3.4:26656". */
  address: string;
  lastDialSuccess?: number;
  lastDialFailure?: number;
  /** Consecutive failed dials since the last success. */
  dialFailures: number;
  /**
   * Learned from a peer: the scope of its IP ("loopback", "link-local",
   * "private", "public"), which the address's resolved IPs must be visible
   * to when dialed. Absent: configured or added by the application.
   */
  learnedFrom?: 'loopback' | 'link-local' | 'private' | 'public';
}

/**
 * Everything the peer manager keeps about a peer across restarts. Connection
 * state is deliberately absent: after a restart nobody is connected.
 */
export interface PeerRecord {
  nodeId: NodeID;
  addresses: PeerAddressRecord[];
  lastConnected?: number;
  lastDisconnected?: number;
  /** Set when the peer turned out incompatible (wrong network, version); cleared on the next successful connection. */
  inactive?: boolean;
  /** Epoch ms until which the peer is banned. */
  bannedUntil?: number;
  /** Net good − bad behaviour reports. */
  mutableScore?: number;
}

/** Whether a store can take writes now: `down` means writes are buffered and retried (e.g. database unreachable). */
export type PeerStoreState = 'connecting' | 'up' | 'down' | 'closed';

/** What operators see of a store in `/status`, `/metrics` and Prometheus. */
export interface PeerStoreHealth {
  readonly store: string;
  readonly state: PeerStoreState;
  /** Writes accepted but not yet durable. */
  readonly pendingWrites: number;
  /** The last failure that made or kept the store down. */
  readonly lastError?: string;
  /** Store-specific counters (path, written, dropped, outages, …). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Persistence plugin for the peer manager. The manager loads everything once
 * at start and afterwards writes whole records (coalesced, one at a time), so a
 * store needs no transactions and sees at most one pending call per peer.
 * Implementations must copy what they are given and what they return, so
 * neither side can alias the other's state.
 */
export interface PeerStore {
  /** Plugin name shown in logs and config ("memory", "leveldb", …). */
  readonly name: string;
  /** All records. Records may be stale or corrupted; the manager validates each one. */
  load(signal?: AbortSignal): Promise<PeerRecord[]>;
  /** Inserts or replaces the record of `record.nodeId`. */
  save(record: PeerRecord): Promise<void>;
  /** Removes a record; deleting an unknown peer is not an error. */
  delete(nodeId: NodeID): Promise<void>;
  /** Releases resources; called once by `PeerManager.close()` after the last write. */
  close(): Promise<void>;
  /** Current health for operators. Optional: a store without it is reported as `up`. */
  health?(): PeerStoreHealth;
}
