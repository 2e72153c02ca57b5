import { RingBuffer } from '../../../framework/util/ring-buffer.js';

interface Timed<T> {
  readonly at: number;
  readonly item: T;
}

/**
 * One direction of a simulated link: items wait here until their delivery
 * time, then go to `deliver` in the order they were pushed. A delivery time
 * is never earlier than the one before it, so jitter delays but never
 * reorders. One timer per line, armed for the head only, however many items
 * wait. The line holds no bound itself: its owner counts what it pushes
 * against its connection's capacity.
 */
export class DelayLine<T> {
  private readonly waiting = new RingBuffer<Timed<T>>();
  private lastAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (item: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Queues `item` for delivery `delayMs` from now, or right after the item before it if that is later. */
  push(item: T, delayMs: number): void {
    const at = Math.max(this.now() + delayMs, this.lastAt);
    this.lastAt = at;
    this.waiting.push({ at, item });
    if (this.timer === undefined) this.arm();
  }

  /** Removes every waiting item without delivering it, oldest first, and stops the timer. */
  clear(): T[] {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return this.waiting.drain().map((t) => t.item);
  }

  private arm(): void {
    const head = this.waiting.peek();
    if (head === undefined) return;
    // Timers run on the event loop's cached clock and may fire a fraction early; the re-arm covers that.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(head.at - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.now();
    try {
      for (let head = this.waiting.peek(); head !== undefined && head.at <= now; head = this.waiting.peek()) {
        this.waiting.shift();
        // deliver() may clear the line (a close arriving); the loop then ends on the empty buffer.
        this.deliver(head.item);
      }
    } finally {
      if (this.timer === undefined) this.arm();
    }
  }
}
