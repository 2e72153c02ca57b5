import type { Clock } from '../../framework/peer/types.js';

/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`. Each
 * tx a peer sends takes one; a peer that finds the bucket empty has sent
 * more than its budget. Time comes from `clock`, so tests need not wait.
 */
export class TxBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes `n` tokens if there are that many; false (and nothing taken) otherwise. */
  take(n = 1): boolean {
    const now = this.clock.now();
    // A clock that steps back refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Tokens left now (fractional while refilling). */
  available(): number {
    const elapsed = Math.max(0, this.clock.now() - this.last);
    return Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }
}
