/** Milliseconds from a monotonic source; injectable so tests can drive time. */
export type MonotonicClock = () => number;

export const monotonicClock: MonotonicClock = () => performance.now();

/** CometBFT's flowrate monitor samples every 100 ms (wire-protocol §2.4). */
export const DEFAULT_SAMPLE_MS = 100;

/**
 * Byte-rate limiter with the effect of CometBFT's `flowrate.Monitor.Limit`:
 * each 100 ms sample allows round(rate × 0.1 s) bytes, and a transfer may start
 * whenever the current sample is under its allowance (so one transfer can
 * overshoot it). Unlike flowrate, the overshoot is carried into the following
 * samples as debt, so the long-run rate never exceeds `bytesPerSecond`.
 * A rate of 0 means unlimited.
 */
export class RateLimiter {
  private readonly quota: number;
  private windowStart: number;
  private used = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: MonotonicClock = monotonicClock,
    readonly sampleMs: number = DEFAULT_SAMPLE_MS,
  ) {
    if (!(bytesPerSecond >= 0) || !Number.isFinite(bytesPerSecond)) {
      throw new RangeError(`bytesPerSecond must be a finite number >= 0, got ${bytesPerSecond}`);
    }
    if (!(sampleMs > 0) || !Number.isFinite(sampleMs)) {
      throw new RangeError(`sampleMs must be a finite number > 0, got ${sampleMs}`);
    }
    this.quota = Math.max(1, Math.round((bytesPerSecond * sampleMs) / 1000));
    this.windowStart = clock();
  }

  get unlimited(): boolean {
    return this.bytesPerSecond === 0;
  }

  /** Bytes allowed per sample. */
  get bytesPerSample(): number {
    return this.quota;
  }

  /** Records bytes that were sent or received. */
  consume(bytes: number): void {
    if (this.unlimited) return;
    this.roll();
    this.used += bytes;
  }

  /** Milliseconds to wait before the next transfer may start; 0 when it may start now. */
  delayMs(): number {
    if (this.unlimited) return 0;
    const now = this.roll();
    if (this.used < this.quota) return 0;
    const samples = Math.floor(this.used / this.quota);
    return Math.max(1, Math.ceil(this.windowStart + samples * this.sampleMs - now));
  }

  /**
   * Bytes that may move before the current sample is used up (at least 1, so
   * a caller that was told delayMs() === 0 can always make progress).
   * Infinity when unlimited.
   */
  allowance(): number {
    if (this.unlimited) return Infinity;
    this.roll();
    return Math.max(1, this.quota - this.used);
  }

  /** Moves the sample window to the current time, paying off debt for each elapsed sample. */
  private roll(): number {
    const now = this.clock();
    const elapsed = now - this.windowStart;
    if (elapsed >= this.sampleMs) {
      const samples = Math.floor(elapsed / this.sampleMs);
      this.used = Math.max(0, this.used - samples * this.quota);
      this.windowStart += samples * this.sampleMs;
    }
    return now;
  }
}
