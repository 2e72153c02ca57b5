/**
 * QoS scheduling happens at the router's two contention points — all peers
 * into one channel (inbound) and all channels into one peer (outbound) — and
 * it happens here, in queue plugins. Every queue is bounded; a policy decides
 * whether a full queue makes producers wait (lossless) or sheds messages
 * (lossy, every drop counted).
 *
 * Queues are plain synchronous data structures plus two waiters, so the
 * router can move a burst with `tryEnqueue`/`tryDequeue` and only allocate a
 * promise when it really has to wait.
 */
export interface QueueItem {
  /** Channel the message belongs to; policies keep FIFO order within a channel. */
  readonly channelId: number;
  /** Size in bytes, for byte-bounded policies. */
  readonly size: number;
}

export interface QueueChannelInfo {
  readonly id: number;
  readonly priority: number;
}

export interface QueueOptions {
  /** Bound in messages (all policies honour it). */
  readonly capacity: number;
  /** Optional bound in bytes (byte-aware policies honour it). */
  readonly capacityBytes?: number;
  /** Channels that may flow through the queue, for priority-aware policies. */
  readonly channels?: readonly QueueChannelInfo[];
  /** A label for logs and metrics, e.g. "peer:ab12…" or "channel:0x90". */
  readonly label?: string;
}

export type EnqueueResult =
  /** Stored. */
  | 'accepted'
  /** Stored, but an older, lower-priority item was shed to make room. */
  | 'accepted-with-drop'
  /** Not stored: the queue is full and the policy keeps what it has. */
  | 'full'
  /** Not stored: the queue is closed. */
  | 'closed';

/** Whether the item was stored (with or without shedding an older one). */
export function isStored(result: EnqueueResult): boolean {
  return result === 'accepted' || result === 'accepted-with-drop';
}

export interface QueueStats {
  readonly length: number;
  readonly bytes: number;
  readonly enqueued: number;
  readonly dequeued: number;
  /** Drops per channel id. */
  readonly dropped: ReadonlyMap<number, number>;
}

export interface Queue<T extends QueueItem> {
  /** Adds an item without waiting. */
  tryEnqueue(item: T): EnqueueResult;
  /**
   * Adds an item, waiting while the queue is full (lossless policies) — the
   * source of backpressure. Lossy policies never wait. Rejects with
   * QueueClosedError or AbortError.
   */
  enqueue(item: T, signal?: AbortSignal): Promise<EnqueueResult>;
  /**
   * Waits until the policy would store `item` — a lossless queue has room; a
   * lossy one has room or can make it by shedding lower-priority messages —
   * then stores it. Unlike enqueue(), it waits under every policy, so a
   * producer that must not lose its message (ChannelHandle.sendWhenRoom) is
   * paced by the consumer instead of being refused at once. Rejects with
   * QueueClosedError or AbortError.
   */
  enqueueWhenRoom(item: T, signal?: AbortSignal): Promise<EnqueueResult>;
  /** Takes the next item by policy order, or undefined when empty. */
  tryDequeue(): T | undefined;
  /** Waits for the next item. Rejects with QueueClosedError once closed and drained. */
  dequeue(signal?: AbortSignal): Promise<T>;
  /** Stops accepting; waiting producers and consumers are released. Idempotent. */
  close(): void;
  readonly isClosed: boolean;
  /** Resolves when close() has been called. */
  readonly closed: Promise<void>;
  readonly length: number;
  stats(): QueueStats;
  /**
   * Optional, for priority-aware policies: a channel opened after the queue
   * was created (a reactor's channel opened while peers are connected), so its
   * messages get their declared priority rather than the unlisted one. The
   * router calls it before any message of that channel can be enqueued.
   */
  declareChannel?(channel: QueueChannelInfo): void;
}

/** A queue plugin: one factory, many queues (one per peer and per channel). */
export interface QueueFactory {
  /** Plugin name as selected by config, e.g. "fifo". */
  readonly name: string;
  create<T extends QueueItem>(options: QueueOptions): Queue<T>;
}
