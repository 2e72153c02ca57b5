import { TOKENS } from '../../framework/tokens.js';
import { inject, injectable } from 'inversify';
import { Plugin } from '../../framework/plugin/plugin.js';
import { BoundedTable } from '../../framework/gating/bounded-table.js';
import { ConnectionDeniedError } from '../../framework/gating/errors.js';
import type { ConnectionAttempt, ConnectionGater, GaterStats } from '../../framework/gating/gater.js';

/** `[gating.per_ip]`: open connections per remote IP, inbound and outbound together. */
export interface PerIpGaterOptions {
  /** Open connections one IP may hold, handshakes in progress included (0 = no limit). Default 4, a small share of the inbound budget (CometBFT: 1). */
  readonly maxConnections: number;
  /**
   * false = CometBFT's `allow_duplicate_ip = false`: refuse any new connection,
   * inbound or outbound, with an IP that already has one open. Default true.
   */
  readonly allowDuplicateIp: boolean;
  /** Bound on IPs tracked at once; a new IP beyond it is refused ("ip-table-full"). Default 10000. */
  readonly maxTrackedIps: number;
}

/**
 * Open connections per remote IP, both directions together. With
 * `allowDuplicateIp = false` it is CometBFT's duplicate-IP filter: a second
 * connection with an IP that has one open is refused, whoever dials (CometBFT
 * v0.38 compares each new connection's remote IP, port ignored, with the IPs
 * of every connection its transport holds, inbound and outbound, before the
 * SecretConnection handshake). Entries exist only while an IP has a
 * connection open, and never more than `maxTrackedIps`: a table full of live
 * counts refuses a new IP rather than forget one, which would lift its limit.
 */
export class PerIpConnections {
  private readonly open: BoundedTable<string, number>;
  /** Connections an IP may hold; Infinity = untracked. */
  readonly limit: number;
  private readonly reason: string;

  constructor(readonly config: PerIpGaterOptions) {
    this.open = new BoundedTable(config.maxTrackedIps, 'refuse');
    this.limit = !config.allowDuplicateIp ? 1 : config.maxConnections === 0 ? Infinity : config.maxConnections;
    this.reason = config.allowDuplicateIp ? 'ip-limit' : 'duplicate-ip';
  }

  /** Counts a new connection with `ip`, or returns why it may not open. Pair each admission with one `release`. */
  admit(ip: string): ConnectionDeniedError | undefined {
    if (this.limit === Infinity) return undefined;
    const count = this.open.peek(ip) ?? 0;
    if (count >= this.limit) {
      const rule = this.config.allowDuplicateIp ? `gating.per_ip.max_connections = ${this.limit}` : 'gating.per_ip.allow_duplicate_ip = false';
      return new ConnectionDeniedError(`${ip} already has ${count} connection${count === 1 ? '' : 's'} open (${rule})`, this.reason);
    }
    if (!this.open.set(ip, count + 1)) {
      return new ConnectionDeniedError(`${this.open.size} IPs already tracked (gating.per_ip.max_tracked_ips); ${ip} refused`, 'ip-table-full');
    }
    return undefined;
  }

  release(ip: string): void {
    if (this.limit === Infinity) return;
    const count = this.open.peek(ip);
    if (count === undefined) return;
    if (count <= 1) this.open.delete(ip);
    else this.open.set(ip, count - 1);
  }

  /** Open connections with `ip`. */
  count(ip: string): number {
    return this.open.peek(ip) ?? 0;
  }

  stats(): GaterStats {
    return { tracked: this.open.size, capacity: this.open.capacity, refusals: this.open.refusals };
  }
}

/** `per-ip`: caps open connections per remote IP (`[gating.per_ip]`). */
@Plugin('gater', 'per-ip')
@injectable()
export class PerIpGater implements ConnectionGater {
  readonly name = 'per-ip';
  readonly connections: PerIpConnections;

  constructor(@inject(TOKENS.PerIpGaterOptions) options: PerIpGaterOptions) {
    this.connections = new PerIpConnections(options);
  }

  admit(attempt: ConnectionAttempt): boolean {
    const denial = this.connections.admit(attempt.ipGroup);
    if (denial) throw denial;
    return true;
  }

  release(attempt: ConnectionAttempt): void {
    this.connections.release(attempt.ipGroup);
  }

  stats(): GaterStats {
    return this.connections.stats();
  }
}
