import { BaseQueue, Plugin, injectable, type EnqueueResult, type Queue, type QueueFactory, type QueueItem, type QueueOptions } from 'tmp2p/plugins';

/**
 * A lossy FIFO: when it is full, the oldest message makes room for the new
 * one, so a slow peer gets the freshest messages instead of the stalest.
 * Bounded by `capacity` messages and `capacityBytes` bytes; every message it
 * sheds is counted under its channel. Order within a channel is kept.
 */
export class DropOldestQueue<T extends QueueItem> extends BaseQueue<T> {
  private readonly items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  // Lossy: a producer never waits, since there is always room to make.
  protected mustWait(): boolean {
    return false;
  }

  protected override hasRoomFor(): boolean {
    return true;
  }

  protected offer(item: T): EnqueueResult {
    let shed = false;
    while (this.items.length > 0 && (this.items.length >= this.capacity || this.bytes + item.size > this.capacityBytes)) {
      this.countDrop(this.take()!.channelId);
      shed = true;
    }
    this.items.push(item);
    this.bytes += item.size;
    return shed ? 'accepted-with-drop' : 'accepted';
  }

  protected take(): T | undefined {
    const item = this.items.shift(); // at most `capacity` items (1024 by default): shifting is cheap
    if (item !== undefined) this.bytes -= item.size;
    return item;
  }
}

@Plugin('queue', 'drop-oldest')
@injectable()
export default class DropOldestQueueFactory implements QueueFactory {
  readonly name = 'drop-oldest';
  queuesCreated = 0;

  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    this.queuesCreated++;
    return new DropOldestQueue<T>(options);
  }
}
