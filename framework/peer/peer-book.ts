import { throwIfAborted, toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { NodeAddress } from '../address/node-address.js';
import { PeerStoreError } from './errors.js';
import type { PeerManagerOptions } from './options.js';
import { attachAddress, isBannedAt, moreTrusted, newPeerEntry, type AddressOrigin, type PeerEntry } from './peer-entry.js';
import { decodeRecords, toRecord } from './peer-records.js';
import type { PeerStore } from './peer-store.js';
import { pruneOrder, type Ranking } from './ranking.js';
import { StoreWriter } from './store-writer.js';
import type { PeerManagerLogger, RandomSource } from './types.js';

type BookOptions = Pick<PeerManagerOptions, 'selfId' | 'maxPeers' | 'inactiveCooldownMs' | 'retryJitterMs'>;

/** Outcome of `PeerBook.addAddress`. */
export type AddOutcome = 'new-peer' | 'new-address' | 'known' | 'refused';

/**
 * The known peers and their persistence: every mutation of an entry is
 * followed by `save(id)`, which the coalescing writer turns into store writes.
 * Bounded by `maxPeers` through `prune`.
 */
export class PeerBook {
  private readonly entries = new Map<NodeID, PeerEntry>();
  private readonly writer: StoreWriter;
  private closed = false;
  /** Records rejected at load. */
  corruptRecords = 0;
  /** Peers forgotten to respect maxPeers. */
  pruned = 0;

  constructor(
    private readonly options: BookOptions,
    private readonly store: PeerStore,
    private readonly persistentIds: ReadonlySet<NodeID>,
    private readonly random: RandomSource,
    private readonly log: PeerManagerLogger,
  ) {
    this.writer = new StoreWriter(store, (id) => {
      const entry = this.entries.get(id);
      return entry === undefined ? undefined : toRecord(entry);
    }, log);
  }

  get size(): number {
    return this.entries.size;
  }

  get storeErrors(): number {
    return this.writer.errors;
  }

  get storeWritesDropped(): number {
    return this.writer.dropped;
  }

  get(id: NodeID): PeerEntry | undefined {
    return this.entries.get(id);
  }

  has(id: NodeID): boolean {
    return this.entries.has(id);
  }

  values(): IterableIterator<PeerEntry> {
    return this.entries.values();
  }

  /** Creates an entry (not yet saved). */
  insert(id: NodeID): PeerEntry {
    const entry = newPeerEntry(id, this.persistentIds.has(id), this.random.next());
    this.entries.set(id, entry);
    return entry;
  }

  /** Schedules a write of the peer's current state. */
  save(id: NodeID): void {
    if (!this.closed) this.writer.save(id);
  }

  /**
   * Adds an address and saves. A pinned one (configured persistent address)
   * bypasses the inactive cooldown and is never replaced; `dialingKey` is an
   * address that must not be replaced because it is being dialed. An address
   * known already keeps the more trusted of its origins. A new peer may be
   * pruned again at once (see `prune`); the caller checks `has`.
   */
  addAddress(address: NodeAddress, origin: AddressOrigin, now: number, dialingKey?: string): AddOutcome {
    const id = address.nodeId;
    const existing = this.entries.get(id);
    if (existing === undefined) {
      attachAddress(this.insert(id), address, origin);
      this.save(id);
      return 'new-peer';
    }
    const known = existing.addresses.get(address.toString());
    if (known !== undefined) {
      const learnedFrom = origin.pinned ? undefined : moreTrusted(known.learnedFrom, origin.learnedFrom);
      if (known.pinned === (known.pinned || origin.pinned) && known.learnedFrom === learnedFrom) return 'known';
      known.pinned ||= origin.pinned;
      if (learnedFrom === undefined) delete known.learnedFrom;
      else known.learnedFrom = learnedFrom;
      this.save(id);
      return 'known';
    }
    const cooling = existing.inactiveSince !== undefined && now < existing.inactiveSince + this.options.inactiveCooldownMs;
    if ((cooling && !origin.pinned) || !attachAddress(existing, address, origin, dialingKey)) return 'refused';
    this.save(id);
    return 'new-address';
  }

  /** Removes every address `match` selects, from every peer, and saves the peers changed; returns how many went. */
  removeAddresses(match: (address: NodeAddress) => boolean): number {
    let removed = 0;
    for (const entry of this.entries.values()) {
      let changed = false;
      for (const [key, info] of entry.addresses) {
        if (!match(info.address)) continue;
        entry.addresses.delete(key);
        changed = true;
        removed++;
      }
      if (changed) this.save(entry.nodeId);
    }
    return removed;
  }

  /**
   * Removes one address of a peer (persisted). A peer left without addresses
   * is forgotten and deleted from the store, unless `keep` (connected,
   * dialing, banned: forgetting would lose that state). Returns whether the
   * peer was forgotten.
   */
  removeAddress(entry: PeerEntry, key: string, keep: boolean): boolean {
    entry.addresses.delete(key);
    if (entry.addresses.size > 0 || keep) {
      this.save(entry.nodeId);
      return false;
    }
    this.entries.delete(entry.nodeId);
    this.writer.delete(entry.nodeId);
    return true;
  }

  /**
   * Forgets the lowest-ranked peers beyond `maxPeers` (deleting them from the
   * store). Spared: persistent peers, currently banned ones (forgetting a ban
   * would undo it) and whatever `busy` says (dialing, connected).
   */
  prune(ranking: Ranking, busy: (id: NodeID) => boolean): void {
    const max = this.options.maxPeers;
    if (max === 0 || this.entries.size <= max) return;
    const prunable = [...this.entries.values()].filter((e) => !e.persistent && !busy(e.nodeId) && !isBannedAt(e, ranking.now));
    const excess = this.entries.size - max;
    for (const entry of pruneOrder(prunable, ranking).slice(0, excess)) {
      this.entries.delete(entry.nodeId);
      this.writer.delete(entry.nodeId);
      this.pruned++;
      this.log.debug({ peer: entry.nodeId }, 'peer pruned (maxPeers reached)');
    }
    if (prunable.length < excess) {
      this.log.warn({ peers: this.entries.size, maxPeers: max }, 'cannot prune to maxPeers: the other peers are connected, dialing, persistent or banned');
    }
  }

  /**
   * Every record in the store, not yet validated (see `load`). Throws
   * PeerStoreError when the store cannot be read or does not answer with a
   * list; an abort throws the signal's reason instead.
   */
  async read(signal?: AbortSignal): Promise<readonly unknown[]> {
    let records: unknown;
    try {
      records = await this.store.load(signal);
    } catch (error) {
      throwIfAborted(signal);
      throw new PeerStoreError(`loading peers from the "${this.store.name}" peer store failed: ${toError(error).message}`, { cause: error });
    }
    if (!Array.isArray(records)) {
      throw new PeerStoreError(`the "${this.store.name}" peer store returned ${typeof records} from load(), expected an array of records`);
    }
    return records;
  }

  /** Adds validated records; corrupted ones are logged, counted and skipped, partly corrupted ones rewritten clean. */
  load(records: readonly unknown[], now: number): void {
    const loaded = decodeRecords(records, {
      selfId: this.options.selfId,
      now,
      random: this.random,
      retryJitterMs: this.options.retryJitterMs,
      persistent: (id) => this.persistentIds.has(id),
    });
    for (const { problem, nodeId } of loaded.rejected) {
      this.corruptRecords++;
      this.log.warn({ problem, peer: nodeId, store: this.store.name }, 'corrupted peer record skipped');
    }
    for (const entry of loaded.entries) this.entries.set(entry.nodeId, entry);
    for (const { nodeId, problems } of loaded.repaired) {
      this.log.warn({ peer: nodeId, problems, store: this.store.name }, 'peer record partly corrupted; bad addresses skipped');
      this.save(nodeId);
    }
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Flushes, stops writing and closes the store (failures are logged and counted). */
  async close(): Promise<void> {
    await this.writer.flush();
    this.closed = true;
    this.writer.close();
    try {
      await this.store.close();
    } catch (error) {
      this.writer.errors++;
      this.log.error({ err: error, store: this.store.name }, 'closing the peer store failed');
    }
  }
}
