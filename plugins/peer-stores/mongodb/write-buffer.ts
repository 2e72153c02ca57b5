import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../framework/peer/peer-store.js';

/** A write waiting to reach the database: the latest state of one peer. */
export type BufferedWrite = { readonly kind: 'save'; readonly record: PeerRecord } | { readonly kind: 'delete' };

/**
 * Writes waiting for the database, at most one per peer: a newer write of a
 * peer replaces the waiting one (records are whole snapshots, so the newer
 * one says everything the older did). Bounded: when `limit` peers are waiting
 * and another peer's write arrives, the oldest waiting write is dropped and
 * counted. A write being executed ("in flight") is tracked separately so no
 * two writes of one peer ever run at once; if it fails it goes back unless a
 * newer write of that peer arrived meanwhile.
 */
export class WriteBuffer {
  private readonly waiting = new Map<NodeID, BufferedWrite>();
  private readonly inFlight = new Set<NodeID>();
  /** Writes discarded because the buffer was full. */
  dropped = 0;
  /** Writes replaced by a newer write of the same peer before they ran. */
  coalesced = 0;

  constructor(readonly limit: number) {}

  /** Waiting plus in flight. */
  get size(): number {
    return this.waiting.size + this.inFlight.size;
  }

  /** Writes that could be taken now. */
  get ready(): number {
    let n = 0;
    for (const id of this.waiting.keys()) if (!this.inFlight.has(id)) n++;
    return n;
  }

  /** Queues a write; returns the peer whose write was dropped to make room, if any. */
  put(nodeId: NodeID, write: BufferedWrite): NodeID | undefined {
    if (this.waiting.has(nodeId)) {
      this.coalesced++;
      this.waiting.set(nodeId, write); // keeps its place in line
      return undefined;
    }
    const evicted = this.makeRoom();
    this.waiting.set(nodeId, write);
    return evicted;
  }

  /** Up to `max` writes of peers with no write in flight, oldest first; they are now in flight. */
  take(max: number): [NodeID, BufferedWrite][] {
    const taken: [NodeID, BufferedWrite][] = [];
    for (const [id, write] of this.waiting) {
      if (taken.length >= max) break;
      if (this.inFlight.has(id)) continue;
      taken.push([id, write]);
    }
    for (const [id] of taken) {
      this.waiting.delete(id);
      this.inFlight.add(id);
    }
    return taken;
  }

  /** The write of `nodeId` finished. */
  done(nodeId: NodeID): void {
    this.inFlight.delete(nodeId);
  }

  /** The write of `nodeId` failed and should run again, unless a newer one is waiting. Returns a dropped peer, if any. */
  retry(nodeId: NodeID, write: BufferedWrite): NodeID | undefined {
    this.inFlight.delete(nodeId);
    if (this.waiting.has(nodeId)) return undefined;
    const evicted = this.makeRoom();
    this.waiting.set(nodeId, write);
    return evicted;
  }

  /** Empties the buffer; returns how many writes were discarded (in-flight ones are not counted). */
  clear(): number {
    const n = this.waiting.size;
    this.waiting.clear();
    return n;
  }

  private makeRoom(): NodeID | undefined {
    if (this.waiting.size + this.inFlight.size < this.limit) return undefined;
    const oldest = this.waiting.keys().next();
    if (oldest.done) return undefined; // everything is in flight; the in-flight bound is the concurrency, so allow it
    this.waiting.delete(oldest.value);
    this.dropped++;
    return oldest.value;
  }
}
