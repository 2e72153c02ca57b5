import type { NodeID } from '../identity/node-id.js';
import type { NodeAddress } from '../address/node-address.js';
import type { IPScope } from '../address/ip.js';
import type { PeerScore } from './scoring.js';

/** Most addresses remembered per peer; a gossiping peer cannot make one entry grow without bound. */
export const MAX_ADDRESSES_PER_PEER = 16;

/** Bound on the stored behaviour score (net good − bad reports). */
export const MAX_BEHAVIOUR = 10_000;

/**
 * Where an address came from, when a peer told us: the scope of that peer's
 * IP (or what the PEX policy stands in for it). The IPs the address resolves
 * to at dial time must be visible to that scope (`isScopeVisibleTo`), as an IP
 * literal from that peer must be when it is received: a DNS name from a peer
 * on a public IP may not lead us to a loopback or private host.
 */
export type LearnedFrom = Exclude<IPScope, 'unroutable'>;

const TRUST_ORDER: readonly LearnedFrom[] = ['loopback', 'link-local', 'private', 'public'];

/**
 * The more trusted of two origins: configured (undefined) over any peer, else
 * the peer nearer to us (a loopback peer may teach us more than a public one).
 */
export function moreTrusted(a: LearnedFrom | undefined, b: LearnedFrom | undefined): LearnedFrom | undefined {
  if (a === undefined || b === undefined) return undefined;
  return TRUST_ORDER.indexOf(a) <= TRUST_ORDER.indexOf(b) ? a : b;
}

/** In-memory state of one address of a peer. */
export interface AddressEntry {
  readonly address: NodeAddress;
  /** `address.toString()`, the map key. */
  readonly key: string;
  lastDialSuccess?: number;
  lastDialFailure?: number;
  dialFailures: number;
  /** Retry jitter drawn at the latest failure, so the retry time is stable between calls. Not persisted. */
  jitter: number;
  /** Configured in `persistentPeers`: never replaced by gossip, dialed wherever it resolves. */
  pinned: boolean;
  /** Learned from a peer (see LearnedFrom); undefined when configured or added by the application. */
  learnedFrom?: LearnedFrom;
}

/** In-memory state of one known peer (connection state lives in the manager). */
export interface PeerEntry {
  readonly nodeId: NodeID;
  /** Insertion-ordered. */
  readonly addresses: Map<string, AddressEntry>;
  persistent: boolean;
  lastConnected?: number;
  lastDisconnected?: number;
  /** Set while the peer is inactive; the inactive cooldown runs from here. */
  inactiveSince?: number;
  bannedUntil?: number;
  /** Not dialed before this time (a `hold-dial` report), though still accepted. Not persisted. */
  dialHeldUntil?: number;
  behaviour: number;
  /** Random rank tie-breaker fixed per peer, so equal peers are not always tried in the same order on every node. */
  readonly tiebreak: number;
  /** The last score and the input it was computed from (see SCORE_REUSE_MS). Not persisted. */
  scoreMemo?: ScoreMemo;
}

/** A computed score with the inputs that determine whether it can be reused. */
export interface ScoreMemo {
  readonly persistent: boolean;
  readonly behaviour: number;
  readonly dialFailures: number;
  readonly connectedForMs: number;
  readonly at: number;
  readonly score: PeerScore;
}

export function newPeerEntry(nodeId: NodeID, persistent: boolean, tiebreak: number): PeerEntry {
  return { nodeId, addresses: new Map(), persistent, behaviour: 0, tiebreak };
}

/** How an address is being added: configured (`pinned`), and from whom if a peer told us. */
export interface AddressOrigin {
  readonly pinned: boolean;
  readonly learnedFrom?: LearnedFrom;
}

export function newAddressEntry(address: NodeAddress, origin: AddressOrigin = { pinned: false }): AddressEntry {
  const entry: AddressEntry = { address, key: address.toString(), dialFailures: 0, jitter: 0, pinned: origin.pinned };
  if (!origin.pinned && origin.learnedFrom !== undefined) entry.learnedFrom = origin.learnedFrom;
  return entry;
}

export function totalDialFailures(entry: PeerEntry): number {
  let sum = 0;
  for (const a of entry.addresses.values()) sum += a.dialFailures;
  return sum;
}

/** Whether the peer is banned at `now`. */
export function isBannedAt(entry: PeerEntry, now: number): boolean {
  return entry.bannedUntil !== undefined && now < entry.bannedUntil;
}

/** One more failed dial of an address that had `failuresBefore`: its retry delay runs from `now`. */
export function recordDialFailure(info: AddressEntry, failuresBefore: number, now: number, jitter: number): void {
  info.dialFailures = Math.min(failuresBefore + 1, Number.MAX_SAFE_INTEGER);
  info.lastDialFailure = now;
  info.jitter = jitter;
}

/** Clears an address's failures (after a connection proved the peer alive), recording a dial success if given. */
export function resetFailures(info: AddressEntry, successAt?: number): void {
  info.dialFailures = 0;
  info.jitter = 0;
  if (successAt !== undefined) info.lastDialSuccess = successAt;
}

/**
 * Adds `address` to `entry`. When the entry is full, the address with the
 * most failures makes room, unless it is pinned or being dialed
 * (`protectedKey`); returns false when nothing can make room.
 */
export function attachAddress(entry: PeerEntry, address: NodeAddress, origin: AddressOrigin, protectedKey?: string): boolean {
  if (entry.addresses.size >= MAX_ADDRESSES_PER_PEER) {
    let victim: AddressEntry | undefined;
    for (const info of entry.addresses.values()) {
      if (info.pinned || info.key === protectedKey || info.dialFailures === 0) continue;
      if (victim === undefined || info.dialFailures >= victim.dialFailures) victim = info;
    }
    if (victim === undefined) return false;
    entry.addresses.delete(victim.key);
  }
  const info = newAddressEntry(address, origin);
  entry.addresses.set(info.key, info);
  return true;
}
