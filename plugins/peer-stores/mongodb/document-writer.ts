import type { Collection, MongoBulkWriteError } from 'mongodb';
import { loadedMongoDriver } from './driver.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../framework/peer/peer-store.js';
import type { PeerManagerLogger } from '../../../framework/peer/types.js';
import { PeerStoreConflictError } from '../errors.js';
import { checkVersioned } from '../record-codec.js';
import { isDuplicateKeyError } from './mongo-errors.js';
import { nextRev, revisionFilter, stripBookkeeping, toDocument, type PeerDocument } from './peer-document.js';
import type { PeerLocks } from './peer-locks.js';
import { mergeRecords } from './record-merge.js';
import type { KnownRevision, RevisionCache } from './revision-cache.js';

/**
 * How one peer's document is written without losing another writer's data:
 * merge into the document at a known revision and replace it only if it is
 * still at that revision (re-reading and merging again when it is not). A
 * brand-new peer is simply inserted: the unique `_id` makes that atomic.
 * With `locks` set, every conditional write also holds the peer's lock, for
 * servers whose conditional replace is not atomic.
 */
export class DocumentWriter {
  locks: PeerLocks | undefined;
  readonly counters = { written: 0, deleted: 0, conflicts: 0 };

  constructor(
    private readonly peers: Collection<PeerDocument>,
    private readonly revisions: RevisionCache,
    private readonly maxConflictRetries: number,
    private readonly log: PeerManagerLogger,
  ) {}

  /** Whether a save of `id` can go out as a plain insert (nothing known about it). */
  isNew(id: NodeID): boolean {
    return !this.revisions.has(id);
  }

  /**
   * Inserts records of new peers in one unordered batch. Returns the indexes
   * that were not inserted (existing peers, bad documents); throws when the
   * outcome is unknown (the connection failed).
   */
  async insertMany(records: readonly PeerRecord[]): Promise<Set<number>> {
    let failed = new Set<number>();
    try {
      await this.peers.insertMany(
        records.map((r) => toDocument(r, 1)),
        { ordered: false },
      );
    } catch (error) {
      const bulkError = loadedMongoDriver()?.MongoBulkWriteError;
      const known = bulkError !== undefined && error instanceof bulkError ? failedIndexes(error) : undefined;
      if (known === undefined) throw error;
      failed = known;
    }
    records.forEach((record, i) => {
      if (failed.has(i)) return;
      this.revisions.set(record.nodeId, { rev: 1, record });
      this.counters.written++;
    });
    return failed;
  }

  async save(record: PeerRecord): Promise<void> {
    await this.locked(record.nodeId, () => this.mergeAndWrite(record));
  }

  /** Deletes unless another writer changed the peer since this store last saw it (their newer data stays). */
  async delete(id: NodeID): Promise<void> {
    await this.locked(id, async () => {
      const known = this.revisions.get(id);
      const result = await this.peers.deleteOne(known === undefined ? { _id: id } : revisionFilter(id, known.rev));
      this.revisions.delete(id);
      if (result.deletedCount === 1) this.counters.deleted++;
      else if (known !== undefined) this.log.debug({ peer: id }, 'peer not deleted: another writer changed it, or it is gone already');
    });
  }

  /** Caches what a load read, so the first write of a loaded peer needs no extra read. */
  remember(id: NodeID, rev: number, record: PeerRecord): void {
    this.revisions.set(id, { rev, record });
  }

  private async locked(id: NodeID, write: () => Promise<void>): Promise<void> {
    const locks = this.locks;
    if (locks === undefined) return write();
    await locks.acquire(id);
    try {
      await write();
    } finally {
      // A lock we fail to release expires; our next write of the peer reclaims it.
      await locks.release(id).catch((error: unknown) => this.log.debug({ peer: id, err: error }, 'releasing a peer lock failed'));
    }
  }

  private async mergeAndWrite(record: PeerRecord): Promise<void> {
    const id = record.nodeId;
    let known = this.revisions.get(id);
    for (let attempt = 0; attempt < this.maxConflictRetries; attempt++) {
      if (known === undefined) {
        try {
          await this.peers.insertOne(toDocument(record, 1));
          this.revisions.set(id, { rev: 1, record });
          this.counters.written++;
          return;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
        known = await this.read(id);
        if (known === undefined) continue; // deleted meanwhile: insert again
      }
      const merged = mergeRecords(known.record, record);
      const rev = nextRev(known.rev);
      const result = await this.peers.replaceOne(revisionFilter(id, known.rev), toDocument(merged, rev));
      if (result.matchedCount === 1) {
        this.revisions.set(id, { rev, record: merged });
        this.counters.written++;
        return;
      }
      this.counters.conflicts++;
      known = await this.read(id);
    }
    throw new PeerStoreConflictError(`peer ${id}: ${this.maxConflictRetries} conditional writes in a row met a newer revision`);
  }

  /** Reads a peer's stored revision and content (and caches it); undefined when there is no document. */
  private async read(id: NodeID): Promise<KnownRevision | undefined> {
    const doc = await this.peers.findOne({ _id: id });
    if (doc === null) {
      this.revisions.delete(id);
      return undefined;
    }
    const checked = checkVersioned(stripBookkeeping(doc), id);
    // A corrupted document is merged as if empty, so this write repairs it.
    const known: KnownRevision = { rev: doc.rev, record: checked.ok ? checked.record : { nodeId: id, addresses: [] } };
    this.revisions.set(id, known);
    return known;
  }
}

/** Indexes of the documents an unordered insertMany did not insert, or undefined when that is unknown. */
function failedIndexes(error: MongoBulkWriteError): Set<number> | undefined {
  const writeErrors = error.writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors === undefined ? [] : [writeErrors];
  if (list.length === 0) return undefined; // e.g. the connection failed: anything may or may not be inserted
  return new Set(list.map((e) => e.index));
}
