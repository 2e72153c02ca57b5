import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../../framework/peer/peer-store.js';

/** A deterministic node ID for test peer `n` (hex of n, zero-padded to 40 characters). */
export function nid(n: number): NodeID {
  return n.toString(16).padStart(40, '0') as NodeID;
}

/** An address of peer `n` (distinct per `port`). */
export function addressOf(n: number, port = 26656): string {
  return `mconn://${nid(n)}@10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:${port}`;
}

/** A record using every field, with values derived from `n`. */
export function fullRecord(n: number): PeerRecord {
  return {
    nodeId: nid(n),
    addresses: [
      { address: addressOf(n), dialFailures: 0, lastDialSuccess: 1_700_000_000_000 + n },
      { address: addressOf(n, 26657), dialFailures: 2, lastDialFailure: 1_700_000_000_500 + n, learnedFrom: 'private' },
    ],
    lastConnected: 1_700_000_000_000 + n,
    lastDisconnected: 1_700_000_000_100 + n,
    inactive: false,
    bannedUntil: 1_800_000_000_000 + n,
    mutableScore: (n % 7) - 3,
  };
}

/** A record with only the required fields. */
export function minimalRecord(n: number): PeerRecord {
  return { nodeId: nid(n), addresses: [{ address: addressOf(n), dialFailures: 0 }] };
}

/** Records sorted by node ID, for order-insensitive comparison. */
export function byId(records: readonly PeerRecord[]): PeerRecord[] {
  return [...records].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));
}
