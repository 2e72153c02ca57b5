import { injectable } from 'inversify';
import { BaseQueue } from '../../framework/queue/base-queue.js';
import { RingBuffer } from '../../framework/util/ring-buffer.js';
import type { EnqueueResult, Queue, QueueFactory, QueueItem, QueueOptions } from '../../framework/queue/queue.js';

/**
 * The ADR's lossless queue: strict arrival order, bounded in messages (and
 * bytes when `capacityBytes` is set), producers wait while it is full. It never
 * drops, so a full inbound channel queue pauses the peers feeding it.
 */
export class FifoQueue<T extends QueueItem> extends BaseQueue<T> {
  private readonly items = new RingBuffer<T>();

  constructor(options: QueueOptions) {
    super(options);
  }

  get length(): number {
    return this.items.length;
  }

  protected mustWait(item: T): boolean {
    return this.isFullFor(item);
  }

  protected offer(item: T): EnqueueResult {
    if (this.isFullFor(item)) return 'full';
    this.items.push(item);
    this.bytes += item.size;
    return 'accepted';
  }

  protected take(): T | undefined {
    const item = this.items.shift();
    if (item !== undefined) this.bytes -= item.size;
    return item;
  }

  private isFullFor(item: T): boolean {
    if (this.items.length >= this.capacity) return true;
    // An item larger than the whole byte budget is let into an empty queue, or it could never pass.
    return this.items.length > 0 && this.bytes + item.size > this.capacityBytes;
  }
}

@injectable()
export class FifoQueueFactory implements QueueFactory {
  readonly name = 'fifo';
  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    return new FifoQueue<T>(options);
  }
}
