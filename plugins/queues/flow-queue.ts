import { BaseQueue } from '../../framework/queue/base-queue.js';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import { RingBuffer } from '../../framework/util/ring-buffer.js';
import type { EnqueueResult, QueueChannelInfo, QueueItem, QueueOptions } from '../../framework/queue/queue.js';

/**
 * Byte bound of a flow-scheduled queue created without `capacityBytes`. The
 * router passes one for peer queues (p2p.peer_queue_capacity_bytes) but not
 * for channel inbound queues, which would otherwise be bounded in count only
 * (1024 messages × up to 21 MiB each).
 */
export const DEFAULT_FLOW_QUEUE_CAPACITY_BYTES = 4 * 1024 * 1024;

/**
 * Priority given to channels missing from `QueueOptions.channels`. Declared
 * priorities are integers ≥ 1, so unlisted traffic ranks below all of it: it is
 * served last and shed first. The router opens a peer's queue with the
 * channels open at that moment, so a channel opened later is unlisted there.
 */
export const UNLISTED_CHANNEL_PRIORITY = 0;

/** Settings shared by the flow-scheduled policies (priority, wdrr). */
export interface FlowQueueSettings {
  /**
   * What happens when an arrival cannot be made room for by shedding
   * lower-priority messages. false (default): it is dropped, counted, and
   * `'full'` returned — the queue never blocks, so a flood on an inbound
   * channel queue is shed instead of pausing the sending peer's socket (no TCP
   * backpressure; memory stays bounded). true: `'full'` is returned without
   * counting a drop and `enqueue()` waits for room, like FIFO — backpressure
   * reaches the socket, at the price of a slow reactor stalling every channel
   * of the peers that feed it. Shedding lower-priority messages for a
   * higher-priority arrival happens in both modes.
   */
  readonly blockWhenFull?: boolean;
  /** Byte bound when `QueueOptions.capacityBytes` is absent. Default DEFAULT_FLOW_QUEUE_CAPACITY_BYTES (4 MiB). */
  readonly defaultCapacityBytes?: number;
}

/** One channel's FIFO (or the shared one of all unlisted channels). */
export interface Flow<T> {
  /** undefined for the shared flow of unlisted channels. */
  readonly channelId: number | undefined;
  readonly priority: number;
  readonly items: RingBuffer<T>;
  bytes: number;
}

/**
 * Shared mechanics of policies that keep one FIFO per channel — which is what
 * makes per-channel order hold whatever the policy picks next. Subclasses
 * decide the order across flows (`take`); this class bounds the total,
 * decides admission and sheds.
 *
 * Admission: an item fits if the queue holds fewer than `capacity` messages
 * and its bytes stay within the byte bound (an item larger than the whole
 * bound fits only an empty queue, as in FIFO, or it could never pass). When it
 * does not fit, the oldest messages of flows with a strictly lower priority
 * are shed — lowest priority first, and among equal priorities the flow
 * holding the most bytes first — but only if shedding all of them would make
 * room; nothing is shed in vain. Every shed or rejected message is counted
 * per channel.
 *
 * All channels not listed share one flow at UNLISTED_CHANNEL_PRIORITY, so the
 * number of flows is bounded by the listed channels + 1 whatever ids arrive.
 */
export abstract class FlowQueue<T extends QueueItem, F extends Flow<T>> extends BaseQueue<T> {
  protected readonly byteLimit: number;
  private readonly blockWhenFull: boolean;
  private readonly declared: Map<number, number>;
  private readonly flowsByChannel = new Map<number, F>();
  private unlistedFlow: F | undefined;
  /** Every flow created so far (lazily, on a channel's first message). */
  protected readonly flows: F[] = [];
  private count = 0;
  /**
   * The router's receive loop re-offers an item through enqueue() after
   * tryEnqueue() said 'full'; a lossy queue says 'full' again at once. Keeping
   * the last rejected item lets that second refusal go uncounted, so one lost
   * message is one drop.
   */
  private lastRejected: T | undefined;

  protected constructor(policy: string, options: QueueOptions, settings: FlowQueueSettings) {
    super(validateQueueOptions(policy, options));
    validateSettings(policy, settings);
    this.byteLimit = options.capacityBytes ?? settings.defaultCapacityBytes ?? DEFAULT_FLOW_QUEUE_CAPACITY_BYTES;
    this.blockWhenFull = settings.blockWhenFull ?? false;
    this.declared = new Map((options.channels ?? []).map((c) => [c.id, c.priority]));
  }

  /**
   * Gives a channel opened after creation its priority. Ignored when the
   * channel is already declared or already has messages here (moving them to
   * a new flow could reorder the channel).
   */
  declareChannel(channel: QueueChannelInfo): void {
    validateQueueOptions(this.constructor.name, { capacity: 1, channels: [channel] });
    if (this.declared.has(channel.id) || this.unlistedFlow?.items.some((item) => item.channelId === channel.id)) return;
    this.declared.set(channel.id, channel.priority);
  }

  /** Builds a flow and enters it into the subclass's scheduling structures. */
  protected abstract createFlow(channelId: number | undefined, priority: number): F;
  /** Called when a flow goes from empty to non-empty. */
  protected abstract flowActivated(flow: F): void;

  get length(): number {
    return this.count;
  }

  protected mustWait(item: T): boolean {
    return this.blockWhenFull && !this.hasRoomFor(item);
  }

