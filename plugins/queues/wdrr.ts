import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../../framework/tokens.js';
import { InvalidArgumentError } from '../../framework/errors/base.js';
import { RingBuffer } from '../../framework/util/ring-buffer.js';
import { FlowQueue, validateSettings, type Flow, type FlowQueueSettings } from './flow-queue.js';
import type { Queue, QueueFactory, QueueItem, QueueOptions } from '../../framework/queue/queue.js';

/** Bytes of credit a flow earns per turn for each unit of weight. */
export const DEFAULT_WDRR_QUANTUM_PER_PRIORITY = 1024;

export interface WdrrQueueSettings extends FlowQueueSettings {
  /** A flow's quantum is this × its weight (bytes per round). Integer ≥ 1; default 1024. */
  readonly quantumPerPriority?: number;
}

interface DrrFlow<T> extends Flow<T> {
  readonly quantum: number;
  /** Unspent credit in bytes. */
  deficit: number;
  /** Whether the flow already got its quantum for the turn in progress. */
  inTurn: boolean;
  /** Whether the flow sits in the active list (possibly emptied since by shedding). */
  listed: boolean;
}

/**
 * Weighted deficit round robin: one flow per channel, weight = channel
 * priority, quantum = quantumPerPriority × weight bytes per round. Over any
 * stretch where flows stay backlogged, each gets bytes in proportion to its
 * weight, whatever its message sizes; nobody starves.
 *
 * - FIFO within a flow; unlisted channels share one flow of weight 1 (and
 *   priority 0 for shedding, so they are shed first).
 * - Bounded by `capacity` messages and `capacityBytes` bytes (default 4 MiB).
 *   When full, the oldest messages of strictly lower-weight flows are shed —
 *   lowest weight first; if that cannot make room the arrival is dropped and
 *   `'full'` returned (or, with `blockWhenFull`, the producer waits). Drops
 *   are counted per channel.
 * - A pure data structure: `tryDequeue` advances the DRR state just far enough
 *   to pick one message. No timers, no background loop, nothing runs while
 *   idle (Tendermint v0.35's wdrr spun in a `select default` loop).
 * - Rounds that would serve nobody (every head message bigger than the
 *   credit) are skipped arithmetically, so a 20 MiB message costs O(flows),
 *   not 20 000 empty rounds.
 */
export class WdrrQueue<T extends QueueItem> extends FlowQueue<T, DrrFlow<T>> {
  private readonly quantumPerPriority: number;
  /** Flows with work, in round-robin order; the head is the flow whose turn it is. */
  private readonly active = new RingBuffer<DrrFlow<T>>();

  constructor(options: QueueOptions, settings: WdrrQueueSettings = {}) {
    super('wdrr', options, settings);
    validateQuantum(settings.quantumPerPriority);
    this.quantumPerPriority = settings.quantumPerPriority ?? DEFAULT_WDRR_QUANTUM_PER_PRIORITY;
  }

  protected createFlow(channelId: number | undefined, priority: number): DrrFlow<T> {
    const weight = Math.max(1, priority);
    return { channelId, priority, items: new RingBuffer<T>(), bytes: 0, quantum: this.quantumPerPriority * weight, deficit: 0, inTurn: false, listed: false };
  }

  protected flowActivated(flow: DrrFlow<T>): void {
    // A flow shed empty keeps its place in the list; refilled, it is still listed.
    if (flow.listed) return;
    flow.listed = true;
    this.active.push(flow);
  }

  protected take(): T | undefined {
    if (this.length === 0) return undefined;
    let fruitless = 0;
    for (;;) {
      const flow = this.active.peek()!;
      if (flow.items.length === 0) {
        this.unlist(flow);
        continue;
      }
      if (!flow.inTurn) {
        flow.deficit += flow.quantum;
        flow.inTurn = true;
      }
      const head = flow.items.peek()!;
      if (head.size <= flow.deficit) {
        flow.deficit -= head.size;
        const item = this.removeHead(flow);
        // Classic DRR: an emptied flow forfeits its credit, so idle flows cannot hoard.
        if (flow.items.length === 0) this.unlist(flow);
        return item;
      }
      flow.inTurn = false;
      this.active.shift();
      this.active.push(flow);
      if (++fruitless >= this.active.length) {
        this.skipEmptyRounds();
        fruitless = 0;
      }
    }
  }

  /**
   * After a full round served nobody, adds the credit of the rounds that would
   * also serve nobody: k−1 quanta where k is the fewest rounds any flow needs.
   */
  private skipEmptyRounds(): void {
    let rounds = Number.POSITIVE_INFINITY;
    for (const flow of this.flows) {
      if (!flow.listed || flow.items.length === 0) continue;
      rounds = Math.min(rounds, Math.ceil((flow.items.peek()!.size - flow.deficit) / flow.quantum));
    }
    if (!Number.isFinite(rounds) || rounds <= 1) return;
    for (const flow of this.flows) {
      if (flow.listed && flow.items.length > 0) flow.deficit += (rounds - 1) * flow.quantum;
    }
  }

  private unlist(flow: DrrFlow<T>): void {
    this.active.shift();
    flow.listed = false;
    flow.inTurn = false;
    flow.deficit = 0;
  }
}

/**
 * The `wdrr` plugin. Settings come from an optional binding of
 * TOKENS.WdrrQueueOptions in the container (defaults: lossy, 4 MiB, 1024 B quanta).
 */
@injectable()
export class WdrrQueueFactory implements QueueFactory {
  readonly name = 'wdrr';
  /** The settings every queue it creates gets (validated at construction). */
  readonly settings: Readonly<WdrrQueueSettings>;

  constructor(@inject(TOKENS.WdrrQueueOptions) @optional() settings: WdrrQueueSettings = {}) {
    validateSettings('wdrr', settings);
    validateQuantum(settings.quantumPerPriority);
    this.settings = { ...settings };
  }

  create<T extends QueueItem>(options: QueueOptions): Queue<T> {
    return new WdrrQueue<T>(options, this.settings);
  }
}

function validateQuantum(quantum: number | undefined): void {
  if (quantum !== undefined && (!Number.isInteger(quantum) || quantum < 1)) {
    throw new InvalidArgumentError(`wdrr queue: quantumPerPriority must be an integer ≥ 1 (bytes), got ${quantum}`);
  }
}
