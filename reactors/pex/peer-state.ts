import type { Endpoint } from '../../framework/address/endpoint.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import type { ConnectionDirection } from '../../framework/peer/types.js';

/**
 * CometBFT's `minReceiveRequestInterval` (ensurePeersPeriod / 3): after its
 * first two requests, a peer that asks again sooner than this after its
 * previous request is disconnected and banned. We hold ourselves to the
 * same bound when asking, and enforce it on askers.
 */
export const MIN_REQUEST_INTERVAL_MS = 10_000;

/** Outcome of checking an incoming request against CometBFT's pacing rule. */
export type RequestCheck = { readonly ok: true } | { readonly ok: false; readonly sinceLastMs: number };

/**
 * What PEX tracks about one connected peer. It lives as long as the
 * connection, as CometBFT's per-peer maps do (they are cleared on
 * RemovePeer), so a reconnecting peer starts afresh on both sides.
 */
export class PexPeerState {
  /** A request of ours is unanswered; only one at a time. */
  outstanding = false;
  /** When the last request to the peer was answered, or sent if still outstanding. */
  lastExchangeAt: number | undefined;
  /** Responses received from this peer on this connection. */
  responses = 0;
  /** Seed mode: the peer got its one answer and is being hung up on. */
  seedAnswered = false;
  private requestsReceived = 0;
  private lastRequestReceivedAt = 0;

  constructor(
    readonly nodeId: NodeID,
    readonly direction: ConnectionDirection,
    /** The peer shares the PEX channel with us. */
    readonly hasPex: boolean,
    /** Where the peer's connection comes from; undefined when the router no longer knows it. */
    readonly remote: Endpoint | undefined,
    /** The peer is one of the configured seeds. */
    readonly isSeed: boolean,
  ) {}

  /**
   * Whether we may send a request now. Measured from when the previous one
   * was *answered*: the peer received that request before answering, so the
   * gap as the peer sees it is at least `MIN_REQUEST_INTERVAL_MS` even when
   * our request sat in a queue.
   */
  canRequest(now: number): boolean {
    if (!this.hasPex || this.outstanding) return false;
    return this.lastExchangeAt === undefined || now - this.lastExchangeAt >= MIN_REQUEST_INTERVAL_MS;
  }

  requested(now: number): void {
    this.outstanding = true;
    this.lastExchangeAt = now;
  }

  /** A response arrived; returns false when none was outstanding (unsolicited). */
  answered(now: number): boolean {
    if (!this.outstanding) return false;
    this.outstanding = false;
    this.lastExchangeAt = now;
    this.responses++;
    return true;
  }

  /**
   * CometBFT's `receiveRequest`: the first request is free, the second is
   * free and starts the clock, every later one must come at least
   * `MIN_REQUEST_INTERVAL_MS` after the one before.
   */
  checkRequest(now: number): RequestCheck {
    this.requestsReceived++;
    if (this.requestsReceived === 1) return { ok: true };
    if (this.requestsReceived === 2) {
      this.lastRequestReceivedAt = now;
      return { ok: true };
    }
    const since = now - this.lastRequestReceivedAt;
    if (since < MIN_REQUEST_INTERVAL_MS) return { ok: false, sinceLastMs: since };
    this.lastRequestReceivedAt = now;
    return { ok: true };
  }
}
