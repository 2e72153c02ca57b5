import { FifoQueueFactory } from '../../../plugins/queues/fifo.js';
import { PriorityQueueFactory } from '../../../plugins/queues/priority.js';
import { WdrrQueueFactory } from '../../../plugins/queues/wdrr.js';
import RoundRobinQueueFactory from './round-robin-scheduler.js';
import type { Queue, QueueChannelInfo, QueueFactory, QueueItem } from '../../../framework/queue/queue.js';

/** A queue item that remembers its place in its channel's sequence. */
export interface SeqItem extends QueueItem {
  readonly channelId: number;
  readonly size: number;
  readonly seq: number;
}

/** A queue plugin under test and what its contract promises. */
export interface QueueSubject {
  readonly name: string;
  readonly factory: QueueFactory;
  /** Sheds stored messages to admit higher-priority ones. */
  readonly sheds: boolean;
  /** `'full'` means "dropped and counted" (lossy); otherwise the caller keeps the item. */
  readonly countsRejects: boolean;
  /** `enqueue()` waits while full. */
  readonly blocks: boolean;
}

/** Declared channels used across the suites: id n has priority n; 9 is left unlisted on purpose. */
export const CHANNELS: readonly QueueChannelInfo[] = [
  { id: 1, priority: 1 },
  { id: 2, priority: 2 },
  { id: 3, priority: 3 },
  { id: 4, priority: 4 },
];
export const UNLISTED_CHANNEL = 9;

export const QUEUE_SUBJECTS: readonly QueueSubject[] = [
  { name: 'fifo', factory: new FifoQueueFactory(), sheds: false, countsRejects: false, blocks: true },
  { name: 'priority', factory: new PriorityQueueFactory(), sheds: true, countsRejects: true, blocks: false },
  { name: 'priority (blockWhenFull)', factory: new PriorityQueueFactory({ blockWhenFull: true }), sheds: true, countsRejects: false, blocks: true },
  { name: 'wdrr', factory: new WdrrQueueFactory(), sheds: true, countsRejects: true, blocks: false },
  { name: 'wdrr (blockWhenFull)', factory: new WdrrQueueFactory({ blockWhenFull: true }), sheds: true, countsRejects: false, blocks: true },
  { name: 'round-robin (custom)', factory: new RoundRobinQueueFactory(), sheds: false, countsRejects: false, blocks: true },
];

/** Hands out items with per-channel sequence numbers. */
export class ItemSource {
  private readonly next = new Map<number, number>();
  item(channelId: number, size = 10): SeqItem {
    const seq = this.next.get(channelId) ?? 0;
    this.next.set(channelId, seq + 1);
    return { channelId, size, seq };
  }
}

export function totalDrops(queue: Queue<SeqItem>): number {
  let sum = 0;
  for (const n of queue.stats().dropped.values()) sum += n;
  return sum;
}

/** Yields to the event loop a few times, so anything that would run does. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
