import type { Readable } from 'node:stream';
import type { RateLimiter } from './flow-rate.js';

/**
 * Decides whether the stream may be read: the owner can pause it
 * (backpressure from slow consumers) and the receive rate limiter pauses it
 * while the peer is over its allowance. Pausing a Node stream stops its
 * 'data' events; once its internal buffer fills it stops reading the socket,
 * so the peer's TCP window closes.
 */
export class ReadGate {
  private byOwner = false;
  private byRate = false;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly limiter: RateLimiter,
  ) {}

  get pausedByOwner(): boolean {
    return this.byOwner;
  }

  setOwnerPaused(paused: boolean): void {
    this.byOwner = paused;
    this.apply();
  }

  /** Accounts received bytes and pauses reading if that put the receive rate over its allowance. */
  received(bytes: number): void {
    if (this.limiter.unlimited) return;
    this.limiter.consume(bytes);
    this.throttle();
  }

  /** Clears the rate timer; the stream is being torn down. */
  stop(): void {
    clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
  }

  private throttle(): void {
    if (this.rateTimer !== undefined) return;
    const delay = this.limiter.delayMs();
    if (delay === 0) {
      if (this.byRate) {
        this.byRate = false;
        this.apply();
      }
      return;
    }
    this.byRate = true;
    this.apply();
    this.rateTimer = setTimeout(() => {
      this.rateTimer = undefined;
      this.throttle();
    }, delay).unref();
  }

  private apply(): void {
    const pause = this.byOwner || this.byRate;
    if (pause && !this.stream.isPaused()) this.stream.pause();
    else if (!pause && this.stream.isPaused()) this.stream.resume();
  }
}
