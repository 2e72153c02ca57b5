import { InvalidArgumentError } from '../../framework/errors/base.js';
import { isNodeID, type NodeID } from '../../framework/identity/node-id.js';
import type { PeerAddressRecord, PeerRecord } from '../../framework/peer/peer-store.js';

/**
 * Version of the persisted record layout written by the LevelDB and MongoDB
 * stores. A store skips (and counts) records of any other version instead of
 * guessing at their meaning, so a downgrade never misreads newer data.
 */
export const PEER_RECORD_FORMAT_VERSION = 1;

/** Outcome of checking one raw stored record. */
export type CheckedRecord = { readonly ok: true; readonly record: PeerRecord } | { readonly ok: false; readonly problem: string };

const TIME_FIELDS = ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

/**
 * Checks the record-level shape the PeerManager needs and returns a clean
 * copy holding only PeerRecord fields. Individual addresses are copied but
 * not judged: the manager drops a bad address and rewrites the record, which
 * it could not do if the store threw the whole peer away for it.
 */
export function checkRecord(raw: unknown, expectedId?: NodeID): CheckedRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: `record is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}, expected an object` };
  }
  const r = raw as Record<string, unknown>;
  if (!isNodeID(r.nodeId)) return { ok: false, problem: `invalid node ID ${JSON.stringify(r.nodeId)}` };
  if (expectedId !== undefined && r.nodeId !== expectedId) {
    return { ok: false, problem: `record of node ${r.nodeId} stored under the key of node ${expectedId}` };
  }
  if (!Array.isArray(r.addresses)) return { ok: false, problem: `addresses is ${typeof r.addresses}, expected an array` };
  for (const field of TIME_FIELDS) {
    if (!absent(r[field]) && !isTime(r[field])) return { ok: false, problem: `${field} is ${JSON.stringify(r[field])}, expected a non-negative timestamp` };
  }
  if (!absent(r.inactive) && typeof r.inactive !== 'boolean') return { ok: false, problem: `inactive is ${JSON.stringify(r.inactive)}, expected a boolean` };
  if (!absent(r.mutableScore) && !(typeof r.mutableScore === 'number' && Number.isFinite(r.mutableScore))) {
    return { ok: false, problem: `mutableScore is ${JSON.stringify(r.mutableScore)}, expected a finite number` };
  }
  const record: PeerRecord = { nodeId: r.nodeId, addresses: r.addresses.map((a) => copyAddress(a)) };
  for (const field of TIME_FIELDS) if (isTime(r[field])) record[field] = r[field];
  if (typeof r.inactive === 'boolean') record.inactive = r.inactive;
  if (typeof r.mutableScore === 'number') record.mutableScore = r.mutableScore;
  return { ok: true, record };
}

/** Copies the known fields of an address object; anything else is passed on for the manager to reject. */
function copyAddress(raw: unknown): PeerAddressRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw as PeerAddressRecord;
  const a = raw as Record<string, unknown>;
  const copy: Record<string, unknown> = { address: a.address, dialFailures: a.dialFailures };
  if (!absent(a.lastDialSuccess)) copy.lastDialSuccess = a.lastDialSuccess;
  if (!absent(a.lastDialFailure)) copy.lastDialFailure = a.lastDialFailure;
  if (!absent(a.learnedFrom)) copy.learnedFrom = a.learnedFrom;
  return copy as unknown as PeerAddressRecord;
}

/**
 * Rejects what no store should persist: a record without a valid node ID or
 * without an address list. Throws InvalidArgumentError naming the store.
 */
export function assertSaveable(record: PeerRecord, storeName: string): void {
  if (typeof record !== 'object' || record === null || !isNodeID(record.nodeId)) {
    throw new InvalidArgumentError(`${storeName}.save expects a PeerRecord with a valid node ID, got ${JSON.stringify(record?.nodeId ?? record)}`);
  }
  if (!Array.isArray(record.addresses)) {
    throw new InvalidArgumentError(`${storeName}.save expects record.addresses to be an array, got ${typeof record.addresses} (peer ${record.nodeId})`);
  }
}

/** Rejects a delete of something that is not a node ID (a typo would otherwise delete nothing silently). */
export function assertNodeID(nodeId: NodeID, storeName: string): void {
  if (!isNodeID(nodeId)) throw new InvalidArgumentError(`${storeName}.delete expects a node ID (40 lowercase hex characters), got ${JSON.stringify(nodeId)}`);
}

/** JSON value of a record: `{"v":1,"nodeId":…,…}`. */
export function encodeRecordJSON(record: PeerRecord): string {
  const checked = checkRecord(record);
  if (!checked.ok) throw new InvalidArgumentError(`cannot encode peer record: ${checked.problem}`);
  return JSON.stringify({ v: PEER_RECORD_FORMAT_VERSION, ...checked.record });
}

/** Parses a stored JSON value; never throws. `expectedId` is the node ID its key names. */
export function decodeRecordJSON(text: string, expectedId?: NodeID): CheckedRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `value is not JSON (${(error as Error).message}): ${preview(text)}` };
  }
  return checkVersioned(parsed, expectedId);
}

/** Checks the `v` field, then the record. */
export function checkVersioned(parsed: unknown, expectedId?: NodeID): CheckedRecord {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return checkRecord(parsed, expectedId);
  const v = (parsed as { v?: unknown }).v;
  if (v !== PEER_RECORD_FORMAT_VERSION) {
    return { ok: false, problem: `record format version ${JSON.stringify(v)} is not supported (this build reads version ${PEER_RECORD_FORMAT_VERSION})` };
  }
  return checkRecord(parsed, expectedId);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
