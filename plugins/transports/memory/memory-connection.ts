import type { Endpoint } from '../../../framework/address/endpoint.js';
import type { NodeInfo } from '../../../framework/identity/node-info.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import type { Connection, ConnectionMessage, HandshakeOptions, HandshakeResult } from '../../../framework/transport/transport.js';
import { ConnectionClosedError, HandshakeError } from '../../../framework/transport/errors.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { raceSignal } from '../../../framework/util/abort.js';
import { DelayLine } from './delay-line.js';
import { IDEAL_LINK, isDelayed, type ResolvedLinkConditions } from './link-conditions.js';

/** Message counts of one direction of a link (or, summed, of a whole network). */
export interface LinkCounters {
  /** Messages `trySend` accepted. */
  sent: number;
  /** Messages that reached the receiver's inbox. */
  delivered: number;
  /** Messages the link's loss rate dropped. */
  lost: number;
  /** Messages that arrived after the receiver had closed (a socket drops those too). */
  discarded: number;
}

/** One direction's counts; `sent = delivered + lost + discarded + inFlight` always holds. */
export interface MemoryLinkStats extends Readonly<LinkCounters> {
  /** Sent and still travelling (only on a link with latency). */
  readonly inFlight: number;
}

/** What one end needs to know about the link it sends over. */
export interface MemoryLink {
  readonly conditions: ResolvedLinkConditions;
  /** Uniform in [0, 1); decides losses and jitter. */
  readonly random: () => number;
  /** Network-wide totals this end's counts are added to as well. */
  readonly totals?: LinkCounters;
}

type WireItem =
  | { readonly kind: 'message'; readonly message: ConnectionMessage }
  | { readonly kind: 'hello'; readonly hello: HandshakeResult }
  | { readonly kind: 'close' };

const IDEAL: MemoryLink = { conditions: IDEAL_LINK, random: Math.random };

/**
 * One end of an in-process connection. Each end owns a bounded inbox; the
 * other end writes into it, and `trySend` reports false when it is full —
 * the memory transport has the same backpressure as a socket.
 *
 * Over a link with latency, what this end sends (messages, its hello, its
 * close) travels through a delay line and arrives in order; messages in
 * flight count against the receiver's capacity, so the bound covers the
 * "network" too. A close arrives after everything sent before it, as a
 * TCP FIN does. A link with a loss rate drops messages at send time and
 * counts each one.
 */
export class MemoryConnection implements Connection {
  private remote!: MemoryConnection;
  private readonly inbox = new RingBuffer<ConnectionMessage>();
  private readonly readable = new Waiters();
  /** Writers waiting for room in *this* end's inbox. */
  private readonly room = new Waiters();
  private handshakeSent = false;
  private remoteHello?: HandshakeResult;
  private readonly helloArrived = new Waiters();
  private closeReason?: Error;
  private resolveClosed!: (reason: Error | undefined) => void;
  readonly closed: Promise<Error | undefined> = new Promise((resolve) => (this.resolveClosed = resolve));
  /** What this end sent, per outcome. */
  private readonly counts: LinkCounters = { sent: 0, delivered: 0, lost: 0, discarded: 0 };
  private readonly wire: DelayLine<WireItem> | undefined;
  private inFlight = 0;

  constructor(
    readonly localEndpoint: Endpoint,
    readonly remoteEndpoint: Endpoint,
    private readonly capacity: number,
    private readonly link: MemoryLink = IDEAL,
  ) {
    if (isDelayed(link.conditions)) this.wire = new DelayLine((item) => this.arrive(item));
  }

