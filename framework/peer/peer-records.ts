import { isNodeID, type NodeID } from '../identity/node-id.js';
import { NodeAddress } from '../address/node-address.js';
import { MAX_ADDRESSES_PER_PEER, MAX_BEHAVIOUR, newAddressEntry, newPeerEntry, type AddressEntry, type LearnedFrom, type PeerEntry } from './peer-entry.js';
import type { PeerAddressRecord, PeerRecord } from './peer-store.js';
import type { RandomSource } from './types.js';

/** The persisted form of an entry; absent values are omitted rather than stored as undefined. */
export function toRecord(entry: PeerEntry): PeerRecord {
  const record: PeerRecord = {
    nodeId: entry.nodeId,
    addresses: [...entry.addresses.values()].map((a) => {
      const r: PeerAddressRecord = { address: a.key, dialFailures: a.dialFailures };
      if (a.lastDialSuccess !== undefined) r.lastDialSuccess = a.lastDialSuccess;
      if (a.lastDialFailure !== undefined) r.lastDialFailure = a.lastDialFailure;
      if (a.learnedFrom !== undefined) r.learnedFrom = a.learnedFrom;
      return r;
    }),
  };
  if (entry.lastConnected !== undefined) record.lastConnected = entry.lastConnected;
  if (entry.lastDisconnected !== undefined) record.lastDisconnected = entry.lastDisconnected;
  if (entry.inactiveSince !== undefined) record.inactive = true;
  if (entry.bannedUntil !== undefined) record.bannedUntil = entry.bannedUntil;
  if (entry.behaviour !== 0) record.mutableScore = entry.behaviour;
  return record;
}

/** Outcome of validating one stored record. */
export type DecodedRecord =
  | { readonly ok: true; readonly entry: PeerEntry; readonly problems: readonly string[] }
  | { readonly ok: false; readonly problem: string };

export interface DecodeContext {
  readonly selfId: NodeID;
  /** Load time: the inactive cooldown of a stored inactive peer restarts here (the record keeps no timestamp). */
  readonly now: number;
  readonly tiebreak: number;
  readonly persistent: (id: NodeID) => boolean;
}

const LEARNED_FROM: readonly LearnedFrom[] = ['loopback', 'link-local', 'private', 'public'];
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

/**
 * Validates a record loaded from a store. Record-level damage (not an object,
 * bad node ID, wrong field types) rejects the whole record; a bad address only
 * drops that address, so one unparsable entry does not cost the peer.
 */
export function decodeRecord(raw: unknown, ctx: DecodeContext): DecodedRecord {
  if (typeof raw !== 'object' || raw === null) return { ok: false, problem: `record is ${raw === null ? 'null' : typeof raw}, expected an object` };
  const r = raw as Record<string, unknown>;
  if (!isNodeID(r.nodeId)) return { ok: false, problem: `invalid node ID ${JSON.stringify(r.nodeId)}` };
  if (r.nodeId === ctx.selfId) return { ok: false, problem: 'record of this node itself' };
  if (!Array.isArray(r.addresses)) return { ok: false, problem: `addresses is ${typeof r.addresses}, expected an array` };
  for (const field of ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const) {
    if (!absent(r[field]) && !isTime(r[field])) return { ok: false, problem: `${field} is ${JSON.stringify(r[field])}, expected a non-negative timestamp` };
  }
  if (!absent(r.inactive) && typeof r.inactive !== 'boolean') return { ok: false, problem: `inactive is ${JSON.stringify(r.inactive)}, expected a boolean` };
  if (!absent(r.mutableScore) && !(typeof r.mutableScore === 'number' && Number.isFinite(r.mutableScore))) {
    return { ok: false, problem: `mutableScore is ${JSON.stringify(r.mutableScore)}, expected a number` };
  }

  const nodeId = r.nodeId;
  const entry = newPeerEntry(nodeId, ctx.persistent(nodeId), ctx.tiebreak);
  const problems: string[] = [];
  for (const [i, rawAddress] of r.addresses.entries()) {
    const decoded = decodeAddress(rawAddress, nodeId);
    if (typeof decoded === 'string') problems.push(`address #${i} skipped: ${decoded}`);
    else if (entry.addresses.has(decoded.key)) problems.push(`address #${i} skipped: duplicate of ${decoded.key}`);
    else if (entry.addresses.size >= MAX_ADDRESSES_PER_PEER) problems.push(`address #${i} skipped: more than ${MAX_ADDRESSES_PER_PEER} addresses`);
    else entry.addresses.set(decoded.key, decoded);
  }
  if (isTime(r.lastConnected)) entry.lastConnected = r.lastConnected;
  if (isTime(r.lastDisconnected)) entry.lastDisconnected = r.lastDisconnected;
  if (isTime(r.bannedUntil)) entry.bannedUntil = r.bannedUntil;
  if (r.inactive === true) entry.inactiveSince = ctx.now;
  if (typeof r.mutableScore === 'number') entry.behaviour = Math.max(-MAX_BEHAVIOUR, Math.min(MAX_BEHAVIOUR, Math.trunc(r.mutableScore)));
  return { ok: true, entry, problems };
}

