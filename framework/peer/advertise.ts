import { ipScope, isScopeVisibleTo, type IPScope } from '../address/ip.js';
import type { NodeAddress } from '../address/node-address.js';
import type { NodeID } from '../identity/node-id.js';
import { isBetterAddress } from './dial-policy.js';
import { isBannedAt, type AddressEntry, type PeerEntry } from './peer-entry.js';
import type { Ranking } from './ranking.js';
import type { RandomSource } from './types.js';

/** Who is asking for addresses, as far as the caller (PEX) knows. */
export interface AdvertiseContext {
  /**
   * IP the requester connected from. Loopback, link-local and private-range addresses are shared
   * only with requesters at most that far away (see `isScopeVisibleTo`); unknown counts as public.
   */
  readonly requesterIp?: string;
  /** Protocol of the connection to the requester; non-networked addresses (memory) are shared only over the same protocol. */
  readonly protocol?: string;
}

/**
 * The scope of an address's host: of its IP literal, or `public` for a DNS
 * name (it resolves wherever the requester is; we cannot know to what).
 */
export function hostScope(hostname: string): IPScope {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipScope(bare) ?? 'public';
}

/** True when `address` is networked (has a hostname) rather than process-local like memory addresses. */
export function isNetworkedAddress(address: NodeAddress): boolean {
  return typeof address.hostname === 'string' && address.hostname !== '';
}

/**
 * Whether the requester may learn `address`. An IP address only goes to
 * requesters it means the same host to: loopback addresses to loopback
 * requesters, link-local ones to link-local or loopback requesters,
 * private-range ones (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) to
 * requesters that are not on a public IP; public IPs and DNS names to
 * everyone. Unroutable IPs (0.0.0.0, ::, multicast) go to nobody.
 * Non-networked addresses (memory) only to requesters on the same protocol:
 * they mean nothing outside their process.
 */
export function isVisibleTo(address: NodeAddress, context: AdvertiseContext): boolean {
  if (!isNetworkedAddress(address)) return context.protocol !== undefined && context.protocol === address.protocol;
  const requester = context.requesterIp === undefined ? 'public' : (ipScope(context.requesterIp) ?? 'public');
  return isScopeVisibleTo(hostScope(address.hostname), requester);
}

/** A peer eligible for advertisement, with the address to advertise for it. */
export interface AdvertiseCandidate {
  readonly score: number;
  readonly address: NodeAddress;
}

/**
 * Picks up to `limit` candidates at random without replacement, each with
 * weight `score − lowest score + 1`, so better peers are advertised more
 * often but every peer has a chance (weighted reservoir sampling,
 * Efraimidis–Spirakis: keep the largest ln(u)/w).
 */
export function weightedSample(candidates: readonly AdvertiseCandidate[], limit: number, random: RandomSource): NodeAddress[] {
  if (limit <= 0 || candidates.length === 0) return [];
  let lowest = Infinity;
  for (const c of candidates) lowest = Math.min(lowest, c.score);
  const keyed = candidates.map((c, index) => {
    const weight = c.score - lowest + 1;
    const u = random.next();
    return { key: u > 0 ? Math.log(u) / weight : -Infinity, index, address: c.address };
  });
  keyed.sort((a, b) => b.key - a.key || a.index - b.index);
  return keyed.slice(0, limit).map((k) => k.address);
}

/**
 * One candidate per peer that may be gossiped to a requester: not `excluded`
 * (the requester itself, private peers), not banned or inactive, with the
 * best of its addresses the requester may see, scored by `ranking`.
 */
export function advertiseCandidates(
  entries: Iterable<PeerEntry>,
  ranking: Ranking,
  context: AdvertiseContext,
  excluded: (id: NodeID) => boolean,
): AdvertiseCandidate[] {
  const candidates: AdvertiseCandidate[] = [];
  for (const entry of entries) {
    if (excluded(entry.nodeId) || isBannedAt(entry, ranking.now) || entry.inactiveSince !== undefined) continue;
    let best: AddressEntry | undefined;
    for (const a of entry.addresses.values()) if (isVisibleTo(a.address, context) && isBetterAddress(a, best)) best = a;
    if (best !== undefined) candidates.push({ score: ranking.total(entry), address: best.address });
  }
  return candidates;
}