  /** Connects two ends; called by the network when a dial is accepted. */
  static pair(a: MemoryConnection, b: MemoryConnection): void {
    a.remote = b;
    b.remote = a;
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Counts of what this end has sent. */
  stats(): MemoryLinkStats {
    return { ...this.counts, inFlight: this.inFlight };
  }

  async handshake(nodeInfo: NodeInfo, key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult> {
    if (this.handshakeSent) throw new HandshakeError('handshake already performed on this connection');
    this.handshakeSent = true;
    if (this.isClosed) throw new HandshakeError('connection closed before the handshake', { cause: this.closeReason });
    // No crypto: the in-process peer is trusted to be who it says, which is the point of this transport.
    this.transmit({ kind: 'hello', hello: { nodeInfo, publicKey: key.publicKey } });
    const wait = (async () => {
      while (this.remoteHello === undefined) {
        if (this.isClosed) throw new HandshakeError('connection closed during the handshake', { cause: this.closeReason });
        await this.helloArrived.wait();
      }
      return this.remoteHello;
    })();
    return options.signal ? raceSignal(wait, options.signal) : wait;
  }

  receive(signal?: AbortSignal): Promise<ConnectionMessage> {
    const message = this.tryReceive();
    if (message) return Promise.resolve(message);
    return this.receiveSlow(signal);
  }

  tryReceive(): ConnectionMessage | undefined {
    const message = this.inbox.shift();
    if (message !== undefined) this.room.wakeAll();
    return message;
  }

  trySend(channelId: number, bytes: Uint8Array): boolean {
    if (this.isClosed || !this.hasRoomAtRemote()) return false;
    this.count('sent');
    const { lossRate } = this.link.conditions;
    if (lossRate > 0 && this.link.random() < lossRate) {
      this.count('lost');
      return true;
    }
    if (this.wire !== undefined) this.inFlight++;
    this.transmit({ kind: 'message', message: { channelId, bytes } });
    return true;
  }

  async writable(signal?: AbortSignal): Promise<void> {
    if (this.isClosed || this.hasRoomAtRemote()) return;
    await this.remote.room.wait(signal);
  }

  close(reason?: Error): void {
    if (this.isClosed) return;
    this.closeReason = reason ?? new ConnectionClosedError();
    this.wakeEverything();
    // What was sent before the close still arrives; the close follows it.
    if (this.remote !== undefined) this.transmit({ kind: 'close' });
    this.resolveClosed(reason);
  }

  // ---- the wire ----

  /** Room for one more message: in flight plus already in the remote's inbox stay under the capacity. */
  private hasRoomAtRemote(): boolean {
    return this.remote.isClosed || this.inFlight + this.remote.inbox.length < this.capacity;
  }

  private transmit(item: WireItem): void {
    if (this.wire === undefined) return this.arrive(item);
    const { latencyMs, jitterMs } = this.link.conditions;
    this.wire.push(item, latencyMs + (jitterMs > 0 ? this.link.random() * jitterMs : 0));
  }

  /** An item this end sent reaches the remote end. */
  private arrive(item: WireItem): void {
    const remote = this.remote;
    switch (item.kind) {
      case 'message':
        if (this.wire !== undefined) this.inFlight--;
        // Like a socket: bytes to a closed peer vanish; the sender learns via the close.
        if (remote.isClosed) this.count('discarded');
        else {
          remote.inbox.push(item.message);
          this.count('delivered');
          remote.readable.wakeOne();
        }
        return;
      case 'hello':
        remote.remoteHello = item.hello;
        remote.helloArrived.wakeAll();
        return;
      case 'close':
        remote.remoteClosed();
        return;
    }
  }

  private remoteClosed(): void {
    if (this.isClosed) return;
    // Messages already delivered stay readable, then receive() reports the close, as a socket would.
    this.closeReason = new ConnectionClosedError('connection closed by the remote');
    this.wakeEverything();
    // Whatever this end still has in flight arrives at a closed end; count it now rather than wait for it.
    for (const item of this.wire?.clear() ?? []) {
      if (item.kind !== 'message') continue;
      this.inFlight--;
      this.count('discarded');
    }
    this.resolveClosed(undefined);
  }

  private count(outcome: keyof LinkCounters): void {
    this.counts[outcome]++;
    if (this.link.totals !== undefined) this.link.totals[outcome]++;
  }

  private wakeEverything(): void {
    this.readable.wakeAll();
    this.room.wakeAll();
    this.helloArrived.wakeAll();
    this.remote?.room.wakeAll();
  }

  private async receiveSlow(signal?: AbortSignal): Promise<ConnectionMessage> {
    for (;;) {
      const message = this.tryReceive();
      if (message) return message;
      if (this.closeReason) throw this.closeReason;
      await this.readable.wait(signal);
    }
  }
}