function decodeAddress(raw: unknown, nodeId: NodeID): AddressEntry | string {
  if (typeof raw !== 'object' || raw === null) return `expected an object, got ${raw === null ? 'null' : typeof raw}`;
  const a = raw as Record<string, unknown>;
  if (typeof a.address !== 'string') return `address is ${typeof a.address}, expected a string`;
  let address: NodeAddress;
  try {
    address = NodeAddress.parse(a.address);
  } catch (error) {
    return `unparsable address ${JSON.stringify(a.address)}: ${(error as Error).message}`;
  }
  if (address.nodeId !== nodeId) return `address ${JSON.stringify(a.address)} belongs to node ${address.nodeId}`;
  const failures = absent(a.dialFailures) ? 0 : a.dialFailures;
  if (typeof failures !== 'number' || !Number.isSafeInteger(failures) || failures < 0) {
    return `dialFailures is ${JSON.stringify(a.dialFailures)}, expected a non-negative integer`;
  }
  for (const field of ['lastDialSuccess', 'lastDialFailure'] as const) {
    if (!absent(a[field]) && !isTime(a[field])) return `${field} is ${JSON.stringify(a[field])}, expected a non-negative timestamp`;
  }
  if (!absent(a.learnedFrom) && !LEARNED_FROM.includes(a.learnedFrom as LearnedFrom)) {
    return `learnedFrom is ${JSON.stringify(a.learnedFrom)}, expected one of ${LEARNED_FROM.join(', ')}`;
  }
  const entry = newAddressEntry(address, { pinned: false, learnedFrom: absent(a.learnedFrom) ? undefined : (a.learnedFrom as LearnedFrom) });
  entry.dialFailures = failures;
  if (isTime(a.lastDialSuccess)) entry.lastDialSuccess = a.lastDialSuccess;
  if (isTime(a.lastDialFailure)) entry.lastDialFailure = a.lastDialFailure;
  return entry;
}

/** Result of validating everything a store returned. */
export interface LoadedRecords {
  /** Valid entries, one per node ID. */
  readonly entries: PeerEntry[];
  /** Rejected records (corrupted or duplicate), with why. */
  readonly rejected: { readonly problem: string; readonly nodeId?: NodeID }[];
  /** Kept records that lost some addresses; they should be rewritten clean. */
  readonly repaired: { readonly nodeId: NodeID; readonly problems: readonly string[] }[];
}

/**
 * Validates loaded records; never throws for bad data. Addresses with
 * failures get fresh retry jitter, since jitter is not persisted.
 */
export function decodeRecords(
  records: readonly unknown[],
  ctx: Omit<DecodeContext, 'tiebreak'> & { readonly random: RandomSource; readonly retryJitterMs: number },
): LoadedRecords {
  const result: LoadedRecords = { entries: [], rejected: [], repaired: [] };
  const seen = new Set<NodeID>();
  for (const raw of records) {
    const decoded = decodeRecord(raw, { ...ctx, tiebreak: ctx.random.next() });
    if (!decoded.ok) {
      result.rejected.push({ problem: decoded.problem });
      continue;
    }
    const { entry, problems } = decoded;
    if (seen.has(entry.nodeId)) {
      result.rejected.push({ problem: 'duplicate record', nodeId: entry.nodeId });
      continue;
    }
    seen.add(entry.nodeId);
    for (const info of entry.addresses.values()) if (info.dialFailures > 0) info.jitter = ctx.random.next() * ctx.retryJitterMs;
    result.entries.push(entry);
    if (problems.length > 0) result.repaired.push({ nodeId: entry.nodeId, problems });
  }
  return result;
}
