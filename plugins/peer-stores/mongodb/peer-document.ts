import type { Filter } from 'mongodb';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerAddressRecord, PeerRecord } from '../../../framework/peer/peer-store.js';
import { PEER_RECORD_FORMAT_VERSION } from '../record-codec.js';

/** A peer's document: the record's fields plus bookkeeping. `_id` is the node ID, so duplicates are impossible even before the indexes exist. */
export interface PeerDocument {
  _id: string;
  nodeId: string;
  /** Record format version ({@link PEER_RECORD_FORMAT_VERSION}). */
  v: number;
  /** Incremented by every write; writes are conditional on the revision they merged into. */
  rev: number;
  /** Time of the last write (index for load order). */
  updatedAt: Date;
  addresses: PeerAddressRecord[];
  lastConnected?: number;
  lastDisconnected?: number;
  inactive?: boolean;
  bannedUntil?: number;
  mutableScore?: number;
}

export function toDocument(record: PeerRecord, rev: number): PeerDocument {
  return { ...record, _id: record.nodeId, nodeId: record.nodeId, v: PEER_RECORD_FORMAT_VERSION, rev, updatedAt: new Date() };
}

/** The document without `_id`, `rev` and `updatedAt`: what the record codec checks (`v` included). */
export function stripBookkeeping(doc: PeerDocument): Record<string, unknown> {
  const { _id, rev, updatedAt, ...rest } = doc;
  return rest;
}

/** Matches the document only at revision `rev`; a missing revision (a hand-written document) is matched as missing. */
export function revisionFilter(id: NodeID, rev: unknown): Filter<PeerDocument> {
  return rev === undefined ? { _id: id, rev: { $exists: false } } : { _id: id, rev: rev as number };
}

export const nextRev = (rev: unknown): number => (typeof rev === 'number' && Number.isSafeInteger(rev) ? rev + 1 : 1);
