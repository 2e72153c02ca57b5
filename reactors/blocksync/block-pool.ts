import type { NodeID } from '../../framework/identity/node-id.js';
import type { StartHeight } from './options.js';

/** The blocks a peer says it has: heights `base` to `height` (0, 0 for none). */
export interface PeerRange {
  readonly base: number;
  readonly height: number;
}

/** A BlockRequest to send. */
export interface ScheduledRequest {
  readonly height: number;
  readonly peer: NodeID;
}

/**
 * How a BlockResponse fits what was asked: `expected` (still needed),
 * `late` (asked of this peer, but delivered or received from another peer
 * meanwhile), `unsolicited` (never asked of this peer: a protocol violation).
 */
export type ArrivalVerdict = 'expected' | 'late' | 'unsolicited';

interface PeerEntry {
  base: number;
  height: number;
  inFlight: number;
  /** Heights asked of this peer recently (insertion order, capped), so a slow answer is late rather than unsolicited. */
  readonly asked: Set<number>;
}

interface Pending {
  readonly peer: NodeID;
  readonly sentAt: number;
}

/**
 * Which block to ask of which peer, and when a block may be delivered: the
 * pure bookkeeping of the blocksync reactor, without I/O or timers (the
 * reactor passes the time in). Heights are delivered in order from
 * `nextHeight`; at most `window` heights at or above it are requested or
 * held at once; each is asked of the least busy peer whose range covers it
 * and that has not already failed it.
 */
export class BlockPool<B> {
  private readonly peers = new Map<NodeID, PeerEntry>();
  private readonly pending = new Map<number, Pending>();
  private readonly arrived = new Map<number, { readonly block: B; readonly peer: NodeID }>();
  /** Peers that failed a height (timed out, had no block, sent a bad one); forgotten once it is delivered. */
  private readonly failed = new Map<number, Set<NodeID>>();
  private next: number | undefined;
  private readonly askedCap: number;

  constructor(
    private readonly window: number,
    private readonly timeoutMs: number,
    private readonly start: StartHeight,
  ) {
    this.next = typeof start === 'number' ? start : undefined;
    this.askedCap = 4 * window;
  }

