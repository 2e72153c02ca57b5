import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../framework/peer/peer-store.js';

/** What the database held for a peer at a revision this store read or wrote. */
export interface KnownRevision {
  readonly rev: number;
  readonly record: PeerRecord;
}

/**
 * Remembers, for recently written or loaded peers, the revision and content
 * of their stored document. A write merges into that content and replaces the
 * document only if it is still at that revision, so the common case costs one
 * round trip and a concurrent writer is detected, not overwritten. Bounded
 * (least recently used goes first); a miss only costs a read.
 */
export class RevisionCache {
  private readonly entries = new Map<NodeID, KnownRevision>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(nodeId: NodeID): KnownRevision | undefined {
    const known = this.entries.get(nodeId);
    if (known !== undefined) {
      this.entries.delete(nodeId);
      this.entries.set(nodeId, known);
    }
    return known;
  }

  /** Whether the peer is cached (does not refresh its recency). */
  has(nodeId: NodeID): boolean {
    return this.entries.has(nodeId);
  }

  set(nodeId: NodeID, known: KnownRevision): void {
    if (this.capacity === 0) return;
    this.entries.delete(nodeId);
    this.entries.set(nodeId, known);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as NodeID);
  }

  delete(nodeId: NodeID): void {
    this.entries.delete(nodeId);
  }
}
