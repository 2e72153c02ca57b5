import { P2PError } from '../errors/base.js';
import { RingBuffer } from '../util/ring-buffer.js';
import { Waiters } from '../util/waiters.js';

/**
 * What a full consumer does with one more message:
 * - `block`: nothing is lost; the producer waits for room (a channel's
 *   delivery stops, its queue fills, and the router stops reading from the
 *   peers that send on it — TCP backpressure);
 * - `drop-oldest`: the longest-waiting message is dropped for the new one;
 * - `drop-newest`: the new message is dropped.
 * Every drop is counted.
 */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest';

export interface ConsumeOptions {
  /** Handler calls in flight at once (async handlers). Default 64. */
  readonly concurrency?: number;
  /** Messages waiting for a free slot before the overflow policy applies. Default 1024. */
  readonly buffer?: number;
  /** Default `block`. */
  readonly overflow?: OverflowPolicy;
}

export const DEFAULT_CONSUME_OPTIONS: Required<ConsumeOptions> = { concurrency: 64, buffer: 1024, overflow: 'block' };

export interface ConsumerStats {
  /** Handler calls finished (successfully or not). */
  readonly handled: number;
  /** Handler calls that threw or rejected. */
  readonly failed: number;
  /** Messages dropped by the overflow policy. */
  readonly dropped: number;
  readonly inFlight: number;
  readonly buffered: number;
}

/** Bad ConsumeOptions; the message names the option and the value. */
export class InvalidConsumeOptionsError extends P2PError {
  override name = 'InvalidConsumeOptionsError';
}

export function resolveConsumeOptions(options: ConsumeOptions = {}): Required<ConsumeOptions> {
  const o = { ...DEFAULT_CONSUME_OPTIONS, ...options };
  if (!Number.isSafeInteger(o.concurrency) || o.concurrency < 1) {
    throw new InvalidConsumeOptionsError(`consume option concurrency must be an integer ≥ 1, got ${String(o.concurrency)}`);
  }
  if (!Number.isSafeInteger(o.buffer) || o.buffer < 0) {
    throw new InvalidConsumeOptionsError(`consume option buffer must be an integer ≥ 0, got ${String(o.buffer)}`);
  }
  if (o.overflow !== 'block' && o.overflow !== 'drop-oldest' && o.overflow !== 'drop-newest') {
    throw new InvalidConsumeOptionsError(`consume option overflow must be "block", "drop-oldest" or "drop-newest", got ${JSON.stringify(o.overflow)}`);
  }
  return o;
}

/**
 * Runs a handler over pushed messages with at most `concurrency` calls in
 * flight and at most `buffer` messages waiting, so a slow async handler never
 * builds an unbounded backlog. Synchronous handlers run at once with no
 * allocation. With `block`, the producer must wait on `room()` while `full`
 * (a push beyond that is refused and counted); with the drop policies a push
 * never waits.
 */
export class BoundedConsumer<T> {
  readonly options: Required<ConsumeOptions>;
  private readonly waiting = new RingBuffer<T>();
  private readonly roomWaiters = new Waiters();
  private readonly idleWaiters = new Waiters();
  private inFlight = 0;
  private handled = 0;
  private failed = 0;
  private dropped = 0;
  private released = false;

  constructor(
    private readonly handler: (item: T) => unknown,
    options: ConsumeOptions = {},
    private readonly hooks: { onError?: (error: unknown, item: T) => void; onDrop?: (item: T) => void } = {},
  ) {
    this.options = resolveConsumeOptions(options);
  }

  /** No slot and no buffer space: the next push would overflow. */
  get full(): boolean {
    return !this.released && this.inFlight >= this.options.concurrency && this.waiting.length >= this.options.buffer;
  }

  /** Resolves when a push would not overflow (at once if it would not now). */
  room(signal?: AbortSignal): Promise<void> {
    return this.full ? this.roomWaiters.wait(signal) : Promise.resolve();
  }

  /** Wakes whoever waits in room() for good: after this the consumer never reports full (it is being shut down). */
  release(): void {
    this.released = true;
    this.roomWaiters.wakeAll();
  }

  /** Resolves when nothing is in flight or waiting. */
  idle(signal?: AbortSignal): Promise<void> {
    return this.inFlight === 0 && this.waiting.length === 0 ? Promise.resolve() : this.idleWaiters.wait(signal);
  }

  push(item: T): void {
    if (this.inFlight < this.options.concurrency) {
      this.run(item);
      return;
    }
    if (this.waiting.length < this.options.buffer) {
      this.waiting.push(item);
      return;
    }
    if (this.options.overflow === 'drop-oldest' && this.waiting.length > 0) {
      this.drop(this.waiting.shift() as T);
      this.waiting.push(item);
      return;
    }
    this.drop(item);
  }

  stats(): ConsumerStats {
    return { handled: this.handled, failed: this.failed, dropped: this.dropped, inFlight: this.inFlight, buffered: this.waiting.length };
  }

  private drop(item: T): void {
    this.dropped++;
    this.hooks.onDrop?.(item);
  }

  private run(item: T): void {
    this.inFlight++;
    let result: unknown;
    try {
      result = this.handler(item);
    } catch (error) {
      this.settle(item, error, true);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        () => this.settle(item, undefined, false),
        (error: unknown) => this.settle(item, error, true),
      );
    } else {
      this.settle(item, undefined, false);
    }
  }

  private settle(item: T, error: unknown, failed: boolean): void {
    this.inFlight--;
    this.handled++;
    if (failed) {
      this.failed++;
      try {
        this.hooks.onError?.(error, item);
      } catch {
        // A failing error hook must not stall the consumer.
      }
    }
    // Synchronous handlers finish inside push(); only a completion from a promise starts waiting items.
    while (this.inFlight < this.options.concurrency && this.waiting.length > 0) this.run(this.waiting.shift() as T);
    if (!this.full) this.roomWaiters.wakeAll();
    if (this.inFlight === 0 && this.waiting.length === 0) this.idleWaiters.wakeAll();
  }
}
