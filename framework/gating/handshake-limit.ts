import { InvalidArgumentError } from '../errors/base.js';

/**
 * The cap on inbound connections being gated and handshaken at once
 * (`p2p.max_concurrent_inbound_handshakes`). A connection over the cap is
 * closed at once, before any crypto work, and counted as "handshake-capacity":
 * handshakes cost CPU (X25519, ed25519) that a flood must not be able to buy.
 */
export class InboundHandshakeLimit {
  private running = 0;
  /** Connections turned away because the cap was reached. */
  refused = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError(`inbound handshake limit must be an integer ≥ 1, got ${String(limit)}`);
  }

  get inProgress(): number {
    return this.running;
  }

  /** Takes a slot; false (counted) when all are taken. Pair every true with one `end()`. */
  tryBegin(): boolean {
    if (this.running >= this.limit) {
      this.refused++;
      return false;
    }
    this.running++;
    return true;
  }

  end(): void {
    if (this.running > 0) this.running--;
  }
}
