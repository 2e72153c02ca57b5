/**
 * Busy polling: after socket activity, keep this thread's event loop turning
 * (polling its sockets without blocking) for a short window instead of
 * sleeping in epoll until the next event.
 *
 * Why: an answer that arrives while the thread sleeps pays a wake-up, and on
 * virtual machines whose idle vCPUs halt that wake-up goes through the
 * hypervisor — measured here at ~40 µs a hop, which made a loopback round
 * trip of a bare Node socket 3–4× slower than with the vCPUs kept busy. Go's
 * scheduler spins before it parks for the same reason. The price is CPU: the
 * loop spins for up to the window after every read and write, so this is
 * for latency-bound deployments (validators on a dedicated host), off by
 * default, and pointless for idle connections.
 *
 * One poller per thread, shared by every connection of the thread: a pending
 * setImmediate makes libuv poll with a zero timeout, so one self-renewing
 * immediate keeps the whole loop awake. The window is the longest any
 * connection asked for.
 */
export interface BusyPollClock {
  /** Milliseconds, monotonic, sub-millisecond resolution. */
  now(): number;
}

export interface BusyPollScheduler {
  /** Runs `callback` on the loop's next check phase (after polling I/O without blocking). */
  next(callback: () => void): void;
}

const nodeClock: BusyPollClock = { now: () => performance.now() };
const nodeScheduler: BusyPollScheduler = { next: (callback) => void setImmediate(callback) };

export class BusyPoller {
  private spinUntil = 0;
  private spinning = false;
  private spun = 0;

  constructor(
    private readonly clock: BusyPollClock = nodeClock,
    private readonly scheduler: BusyPollScheduler = nodeScheduler,
  ) {}

  /** Socket activity: keep the loop polling for at least `windowUs` from now (0 = no-op). */
  touch(windowUs: number): void {
    if (windowUs <= 0) return;
    const until = this.clock.now() + windowUs / 1000;
    if (until > this.spinUntil) this.spinUntil = until;
    if (!this.spinning) {
      this.spinning = true;
      this.scheduler.next(this.spin);
    }
  }

  /** Whether the loop is being kept awake. */
  get active(): boolean {
    return this.spinning;
  }

  /** Loop turns spent polling since this poller was made. */
  get spins(): number {
    return this.spun;
  }

  private readonly spin = (): void => {
    if (this.clock.now() < this.spinUntil) {
      this.spun++;
      this.scheduler.next(this.spin);
    } else {
      this.spinning = false;
    }
  };
}

/** This thread's poller (each worker thread has its own module instance). */
export const threadBusyPoller = new BusyPoller();
