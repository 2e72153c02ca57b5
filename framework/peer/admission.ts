import type { NodeID } from '../identity/node-id.js';
import type { ConnectionTable } from './connections.js';
import type { PeerRejectionReason } from './errors.js';
import type { PeerManagerOptions } from './options.js';
import { isBannedAt, newPeerEntry, type PeerEntry } from './peer-entry.js';
import type { Ranking } from './ranking.js';
import type { ConnectionDirection } from './types.js';
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
