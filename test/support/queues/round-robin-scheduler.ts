import { injectable } from 'inversify';
// A user imports these from 'tmp2p'. Here the modules are named one by one: loaded by path while the
// tests run from source, this file gets its own copy of every module it imports, and a copy of the
// whole framework would re-register the generated protobuf classes under the node's feet.
import { BaseQueue } from '../../../framework/queue/base-queue.js';
import { Plugin } from '../../../framework/plugin/plugin.js';
import type { EnqueueResult, Queue, QueueFactory, QueueItem, QueueOptions } from '../../../framework/queue/queue.js';

/**
 * A user-written scheduler, loaded by module path from config
 * (`p2p.queue_type = "./round-robin-scheduler.js"`): channels take turns one
 * message at a time, ignoring priorities. Lossless — a full queue makes
 * producers wait — and bounded by `capacity` messages and, when given,
 * `capacityBytes` bytes. BaseQueue supplies closing, waiting and counters;
 * the plugin only stores, picks and says when a producer must wait.
 */
export class RoundRobinQueue<T extends QueueItem> extends BaseQueue<T> {
  /** One FIFO per channel that has messages; `head` indexes the next to take (amortised O(1) shift). */
  private readonly fifos = new Map<number, { items: T[]; head: number }>();
  /** Channels with messages, in turn order. */
  private turns: number[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  protected mustWait(item: T): boolean {
    return !this.fits(item);
  }

  protected offer(item: T): EnqueueResult {
    if (!this.fits(item)) return 'full';
    let fifo = this.fifos.get(item.channelId);
    if (fifo === undefined) {
      fifo = { items: [], head: 0 };
      this.fifos.set(item.channelId, fifo);
      this.turns.push(item.channelId);
    }
    fifo.items.push(item);
    this.count++;
    this.bytes += item.size;
    return 'accepted';
  }

  protected take(): T | undefined {
    const channelId = this.turns.shift();
    if (channelId === undefined) return undefined;
    const fifo = this.fifos.get(channelId)!;
    const item = fifo.items[fifo.head]!;
    fifo.items[fifo.head++] = undefined as unknown as T; // release the reference
    if (fifo.head === fifo.items.length) this.fifos.delete(channelId); // emptied: forget the channel
    else {
      if (fifo.head > 1024 && fifo.head * 2 > fifo.items.length) {
        fifo.items = fifo.items.slice(fifo.head);
        fifo.head = 0;
      }
      this.turns.push(channelId); // back of the line
    }
    this.count--;
    this.bytes -= item.size;
    return item;
  }

  private fits(item: T): boolean {
    if (this.count >= this.capacity) return false;
    // Like FIFO: one message bigger than the byte bound still passes an empty queue.
    return this.count === 0 || this.bytes + item.size <= this.capacityBytes;
  }
}

@Plugin('queue', 'round-robin')
@injectable()
export default class RoundRobinQueueFactory implements QueueFactory {
  readonly name = 'round-robin';
  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    return new RoundRobinQueue<T>(options);
  }
}