  protected override hasRoomFor(item: T): boolean {
    return this.fits(item.size, this.count, this.bytes) || this.canShedFor(item.size, this.priorityOf(item.channelId));
  }

  protected offer(item: T): EnqueueResult {
    const size = item.size;
    if (!(size >= 0 && size <= Number.MAX_SAFE_INTEGER)) {
      throw new InvalidArgumentError(`queue item size must be a finite number ≥ 0, got ${size} (channel ${item.channelId})`);
    }
    const flow = this.flowFor(item.channelId);
    let result: EnqueueResult = 'accepted';
    if (!this.fits(size, this.count, this.bytes)) {
      if (!this.canShedFor(size, flow.priority)) return this.reject(item);
      this.shedFor(size, flow.priority);
      result = 'accepted-with-drop';
    }
    this.lastRejected = undefined;
    flow.items.push(item);
    flow.bytes += size;
    this.bytes += size;
    this.count++;
    if (flow.items.length === 1) this.flowActivated(flow);
    return result;
  }

  /** Removes a flow's oldest item, keeping the totals right. The flow must not be empty. */
  protected removeHead(flow: F): T {
    const item = flow.items.shift()!;
    flow.bytes -= item.size;
    this.bytes -= item.size;
    this.count--;
    return item;
  }

  private reject(item: T): EnqueueResult {
    if (!this.blockWhenFull && item !== this.lastRejected) this.countDrop(item.channelId);
    this.lastRejected = item;
    return 'full';
  }

  private fits(size: number, count: number, bytes: number): boolean {
    return count < this.capacity && (count === 0 || bytes + size <= this.byteLimit);
  }

  private canShedFor(size: number, priority: number): boolean {
    let sheddable = 0;
    let sheddableBytes = 0;
    for (const flow of this.flows) {
      if (flow.priority < priority) {
        sheddable += flow.items.length;
        sheddableBytes += flow.bytes;
      }
    }
    return sheddable > 0 && this.fits(size, this.count - sheddable, this.bytes - sheddableBytes);
  }

  private shedFor(size: number, priority: number): void {
    while (!this.fits(size, this.count, this.bytes)) {
      let victim: F | undefined;
      for (const flow of this.flows) {
        if (flow.priority >= priority || flow.items.length === 0) continue;
        if (victim === undefined || flow.priority < victim.priority || (flow.priority === victim.priority && flow.bytes > victim.bytes)) {
          victim = flow;
        }
      }
      // Unreachable: canShedFor() checked that shedding every lower-priority item makes room.
      if (victim === undefined) return;
      this.countDrop(this.removeHead(victim).channelId);
    }
  }

  private priorityOf(channelId: number): number {
    return this.declared.get(channelId) ?? UNLISTED_CHANNEL_PRIORITY;
  }

  private flowFor(channelId: number): F {
    const existing = this.flowsByChannel.get(channelId);
    if (existing !== undefined) return existing;
    const priority = this.declared.get(channelId);
    if (priority === undefined) {
      if (this.unlistedFlow === undefined) {
        this.unlistedFlow = this.createFlow(undefined, UNLISTED_CHANNEL_PRIORITY);
        this.flows.push(this.unlistedFlow);
      }
      return this.unlistedFlow;
    }
    const flow = this.createFlow(channelId, priority);
    this.flows.push(flow);
    this.flowsByChannel.set(channelId, flow);
    return flow;
  }
}

/** Checks QueueOptions with errors naming the policy and the bad value. */
export function validateQueueOptions(policy: string, options: QueueOptions): QueueOptions {
  const label = options.label ? ` (${options.label})` : '';
  if (!Number.isInteger(options.capacity) || options.capacity < 1) {
    throw new InvalidArgumentError(`${policy} queue${label}: capacity must be an integer ≥ 1, got ${options.capacity}`);
  }
  if (options.capacityBytes !== undefined && (!Number.isInteger(options.capacityBytes) || options.capacityBytes < 1)) {
    throw new InvalidArgumentError(`${policy} queue${label}: capacityBytes must be an integer ≥ 1 when given, got ${options.capacityBytes}`);
  }
  const seen = new Set<number>();
  for (const channel of options.channels ?? []) {
    if (!Number.isInteger(channel.id) || channel.id < 0) {
      throw new InvalidArgumentError(`${policy} queue${label}: channel id must be an integer ≥ 0, got ${channel.id}`);
    }
    if (seen.has(channel.id)) throw new InvalidArgumentError(`${policy} queue${label}: channel ${channel.id} is listed twice`);
    seen.add(channel.id);
    if (!Number.isInteger(channel.priority) || channel.priority < 1) {
      throw new InvalidArgumentError(`${policy} queue${label}: channel ${channel.id} priority must be an integer ≥ 1, got ${channel.priority}`);
    }
  }
  return options;
}

/** Checks factory/queue settings shared by the flow policies. */
export function validateSettings(policy: string, settings: FlowQueueSettings): void {
  const bytes = settings.defaultCapacityBytes;
  if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < 1)) {
    throw new InvalidArgumentError(`${policy} queue: defaultCapacityBytes must be an integer ≥ 1, got ${bytes}`);
  }
  if (settings.blockWhenFull !== undefined && typeof settings.blockWhenFull !== 'boolean') {
    throw new InvalidArgumentError(`${policy} queue: blockWhenFull must be a boolean, got ${String(settings.blockWhenFull)}`);
  }
}