  /** The next height to deliver; undefined until a start is known (a peer reported its range). */
  get nextHeight(): number | undefined {
    return this.next;
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Blocks received and held until the heights below them arrive. */
  get held(): number {
    return this.arrived.size;
  }

  /** The highest height any peer reports (0 with no peer). */
  maxPeerHeight(): number {
    let max = 0;
    for (const p of this.peers.values()) max = Math.max(max, p.height);
    return max;
  }

  /** Every peer's reported range. */
  ranges(): Map<NodeID, PeerRange> {
    return new Map([...this.peers].map(([id, p]) => [id, { base: p.base, height: p.height }]));
  }

  hasPeer(peer: NodeID): boolean {
    return this.peers.has(peer);
  }

  /** A peer that can serve blocks came up (its range is unknown until it reports one). */
  addPeer(peer: NodeID): void {
    if (!this.peers.has(peer)) this.peers.set(peer, { base: 0, height: 0, inFlight: 0, asked: new Set() });
  }

  /** A peer reported its range (valid: 0 ≤ base ≤ height). The first with blocks fixes a "latest"/"base" start. */
  setRange(peer: NodeID, range: PeerRange): void {
    const entry = this.peers.get(peer);
    if (entry === undefined) return;
    entry.base = range.base;
    entry.height = range.height;
    if (this.next === undefined && range.height > 0) this.next = this.start === 'base' ? Math.max(range.base, 1) : range.height;
  }

  /** A peer went away: its requests are forgotten (and asked of others at the next `schedule`). */
  removePeer(peer: NodeID): void {
    this.peers.delete(peer);
    for (const [height, p] of this.pending) if (p.peer === peer) this.pending.delete(height);
  }

  /** Chooses the requests to send now and records them as sent at `now`. */
  schedule(now: number): ScheduledRequest[] {
    const next = this.next;
    if (next === undefined) return [];
    const out: ScheduledRequest[] = [];
    for (let height = next; height < next + this.window; height++) {
      if (this.pending.has(height) || this.arrived.has(height)) continue;
      const peer = this.pickPeer(height);
      if (peer === undefined) continue;
      const entry = this.peers.get(peer)!;
      entry.inFlight++;
      entry.asked.add(height);
      if (entry.asked.size > this.askedCap) entry.asked.delete(entry.asked.values().next().value!);
      this.pending.set(height, { peer, sentAt: now });
      out.push({ height, peer });
    }
    return out;
  }

  /**
   * A BlockResponse for `height` came from `peer`. When `expected`, the
   * request is settled and the caller verifies the block and hands it to
   * `hold` (or reports it with `fail`).
   */
  arrival(peer: NodeID, height: number): ArrivalVerdict {
    const entry = this.peers.get(peer);
    if (entry === undefined || !entry.asked.has(height)) return 'unsolicited';
    if (this.next === undefined || height < this.next || this.arrived.has(height)) return 'late';
    this.settle(height);
    return 'expected';
  }

  /** Holds a verified block until it can be delivered. */
  hold(height: number, peer: NodeID, block: B): void {
    this.arrived.set(height, { block, peer });
  }

  /**
   * `peer` failed `height` (sent a bad block, or one that does not link):
   * whatever it sent is dropped, and the height is asked of another peer.
   */
  fail(height: number, peer: NodeID): void {
    const held = this.arrived.get(height);
    if (held?.peer === peer) this.arrived.delete(height);
    if (this.pending.get(height)?.peer === peer) this.settle(height);
    this.markFailed(height, peer);
  }

  /**
   * `peer` says it has no block at `height`: the request is settled, and the
   * peer is taken to have nothing from there up until it reports again.
   * Returns false when the height was never asked of it (ignored, as CometBFT does).
   */
  noBlock(peer: NodeID, height: number): boolean {
    const entry = this.peers.get(peer);
    if (entry === undefined || !entry.asked.has(height)) return false;
    if (this.pending.get(height)?.peer === peer) this.settle(height);
    if (height >= entry.base && height <= entry.height) {
      entry.height = height - 1;
      if (entry.height < entry.base) entry.base = entry.height = 0;
    }
    return true;
  }

  /** Requests sent at least `timeoutMs` before `now`: settled and marked failed for their peer, for the caller to report. */
  expire(now: number): ScheduledRequest[] {
    const out: ScheduledRequest[] = [];
    for (const [height, p] of this.pending) {
      if (now - p.sentAt < this.timeoutMs) continue;
      this.settle(height);
      this.markFailed(height, p.peer);
      out.push({ height, peer: p.peer });
    }
    return out;
  }

  /** The block at the next height, if it arrived; taking it moves on to the following height. */
  takeNext(): { readonly height: number; readonly block: B; readonly peer: NodeID } | undefined {
    const height = this.next;
    if (height === undefined) return undefined;
    const held = this.arrived.get(height);
    if (held === undefined) return undefined;
    this.arrived.delete(height);
    this.failed.delete(height);
    this.next = height + 1;
    return { height, block: held.block, peer: held.peer };
  }

  /** Undoes `takeNext` of `height` when its block turned out not to link: the height is needed again. */
  unTake(height: number): void {
    if (this.next === height + 1) this.next = height;
  }

  private settle(height: number): void {
    const p = this.pending.get(height);
    if (p === undefined) return;
    this.pending.delete(height);
    const entry = this.peers.get(p.peer);
    if (entry !== undefined) entry.inFlight--;
  }

  private markFailed(height: number, peer: NodeID): void {
    let set = this.failed.get(height);
    if (set === undefined) this.failed.set(height, (set = new Set()));
    set.add(peer);
  }

  /**
   * The least busy peer that has `height` and has not failed it. When every
   * peer that has it failed it, they are all given another chance (a peer
   * that timed out may just have been slow; without a retry the download
   * would stop for good).
   */
  private pickPeer(height: number): NodeID | undefined {
    const covering = [...this.peers].filter(([, p]) => p.height > 0 && p.base <= height && height <= p.height);
    if (covering.length === 0) return undefined;
    const failed = this.failed.get(height);
    let candidates = failed === undefined ? covering : covering.filter(([id]) => !failed.has(id));
    if (candidates.length === 0) {
      this.failed.delete(height);
      candidates = covering;
    }
    let best = candidates[0]!;
    for (const candidate of candidates) if (candidate[1].inFlight < best[1].inFlight) best = candidate;
    return best[0];
  }
}
