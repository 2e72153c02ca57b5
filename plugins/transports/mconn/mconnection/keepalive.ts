import { gridFor, sharedKeepaliveTicker, type KeepaliveTicker, type TickerEntry } from './keepalive-ticker.js';

/**
 * CometBFT v0.38 liveness (wire-protocol §2.5): ping every interval, and
 * expect a pong (not just any traffic) within the timeout of each ping. The
 * connection writes the pings — the send window pings too — and tells us
 * when one went out, so the timeout covers every ping, whoever asked for it.
 *
 * No timer of its own: both deadlines (the next ping, the pong owed) are one
 * entry of the thread's KeepaliveTicker, which rounds them up to a coarse
 * grid (1,024 ms for CometBFT's 60 s / 45 s; at most 1/32 of the duration
 * late, never early) so that thousands of connections share each wake-up.
 * Pings keep their cadence: the n-th is due at start + n × interval, as with
 * a ticker, whatever the rounding and the event loop's delays.
 */
export class Keepalive implements TickerEntry {
  tickerSlot: number | undefined = undefined;
  private nextPingAt: number;
  private pongDeadline: number | undefined = undefined;
  private readonly grid: number;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly requestPing: () => void,
    private readonly onTimeout: () => void,
    private readonly ticker: KeepaliveTicker = sharedKeepaliveTicker,
  ) {
    this.grid = gridFor(Math.min(intervalMs, timeoutMs));
    this.nextPingAt = ticker.clock() + intervalMs;
    this.reschedule();
  }

  /** A ping was written: its pong must arrive within the timeout. */
  pingSent(): void {
    if (this.stopped) return;
    this.pongDeadline = this.ticker.clock() + this.timeoutMs;
    this.reschedule();
  }

  pongReceived(): void {
    if (this.stopped || this.pongDeadline === undefined) return;
    this.pongDeadline = undefined;
    this.reschedule();
  }

  stop(): void {
    this.stopped = true;
    this.pongDeadline = undefined;
    this.ticker.cancel(this);
  }

  /** The ticker's call: the pong is overdue (close), or a ping is due (ask for one). */
  onTick(now: number): void {
    if (this.stopped) return;
    if (this.pongDeadline !== undefined && now >= this.pongDeadline) {
      this.stop();
      this.onTimeout();
      return;
    }
    if (now >= this.nextPingAt) {
      // Missed ticks (a stalled loop) are skipped, not caught up: one ping now, the next on the cadence.
      this.nextPingAt += Math.ceil((now - this.nextPingAt + 1) / this.intervalMs) * this.intervalMs;
      this.reschedule();
      this.requestPing();
      return;
    }
    this.reschedule();
  }

  private reschedule(): void {
    const pong = this.pongDeadline;
    this.ticker.schedule(this, pong !== undefined && pong < this.nextPingAt ? pong : this.nextPingAt, this.grid);
  }
}
