import { NodeAddress } from '../../../framework/address/node-address.js';
import { MAX_ADDRESSES_PER_PEER } from '../../../framework/peer/peer-entry.js';
import type { PeerAddressRecord, PeerRecord } from '../../../framework/peer/peer-store.js';

/**
 * Combines the stored record of a peer with a newer write of it, so that
 * writers sharing one collection never roll back what another learned:
 *
 * - `lastConnected`, `lastDisconnected`, `bannedUntil`: the later of the two
 *   (these only ever move forward for one writer, so the maximum is the
 *   newest fact from either).
 * - addresses: the union by address string. Where both have an address, the
 *   copy whose latest dial event (success or failure) is newer wins, as a
 *   whole, so a failure count is never paired with someone else's success
 *   time; on a tie the incoming copy wins. The incoming addresses come first
 *   and the list is capped at the peer manager's per-peer limit, so a writer
 *   that is full keeps exactly its own set. Stored-only addresses that do not
 *   parse as an address of this peer are dropped rather than carried forward.
 * - `inactive`, `mutableScore`: the incoming writer's (its own verdicts).
 *
 * For a single writer the result equals `incoming` except for addresses it
 * dropped, which come back if there is room: harmless, because the peer
 * manager re-validates and re-ranks everything it loads.
 */
export function mergeRecords(stored: PeerRecord, incoming: PeerRecord, maxAddresses = MAX_ADDRESSES_PER_PEER): PeerRecord {
  const merged: PeerRecord = { nodeId: incoming.nodeId, addresses: mergeAddresses(stored, incoming, maxAddresses) };
  for (const field of ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const) {
    const value = later(stored[field], incoming[field]);
    if (value !== undefined) merged[field] = value;
  }
  if (incoming.inactive !== undefined) merged.inactive = incoming.inactive;
  if (incoming.mutableScore !== undefined) merged.mutableScore = incoming.mutableScore;
  return merged;
}

function mergeAddresses(stored: PeerRecord, incoming: PeerRecord, max: number): PeerAddressRecord[] {
  const storedByKey = new Map<string, PeerAddressRecord>();
  for (const a of stored.addresses) if (isAddressOf(a, incoming.nodeId)) storedByKey.set(a.address, a);
  const result: PeerAddressRecord[] = [];
  const seen = new Set<string>();
  for (const a of incoming.addresses) {
    const key = typeof a?.address === 'string' ? a.address : undefined;
    if (key !== undefined && seen.has(key)) continue;
    if (key !== undefined) seen.add(key);
    const other = key === undefined ? undefined : storedByKey.get(key);
    result.push({ ...(other !== undefined && lastEvent(other) > lastEvent(a) ? other : a) });
  }
  const storedOnly = [...storedByKey.values()].filter((a) => !seen.has(a.address)).sort((x, y) => lastEvent(y) - lastEvent(x));
  for (const a of storedOnly) {
    if (result.length >= max) break;
    result.push({ ...a });
  }
  return result;
}

function isAddressOf(a: PeerAddressRecord, nodeId: string): boolean {
  if (typeof a !== 'object' || a === null || typeof a.address !== 'string') return false;
  try {
    return NodeAddress.parse(a.address).nodeId === nodeId;
  } catch {
    return false;
  }
}

const lastEvent = (a: PeerAddressRecord): number => Math.max(numberOr(a?.lastDialSuccess), numberOr(a?.lastDialFailure));
const numberOr = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : -1);

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
