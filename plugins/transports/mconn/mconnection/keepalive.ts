/**
 * CometBFT v0.38 liveness (wire-protocol §2.5): ping every interval, and
 * expect a pong (not just any traffic) within the timeout of each ping. The
 * connection writes the pings — the send window pings too — and tells us
 * when one went out, so the timeout covers every ping, whoever asked for it.
 */
export class Keepalive {
  private readonly pingTimer: NodeJS.Timeout;
  private pongTimer: NodeJS.Timeout | undefined;

  constructor(
    intervalMs: number,
    private readonly timeoutMs: number,
    requestPing: () => void,
    private readonly onTimeout: () => void,
  ) {
    this.pingTimer = setInterval(requestPing, intervalMs).unref();
  }

  /** A ping was written: its pong must arrive within the timeout. */
  pingSent(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.onTimeout();
    }, this.timeoutMs).unref();
  }

  pongReceived(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  stop(): void {
    clearInterval(this.pingTimer);
    this.pongReceived();
  }
}
