import type { ClassicLevel } from 'classic-level';
import { toError } from '../../framework/errors/base.js';
import { PeerStoreWriteError } from './errors.js';
import type { LevelOp, RecordCount } from './level-record-count.js';

/** What a LevelWriteQueue is given by its store. */
export interface LevelWriteQueueComponents {
  /** The database directory, for error messages. */
  readonly path: string;
  /** fsync each batch (LevelPeerStoreOptions.sync). */
  readonly sync: boolean;
  readonly maxBatchSize: number;
  readonly maxPendingWrites: number;
  /** Each batch ends with the op that keeps the stored record count right. */
  readonly count: Pick<RecordCount, 'opFor' | 'forget'>;
  readonly counters: { writes: number; batches: number };
  /** The open database, opened on first use; when that fails, everything queued fails with it. */
  database(): Promise<ClassicLevel<string, string>>;
  /** Throws PeerStoreClosedError once the store is closing. */
  assertOpen(): void;
}

interface QueuedOp {
  readonly op: LevelOp;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The LevelDB store's group commit: operations that arrive while a batch is
 * being written go out together in the next one, so many concurrent callers
 * cost few disk writes and a single caller waits for one put. Each batch is
 * atomic in LevelDB's log, so a crash leaves every record either old or new,
 * never torn. At most maxPendingWrites operations wait; further callers wait
 * for room.
 */
export class LevelWriteQueue {
  private readonly queue: QueuedOp[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private draining = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(private readonly components: LevelWriteQueueComponents) {}

  /** Operations waiting to be committed. */
  get pending(): number {
    return this.queue.length;
  }

  /** Whether a batch is being written or waits to be. */
  get busy(): boolean {
    return this.draining;
  }

  /**
   * Queues at once when there is room (so a call made before `close()` is
   * committed by it, even before the database is open); otherwise waits for
   * room, and is rejected if the store closes meanwhile.
   */
  async enqueue(op: LevelOp): Promise<void> {
    const components = this.components;
    components.assertOpen();
    while (this.queue.length >= components.maxPendingWrites) {
      await new Promise<void>((wake) => this.roomWaiters.push(wake));
      components.assertOpen();
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.drained = this.drain();
      }
    });
  }

  /** Resolves once every queued operation has been attempted. */
  async idle(): Promise<void> {
    while (this.draining) await this.drained;
  }

  /** The store is closing: callers waiting for room wake up and find it closed. */
  wakeRoomWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private async drain(): Promise<void> {
    const { path, sync, maxBatchSize, maxPendingWrites, count, counters } = this.components;
    try {
      let db: ClassicLevel<string, string>;
      try {
        db = await this.components.database();
      } catch (error) {
        for (const q of this.queue.splice(0)) q.reject(toError(error));
        this.wakeRoomWaiters();
        return;
      }
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, maxBatchSize);
        for (const wake of this.roomWaiters.splice(0, maxPendingWrites - this.queue.length)) wake();
        const ops = batch.map((q) => q.op);
        try {
          await db.batch([...ops, count.opFor(ops)], { sync });
          counters.writes += batch.length;
          counters.batches++;
          for (const q of batch) q.resolve();
        } catch (cause) {
          count.forget();
          const error = new PeerStoreWriteError(`writing ${batch.length} peer record(s) to LevelDB at ${path} failed: ${toError(cause).message}`, { cause });
          for (const q of batch) q.reject(error);
        }
      }
    } finally {
      // Cleared synchronously after the last emptiness check, so an operation queued from now on starts a new drain.
      this.draining = false;
    }
  }
}
