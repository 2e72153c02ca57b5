/**
 * CometBFT v0.38 liveness (wire-protocol §2.5): ping every interval, and
 * expect a pong (not just any traffic) within the timeout of each ping.
 */
export class Keepalive {
  private readonly pingTimer: NodeJS.Timeout;
  private pongTimer: NodeJS.Timeout | undefined;

  constructor(
    intervalMs: number,
    private readonly timeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void,
  ) {
    this.pingTimer = setInterval(() => this.ping(), intervalMs).unref();
  }

  pongReceived(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  stop(): void {
    clearInterval(this.pingTimer);
    this.pongReceived();
  }

  private ping(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.onTimeout();
    }, this.timeoutMs).unref();
    this.sendPing();
  }
}
