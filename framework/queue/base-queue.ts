import { QueueClosedError } from './errors.js';
import { InvalidArgumentError, withoutStack } from '../errors/base.js';

/** A closed queue ends every wait on it (each routed peer's send loop, once): control flow, so no stack is captured. */
function closedError(): QueueClosedError {
  return withoutStack(() => new QueueClosedError());
}
import { Handoff, Waiters } from '../util/waiters.js';
import { isStored, type EnqueueResult, type Queue, type QueueItem, type QueueOptions, type QueueStats } from './queue.js';

/**
 * Shared mechanics for queue plugins: closing, waiting producers/consumers,
 * counters. A policy only decides how to store, pick and shed items.
 */
export abstract class BaseQueue<T extends QueueItem> implements Queue<T> {
  protected readonly capacity: number;
  protected readonly capacityBytes: number;
  protected bytes = 0;
  private enqueuedCount = 0;
  private dequeuedCount = 0;
  private readonly drops = new Map<number, number>();
  /** Consumers parked in dequeue(), handed the next item by tryEnqueue. */
  private readonly takers = new Handoff<T>();
  private readonly notFull = new Waiters();
  private closedFlag = false;
  private resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(options: QueueOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new InvalidArgumentError(`queue capacity must be an integer ≥ 1, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.capacityBytes = options.capacityBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Stores the item if the policy allows; may shed others via `countDrop`. */
  protected abstract offer(item: T): EnqueueResult;
  /** Removes and returns the next item by policy order. */
  protected abstract take(): T | undefined;
  /** Items currently stored. */
  abstract get length(): number;
  /** Whether a blocked producer should keep waiting (lossless policies). */
  protected abstract mustWait(item: T): boolean;
  /**
   * Whether `offer(item)` would store the item now. Lossless policies wait
   * exactly while they have no room, which is the default; lossy policies
   * override it, since they never make enqueue() wait.
   */
  protected hasRoomFor(item: T): boolean {
    return !this.mustWait(item);
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  tryEnqueue(item: T): EnqueueResult {
    if (this.closedFlag) return 'closed';
    const result = this.offer(item);
    if (isStored(result)) {
      this.enqueuedCount++;
      // A consumer waits only while the queue is empty, so what the policy takes now is this item.
      if (this.takers.size > 0) {
        const next = this.tryDequeue();
        if (next !== undefined) this.takers.give(next);
      }
    }
    return result;
  }

  async enqueue(item: T, signal?: AbortSignal): Promise<EnqueueResult> {
    for (;;) {
      if (this.closedFlag) throw closedError();
      if (!this.mustWait(item)) return this.tryEnqueue(item);
      await this.notFull.wait(signal);
    }
  }

  async enqueueWhenRoom(item: T, signal?: AbortSignal): Promise<EnqueueResult> {
    for (;;) {
      if (this.closedFlag) throw closedError();
      if (this.hasRoomFor(item)) return this.tryEnqueue(item);
      await this.notFull.wait(signal);
    }
  }

  tryDequeue(): T | undefined {
    const item = this.take();
    if (item !== undefined) {
      this.dequeuedCount++;
      this.notFull.wakeOne();
    }
    return item;
  }

  dequeue(signal?: AbortSignal): Promise<T> {
    const item = this.tryDequeue();
    if (item !== undefined) return Promise.resolve(item);
    if (this.closedFlag) return Promise.reject(closedError());
    return this.takers.wait(signal);
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.takers.rejectAll(closedError());
    this.notFull.wakeAll();
    this.resolveClosed();
  }

  stats(): QueueStats {
    return {
      length: this.length,
      bytes: this.bytes,
      enqueued: this.enqueuedCount,
      dequeued: this.dequeuedCount,
      dropped: new Map(this.drops),
    };
  }

  protected countDrop(channelId: number): void {
    this.drops.set(channelId, (this.drops.get(channelId) ?? 0) + 1);
  }
}
