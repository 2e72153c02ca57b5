import { InvalidArgumentError } from '../errors/base.js';
import { BoundedTable } from './bounded-table.js';

/** Why `InboundHandshakeLimit.tryBegin` refused a connection. */
export type HandshakeRefusal = 'global' | 'per-ip';

/**
 * The caps on inbound connections being gated and handshaken at once: in all
 * (`p2p.max_concurrent_inbound_handshakes`) and per remote IP
 * (`p2p.max_concurrent_inbound_handshakes_per_ip`). A connection over either
 * is closed at once, before any crypto work: handshakes cost CPU (X25519,
 * ed25519) that a flood must not be able to buy, and the per-IP share keeps
 * one address from holding every slot with sockets that never speak.
 *
 * The per-IP counts live in a table bounded by the global cap (an IP has an
 * entry only while it holds at least one slot), so it can never grow past it.
 */
export class InboundHandshakeLimit {
  private running = 0;
  private readonly byIp: BoundedTable<string, number>;
  /** Connections turned away because every slot was taken. */
  refused = 0;
  /** Connections turned away because their IP held its share of slots. */
  refusedPerIp = 0;

  /**
   * @param limit slots in all, ≥ 1.
   * @param perIpLimit slots one IP may hold; 0 = only the global cap.
   */
  constructor(
    readonly limit: number,
    readonly perIpLimit = 0,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`inbound handshake limit must be an integer ≥ 1, got ${String(limit)}`);
    if (!Number.isInteger(perIpLimit) || perIpLimit < 0) {
      throw new InvalidArgumentError(`per-IP inbound handshake limit must be an integer ≥ 0, got ${String(perIpLimit)}`);
    }
    this.byIp = new BoundedTable(limit, 'refuse');
  }

  get inProgress(): number {
    return this.running;
  }

  /** IPs holding at least one slot (only counted while a per-IP limit is set). */
  get trackedIps(): number {
    return this.byIp.size;
  }

  /**
   * Takes a slot for a connection from `ip` (undefined: not an IP
   * connection, only the global cap applies). Returns undefined on success —
   * pair it with one `end(ip)` — or why it was refused (counted).
   */
  tryBegin(ip?: string): HandshakeRefusal | undefined {
    const held = ip === undefined || this.perIpLimit === 0 ? undefined : (this.byIp.peek(ip) ?? 0);
    if (held !== undefined && held >= this.perIpLimit) {
      this.refusedPerIp++;
      return 'per-ip';
    }
    // The table holds at most `limit` IPs, each with a slot, so below the global cap it always has room.
    if (this.running >= this.limit || (held !== undefined && !this.byIp.set(ip!, held + 1))) {
      this.refused++;
      return 'global';
    }
    this.running++;
    return undefined;
  }

  end(ip?: string): void {
    if (this.running > 0) this.running--;
    if (ip === undefined || this.perIpLimit === 0) return;
    const held = this.byIp.peek(ip);
    if (held === undefined) return;
    if (held <= 1) this.byIp.delete(ip);
    else this.byIp.set(ip, held - 1);
  }
}
