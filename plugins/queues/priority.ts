import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../../framework/tokens.js';
import { RingBuffer } from '../../framework/util/ring-buffer.js';
import { FlowQueue, validateSettings, type Flow, type FlowQueueSettings } from './flow-queue.js';
import type { Queue, QueueFactory, QueueItem, QueueOptions } from '../../framework/queue/queue.js';


export type PriorityQueueSettings = FlowQueueSettings;

interface Level<T> {
  readonly priority: number;
  readonly flows: Flow<T>[];
  /** Round-robin position among the level's flows. */
  next: number;
}

/**
 * Strict priority across channels, FIFO within each channel.
 *
 * - Dequeue takes from the highest-priority non-empty channel; channels of
 *   equal priority take turns one message at a time (no arrival-order merge,
 *   so a chatty channel cannot starve an equal one).
 * - Bounded by `capacity` messages and `capacityBytes` bytes (default 4 MiB).
 *   When full, the oldest messages of strictly lower-priority channels are
 *   shed to make room — lowest priority first — never anything of the
 *   arrival's priority or above. If that cannot make room the arrival is
 *   dropped and `'full'` returned (or, with `blockWhenFull`, the producer
 *   waits). Every drop is counted per channel in `stats().dropped`.
 * - Unlisted channels share one flow at priority 0, below every declared one.
 * - Lower priorities can starve while higher ones stay busy; that is the
 *   policy. Use `wdrr` when every channel must keep a share.
 *
 * Unlike Tendermint v0.35's priority queue there is no reordering within a
 * channel, no background goroutine-style pump and no buffer besides this one.
 */
export class PriorityQueue<T extends QueueItem> extends FlowQueue<T, Flow<T>> {
  /** Highest priority first. */
  private readonly levels: Level<T>[] = [];

  constructor(options: QueueOptions, settings: PriorityQueueSettings = {}) {
    super('priority', options, settings);
  }

  protected createFlow(channelId: number | undefined, priority: number): Flow<T> {
    const flow: Flow<T> = { channelId, priority, items: new RingBuffer<T>(), bytes: 0 };
    let index = this.levels.findIndex((l) => l.priority <= priority);
    if (index === -1) index = this.levels.length;
    if (this.levels[index]?.priority === priority) this.levels[index]!.flows.push(flow);
    else this.levels.splice(index, 0, { priority, flows: [flow], next: 0 });
    return flow;
  }

  protected flowActivated(): void {}

  protected take(): T | undefined {
    if (this.length === 0) return undefined;
    const levels = this.levels;
    for (let l = 0; l < levels.length; l++) {
      const level = levels[l]!;
      const flows = level.flows;
      const n = flows.length;
      if (n === 1) {
        if (flows[0]!.items.length > 0) return this.removeHead(flows[0]!);
        continue;
      }
      for (let k = 0, index = level.next; k < n; k++, index = index + 1 === n ? 0 : index + 1) {
        const flow = flows[index]!;
        if (flow.items.length > 0) {
          level.next = index + 1 === n ? 0 : index + 1;
          return this.removeHead(flow);
        }
      }
    }
    return undefined;
  }
}

/**
 * The `priority` plugin. Settings come from an optional binding of
 * PRIORITY_QUEUE_OPTIONS in the container (defaults: lossy, 4 MiB).
 */
@injectable()
export class PriorityQueueFactory implements QueueFactory {
  readonly name = 'priority';
  /** The settings every queue it creates gets (validated at construction). */
  readonly settings: Readonly<PriorityQueueSettings>;

  constructor(@inject(TOKENS.PriorityQueueOptions) @optional() settings: PriorityQueueSettings = {}) {
    validateSettings('priority', settings);
    this.settings = { ...settings };
  }

  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    return new PriorityQueue<T>(options, this.settings);
  }
}
