import { inject, injectable, optional } from 'inversify';
import { Plugin } from '../../framework/plugin/plugin.js';
import { TOKENS } from '../../framework/tokens.js';
import { BoundedTable } from '../../framework/gating/bounded-table.js';
import { ConnectionDeniedError } from '../../framework/gating/errors.js';
import type { ConnectionAttempt, ConnectionGater, GaterStats } from '../../framework/gating/gater.js';
import { systemClock, type Clock } from '../../framework/peer/types.js';

/** `[gating.attempt_window]`: Tendermint v0.35's incoming connection window. */
export interface AttemptWindowGaterOptions {
  /**
   * An inbound connection from an IP with no inbound connection open is
   * refused when that IP's previous admitted one came less than this long
   * ago. 0 = off (the default); Tendermint v0.35 used 100 ms.
   */
  readonly windowMs: number;
  /** Bound on IPs remembered; beyond it the least recently seen is forgotten (counted). Default 10000. */
  readonly maxTrackedIps: number;
}

interface IpAttempts {
  /** Inbound connections from the IP open now. */
  open: number;
  /** When the IP's last inbound connection was admitted (clock ms). */
  lastAdmittedAt: number;
}

/** Expired entries looked at, from the least recently seen end, before a full table evicts a live one. */
const SWEEP = 16;

/**
 * Tendermint v0.35's incoming connection window, per remote IP: an inbound
 * connection from an IP with no inbound connection open is refused when that
 * IP's previous admitted one came less than `windowMs` ago. An IP that
 * already has one open is not held to the window (several nodes behind one
 * address can connect together); only admitted connections restart it, so a
 * refused flood does not lock an IP out beyond one window.
 *
 * At most `maxTrackedIps` IPs are remembered. A full table first drops
 * entries whose window has passed and have nothing open, then forgets the
 * least recently seen IP (counted in `evictions`): an attacker cycling
 * addresses buys itself a missed window, never unbounded memory.
 */
export class AttemptWindow {
  private readonly ips: BoundedTable<string, IpAttempts>;

  constructor(
    readonly config: AttemptWindowGaterOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.ips = new BoundedTable(config.maxTrackedIps, 'evict-oldest');
  }

  get enabled(): boolean {
    return this.config.windowMs > 0;
  }

  /** Records an inbound connection from `ip`, or returns why it is refused. Pair each admission with one `release`. */
  admit(ip: string): ConnectionDeniedError | undefined {
    if (!this.enabled) return undefined;
    const now = this.clock.now();
    const entry = this.ips.touch(ip);
    if (entry === undefined) {
      if (this.ips.size >= this.ips.capacity) this.sweep(now);
      this.ips.set(ip, { open: 1, lastAdmittedAt: now });
      return undefined;
    }
    const elapsed = now - entry.lastAdmittedAt;
    if (entry.open === 0 && elapsed < this.config.windowMs) {
      return new ConnectionDeniedError(
        `${ip} connected ${Math.max(0, Math.round(elapsed))} ms ago; once per ${this.config.windowMs} ms while it has no connection open (gating.attempt_window.window)`,
        'attempt-window',
      );
    }
    entry.open++;
    entry.lastAdmittedAt = now;
    return undefined;
  }

  release(ip: string): void {
    if (!this.enabled) return;
    const entry = this.ips.peek(ip);
    if (entry === undefined) return; // forgotten to make room
    if (entry.open > 0) entry.open--;
    if (this.expired(entry, this.clock.now())) this.ips.delete(ip);
  }

  stats(): GaterStats {
    return { tracked: this.ips.size, capacity: this.ips.capacity, evictions: this.ips.evictions };
  }

  private expired(entry: IpAttempts, now: number): boolean {
    return entry.open === 0 && now - entry.lastAdmittedAt >= this.config.windowMs;
  }

  private sweep(now: number): void {
    let looked = 0;
    for (const [ip, entry] of this.ips) {
      if (looked++ >= SWEEP) return;
      if (this.expired(entry, now)) this.ips.delete(ip);
    }
  }
}

/** `attempt-window`: limits how often an IP may open inbound connections (`[gating.attempt_window]`). */
@Plugin('gater', 'attempt-window')
@injectable()
export class AttemptWindowGater implements ConnectionGater {
  readonly name = 'attempt-window';
  readonly window: AttemptWindow;

  constructor(@inject(TOKENS.AttemptWindowGaterOptions) options: AttemptWindowGaterOptions, @inject(TOKENS.Clock) @optional() clock?: Clock) {
    this.window = new AttemptWindow(options, clock ?? systemClock);
  }

  admit(attempt: ConnectionAttempt): boolean {
    if (attempt.direction !== 'inbound') return true;
    const denial = this.window.admit(attempt.ipGroup);
    if (denial) throw denial;
    return true;
  }

  release(attempt: ConnectionAttempt): void {
    if (attempt.direction === 'inbound') this.window.release(attempt.ipGroup);
  }

  stats(): GaterStats {
    return this.window.stats();
  }
}
