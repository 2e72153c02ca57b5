import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { PeerStoreConflictError } from '../errors.js';
import { isDuplicateKeyError } from './mongo-errors.js';

/** A lock on one peer's document. */
export interface LockDocument {
  _id: string;
  /** The store instance holding it. */
  owner: string;
  /** After this, another writer may take the lock over (the holder is presumed dead). */
  expiresAt: Date;
}

/**
 * Per-peer mutual exclusion built only from what every MongoDB-compatible
 * server does atomically: inserting a document with a unique `_id`, and
 * deleting one. Needed where a single-document update is not atomic
 * (FerretDB 1.x reads and writes in separate steps, so two conditional
 * replaces of one document can both succeed). A lock is a lease: a holder
 * that dies leaves it for `leaseMs`, after which a waiter removes it.
 * Like any lease this assumes clocks agree to well within `leaseMs`.
 */
export class PeerLocks {
  /** Identifies this store instance as a lock holder. */
  readonly owner = randomUUID();
  /** Expired locks of other writers that were removed. */
  takenOver = 0;

  constructor(
    private readonly locks: Collection<LockDocument>,
    private readonly leaseMs: number,
    private readonly waitMs: number,
  ) {}

  /** Takes the peer's lock, waiting up to `waitMs` for another holder; throws PeerStoreConflictError after that. */
  async acquire(id: NodeID): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      try {
        await this.locks.insertOne({ _id: id, owner: this.owner, expiresAt: new Date(Date.now() + this.leaseMs) });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const held = await this.locks.findOne({ _id: id });
      if (held === null) continue; // released meanwhile
      // Left over from one of our writes that failed before releasing; this store never runs two writes of a peer at once.
      if (held.owner === this.owner) return;
      if (!(held.expiresAt instanceof Date) || held.expiresAt.getTime() < Date.now()) {
        const removed = await this.locks.deleteOne({ _id: id, owner: held.owner, expiresAt: held.expiresAt });
        if (removed.deletedCount === 1) this.takenOver++;
        continue;
      }
      if (Date.now() >= deadline) {
        throw new PeerStoreConflictError(`peer ${id} stayed locked by another writer (${held.owner}) for ${this.waitMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }

  /** Releases the peer's lock if this store holds it. */
  async release(id: NodeID): Promise<void> {
    await this.locks.deleteOne({ _id: id, owner: this.owner });
  }
}
