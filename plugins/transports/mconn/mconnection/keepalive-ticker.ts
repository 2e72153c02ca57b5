import { monotonicClock, type MonotonicClock } from './flow-rate.js';

/** Something the ticker wakes at (or after) the time it was scheduled for. */
export interface TickerEntry {
  /** The bucket time the entry is filed under; owned by the ticker (undefined while not scheduled). */
  tickerSlot: number | undefined;
  /** Called once the entry's time has come, with the current time; the entry is no longer scheduled. */
  onTick(now: number): void;
}

/** The timer functions the ticker arms its one timer with; injectable so tests can drive time. */
export interface TickerTimers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const nodeTimers: TickerTimers = {
  // Read through globalThis at call time, so timer trackers installed by tests see this timer too.
  set: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const MAX_TIMER_MS = 2_147_483_647;
/** The coarsest grid: deadlines of a minute or so land on whole ~1 s ticks. */
export const MAX_GRID_MS = 1024;
/** A deadline may be late by at most 1/GRID_DIVISOR of its duration (and never early). */
const GRID_DIVISOR = 32;

/**
 * The grid a deadline of `durationMs` is rounded up to: the largest power of
 * two at most durationMs / 32, within 1..1024 ms. Powers of two nest, so the
 * deadlines of all connections with the same settings share ticks (a 60 s
 * ping and a 45 s pong timeout both round to 1,024 ms), and a deadline is
 * late by at most 1/32 of its duration.
 */
export function gridFor(durationMs: number): number {
  let grid = 1;
  while (grid * 2 <= durationMs / GRID_DIVISOR && grid * 2 <= MAX_GRID_MS) grid *= 2;
  return grid;
}

/**
 * One coarse timer for many deadlines (the keepalive deadlines of every
 * connection of a thread). Node's own timers would wake the event loop once
 * per distinct millisecond: 5,000 connections pinging every 60 s are 83
 * separate wake-ups a second, each writing one ping. Here deadlines are
 * rounded up to a grid (gridFor) and filed in buckets, and the one timer is
 * armed for the earliest bucket only: one wake-up serves every deadline of
 * that tick, and no timer is armed while nothing is scheduled.
 *
 * Buckets are Sets (O(1) removal when a pong cancels a deadline), one per
 * tick time, each time once in a binary min-heap; a bucket emptied early
 * stays filed until its time, so their number is bounded by the distinct
 * ticks within the longest deadline (about 32–64 per duration in use).
 */
export class KeepaliveTicker {
  private readonly buckets = new Map<number, Set<TickerEntry>>();
  private readonly heap: number[] = [];
  private timer: unknown;
  private armedFor: number | undefined;
  private entries = 0;
  /** The time of the tick being run, while one runs. */
  private tickingAt: number | undefined;

  constructor(
    readonly clock: MonotonicClock = monotonicClock,
    private readonly timers: TickerTimers = nodeTimers,
  ) {}

  /** Entries scheduled now. */
  get size(): number {
    return this.entries;
  }

  /** Whether the one timer is armed (it is exactly while something is scheduled). */
  get armed(): boolean {
    return this.armedFor !== undefined;
  }

  /**
   * Schedules `entry` for the first tick of `grid` at or after `at` (moving
   * it if it was scheduled elsewhere). A time already past fires on the next tick.
   */
  schedule(entry: TickerEntry, at: number, grid: number): void {
    let slot = Math.ceil(at / grid) * grid;
    // Within a tick, a time at or before it goes to a later tick (the loop must end).
    if (this.tickingAt !== undefined && slot <= this.tickingAt) slot = (Math.floor(this.tickingAt / grid) + 1) * grid;
    if (entry.tickerSlot === slot) return;
    this.cancel(entry);
    let bucket = this.buckets.get(slot);
    if (bucket === undefined) {
      this.buckets.set(slot, (bucket = new Set()));
      this.push(slot);
    }
    bucket.add(entry);
    entry.tickerSlot = slot;
    this.entries++;
    // A running tick arms the timer once when it is done.
    if (this.tickingAt === undefined && (this.armedFor === undefined || slot < this.armedFor)) this.arm(slot);
  }

  /** Unschedules `entry`; a no-op if it is not scheduled. Disarms the timer once nothing is left. */
  cancel(entry: TickerEntry): void {
    const slot = entry.tickerSlot;
    if (slot === undefined) return;
    entry.tickerSlot = undefined;
    this.entries--;
    // An emptied bucket stays filed until its time (or until nothing is left): a pong
    // followed by the next ping refills the same bucket without a second heap entry.
    this.buckets.get(slot)?.delete(entry);
    if (this.entries === 0) this.disarm();
  }

  /** Runs every bucket whose time has come (the timer calls this; tests may too). */
  tick(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    const now = this.clock();
    this.tickingAt = now;
    let failure: { error: unknown } | undefined;
    try {
      while (this.heap.length > 0 && this.heap[0]! <= now) {
        const slot = this.pop();
        const bucket = this.buckets.get(slot)!;
        this.buckets.delete(slot);
        for (const entry of bucket) {
          // Cancelled or moved by an earlier callback of this tick.
          if (entry.tickerSlot !== slot) continue;
          entry.tickerSlot = undefined;
          this.entries--;
          // One entry's failure must not strand the others: it is rethrown once the tick is done.
          try {
            entry.onTick(now);
          } catch (error) {
            failure ??= { error };
          }
        }
      }
    } finally {
      this.tickingAt = undefined;
    }
    this.rearm();
    if (failure !== undefined) throw failure.error;
  }

  private rearm(): void {
    // Drop buckets that emptied early, so the timer is armed for a real deadline.
    // (Every time in the heap has its bucket in the map, and only once: both go together.)
    while (this.heap.length > 0 && this.buckets.get(this.heap[0]!)!.size === 0) this.buckets.delete(this.pop());
    if (this.heap.length > 0) this.arm(this.heap[0]!);
    else this.disarm();
  }

  private arm(slot: number): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.armedFor = slot;
    // A timer may fire a little before the clock reaches `slot` (Node's loop time lags); tick() then re-arms.
    // Node turns a delay beyond 2^31-1 ms into 1 ms; a far tick is reached in steps instead.
    this.timer = this.timers.set(() => this.tick(), Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(slot - this.clock()))));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
    // Nothing is scheduled: the emptied buckets and their times have nothing to wake.
    this.heap.length = 0;
    this.buckets.clear();
  }

  private push(slot: number): void {
    const heap = this.heap;
    let i = heap.push(slot) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= slot) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = slot;
  }

  private pop(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= last) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

/** The ticker of this thread's connections (each worker thread has its own module instance). */
export const sharedKeepaliveTicker = new KeepaliveTicker();
