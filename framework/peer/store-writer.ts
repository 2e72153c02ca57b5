import type { NodeID } from '../identity/node-id.js';
import type { PeerRecord, PeerStore } from './peer-store.js';
import type { PeerManagerLogger } from './types.js';

/** Most peers with a write waiting; beyond it the oldest waiting write is dropped (and counted). */
export const PENDING_WRITES_LIMIT = 10_000;

/**
 * Lets the synchronous state machine persist without awaiting. Writes are
 * keyed by peer and coalesced: a peer changed ten times while the store was
 * busy is written once, with its state at write time. One write runs at a
 * time, so writes for a peer can never overtake each other. Failures are
 * logged and counted, never thrown back into the state machine.
 */
export class StoreWriter {
  private readonly pending = new Map<NodeID, 'save' | 'delete'>();
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private closed = false;
  /** Store calls that failed. */
  errors = 0;
  /** Writes dropped because too many were waiting. */
  dropped = 0;

  constructor(
    private readonly store: PeerStore,
    /** The record to save now, or undefined when the peer is gone (then it is deleted). */
    private readonly recordOf: (nodeId: NodeID) => PeerRecord | undefined,
    private readonly log: PeerManagerLogger,
    private readonly limit = PENDING_WRITES_LIMIT,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  save(nodeId: NodeID): void {
    this.schedule(nodeId, 'save');
  }

  delete(nodeId: NodeID): void {
    this.schedule(nodeId, 'delete');
  }

  /** Resolves once every write scheduled so far has been attempted. Never rejects. */
  async flush(): Promise<void> {
    while (this.running) await this.idle;
  }

  /** Stops accepting writes (those already scheduled still run; call flush to await them). */
  close(): void {
    this.closed = true;
  }

  private schedule(nodeId: NodeID, op: 'save' | 'delete'): void {
    if (this.closed) return;
    if (!this.pending.has(nodeId) && this.pending.size >= this.limit) {
      const oldest = this.pending.keys().next().value as NodeID;
      this.pending.delete(oldest);
      this.dropped++;
      this.log.warn({ component: 'peer-manager', peer: oldest, pending: this.pending.size }, 'peer store write dropped: too many writes waiting');
    }
    this.pending.set(nodeId, op);
    if (!this.running) {
      this.running = true;
      this.idle = this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const [nodeId, op] = this.pending.entries().next().value as [NodeID, 'save' | 'delete'];
        this.pending.delete(nodeId);
        try {
          const record = op === 'save' ? this.recordOf(nodeId) : undefined;
          if (record !== undefined) await this.store.save(record);
          else await this.store.delete(nodeId);
        } catch (error) {
          this.errors++;
          this.log.error({ component: 'peer-manager', peer: nodeId, op, store: this.store.name, err: error }, 'peer store write failed');
        }
      }
    } finally {
      // Set synchronously after the last emptiness check, so a write scheduled
      // from now on starts a new drain instead of being stranded.
      this.running = false;
    }
  }
}
