import type { NodeID } from '../../framework/identity/node-id.js';

/** What the mempool remembers of one tx: who sent it to us, and on which connection; whom we sent it to. */
export interface SeenTx {
  readonly hash: string;
  /** Peers that sent it, each with the serial of the connection it came on. */
  readonly from: Map<NodeID, number>;
  /** Peers it was queued for by this node. */
  readonly sentTo: Set<NodeID>;
}

/**
 * A bounded LRU of tx hashes. Each entry's maps hold at most one item per
 * peer, so memory is bounded by `capacity` × connected peers. Touching an
 * entry (seeing the tx again) makes it the most recent; past `capacity` the
 * least recent is forgotten and counted in `evictions`.
 */
export class SeenCache {
  private readonly entries = new Map<string, SeenTx>();
  evictions = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry of `hash`, made most recent; undefined when not remembered. */
  touch(hash: string): SeenTx | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    return entry;
  }

  /** Whether `hash` is remembered, without changing its place. */
  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  /** A new entry for `hash` (the caller checked it is absent), evicting the least recent one when full. */
  add(hash: string): SeenTx {
    const entry: SeenTx = { hash, from: new Map(), sentTo: new Set() };
    this.entries.set(hash, entry);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.evictions++;
    }
    return entry;
  }

  /** Forgets every entry (the node stopped). */
  clear(): void {
    this.entries.clear();
  }
}
