import { Subject, type Observable } from 'rxjs';
import { isErrorNamed, toError } from '../errors/base.js';
import type { NodeID } from '../identity/node-id.js';
import type { Queue, QueueFactory } from '../queue/queue.js';
import type { ChannelDefinition } from './channel-definition.js';
import type { InboundEnvelope, OutboundEnvelope, PeerError } from './envelope.js';
import { MessageDecodeError } from './message-type.js';
import { messageEncoder } from './message-encoder.js';
import { DropCounter } from './drop-counter.js';
import { BoundedConsumer, type ConsumeOptions, type ConsumerStats } from '../streams/bounded-consumer.js';

/** What a channel needs to know of the peer a message came from. */
export interface MessageSender {
  /** True once the peer caused a fatal error: its messages not yet handled are discarded. */
  readonly faulted: boolean;
}

/** Why an outbound message was not queued for a peer. */
export type SendOutcome = 'queued' | 'unknown-peer' | 'peer-lacks-channel' | 'peer-queue-full' | 'channel-closed';

/** The router-side operations a channel needs; keeps ChannelRuntime testable without a Router. */
export interface ChannelRoutes {
  unicast(channelId: number, to: NodeID, bytes: Uint8Array): SendOutcome;
  unicastWhenRoom(channelId: number, to: NodeID, bytes: Uint8Array, signal?: AbortSignal): Promise<SendOutcome>;
  /** Returns how many peers the message was queued for. */
  broadcast(channelId: number, bytes: Uint8Array): number;
  peerError(error: PeerError): void;
}

/** An inbound message waiting in the channel queue. */
export interface QueuedInbound<M> extends InboundEnvelope<M> {
  readonly size: number;
  /** The connection it came from; a faulted sender's messages are dropped before any handler sees them. */
  readonly sender?: MessageSender;
}

/**
 * What a reactor holds: typed send/receive over one channel. `Inner` flows
 * from the channel definition into every signature here.
 *
 * Sending never blocks: `send`, `broadcast` and `outbound.next` queue the
 * message for the peer or count a drop (`stats().drops`) when the peer's
 * bounded queue is full. `sendWhenRoom` waits for room instead.
 */
export interface ChannelHandle<Inner> {
  readonly id: number;
  readonly definition: ChannelDefinition<unknown, Inner>;
  /**
   * Messages from every peer, in arrival order per peer. A plain RxJS stream:
   * a subscriber that throws goes to RxJS's unhandled-error path (by default
   * rethrown as an uncaught exception), so handle errors in the subscriber or
   * use `consume()`, which counts them in `stats().handlerErrors`.
   */
  readonly inbound: Observable<InboundEnvelope<Inner>>;
  /**
   * Push envelopes to send; same semantics as send()/broadcast(). A message
   * that cannot be encoded is dropped and counted as `unencodable`.
   */
  readonly outbound: Subject<OutboundEnvelope<Inner>>;
  /** Report misbehaving peers; the router lowers their score or disconnects them. */
  readonly errors: Subject<PeerError>;
  send(to: NodeID, message: Inner): SendOutcome;
  /**
   * Like send(), but waits while the peer's queue has no room for the message
   * — under every queue policy, lossy ones included — so the caller is paced
   * by the connection instead of losing the message. Resolves `unknown-peer`
   * if the peer goes away meanwhile; rejects with AbortError on `signal`.
   */
  sendWhenRoom(to: NodeID, message: Inner, signal?: AbortSignal): Promise<SendOutcome>;
  broadcast(message: Inner): number;
  stats(): ChannelStats;
  /**
   * Runs `handler` over inbound messages with bounded concurrency and buffer
   * (see ConsumeOptions; default 64 in flight, 1,024 waiting, `block`). With
   * `block`, a full consumer pauses the channel's delivery: its queue fills and
   * the router stops reading from the sending peers, so a slow async handler
   * slows the senders instead of growing memory. Drops count as
   * `consumer-overflow` in `stats().drops`.
   */
  consume(handler: (envelope: InboundEnvelope<Inner>) => unknown, options?: ConsumeOptions): ChannelConsumer;
}

/** A running `ChannelHandle.consume`. */
export interface ChannelConsumer {
  stats(): ConsumerStats;
  /** Stops consuming; messages it holds are not handled. */
  unsubscribe(): void;
}

export interface ChannelStats {
  readonly id: number;
  readonly sent: number;
  readonly received: number;
  readonly decodeErrors: number;
  readonly handlerErrors: number;
  readonly drops: Readonly<Record<string, number>>;
  readonly queueLength: number;
}

/** Router-owned runtime of one open channel. */
export class ChannelRuntime<Outer, Inner> implements ChannelHandle<Inner> {
  readonly id: number;
  readonly queue: Queue<QueuedInbound<Inner>>;
  readonly outbound = new Subject<OutboundEnvelope<Inner>>();
  readonly errors = new Subject<PeerError>();
  private readonly inboundSubject = new Subject<InboundEnvelope<Inner>>();
  readonly inbound: Observable<InboundEnvelope<Inner>> = this.inboundSubject.asObservable();
  private readonly drops = new DropCounter();
  private sent = 0;
  private received = 0;
  private decodeErrors = 0;
  private handlerErrors = 0;
  private deliverLoop?: Promise<void>;
  /** Blocking consumers: delivery waits while any of them is full. */
  private readonly gates = new Set<BoundedConsumer<InboundEnvelope<Inner>>>();

  constructor(
    readonly definition: ChannelDefinition<Outer, Inner>,
    private readonly routes: ChannelRoutes,
    queues: QueueFactory,
    private readonly onLoopError: (error: Error) => void,
  ) {
    this.id = definition.id;
    this.queue = queues.create<QueuedInbound<Inner>>({
      capacity: definition.recvQueueCapacity,
      channels: [{ id: definition.id, priority: definition.priority }],
      label: `channel:${definition.name}`,
    });
    this.outbound.subscribe({
      next: (envelope) => {
        // Nobody waits on next() to hear of a message that cannot be encoded; RxJS would rethrow it
        // as an uncaught exception. Count it instead.
        try {
          if (envelope.broadcast) this.broadcast(envelope.message);
          else this.send(envelope.to, envelope.message);
        } catch (error) {
          this.drops.count('unencodable');
          this.onLoopError(toError(error));
        }
      },
    });
    this.errors.subscribe({ next: (error) => this.routes.peerError({ ...error, channelId: this.id }) });
  }

  encode(message: Inner): Uint8Array {
    const def = this.definition;
    const outer = def.wrapper ? def.wrapper.wrap(message) : (message as unknown as Outer);
    return messageEncoder.encode(def.messageType, outer);
  }

  /** Decodes and unwraps bytes from a peer; throws MessageDecodeError or UnwrapError. */
  decode(from: NodeID, bytes: Uint8Array, sender?: MessageSender): QueuedInbound<Inner> {
    const def = this.definition;
    let outer: Outer;
    try {
      outer = def.messageType.decode(bytes);
    } catch (cause) {
      this.decodeErrors++;
      throw new MessageDecodeError(`undecodable message on channel ${def.name} from ${from}: ${toError(cause).message}`, { cause });
    }
    let message: Inner;
    try {
      message = def.wrapper ? def.wrapper.unwrap(outer) : (outer as unknown as Inner);
    } catch (error) {
      this.decodeErrors++;
      throw error;
    }
    return { from, channelId: this.id, message, size: bytes.length, sender };
  }

  send(to: NodeID, message: Inner): SendOutcome {
    if (this.queue.isClosed) return this.countOutcome('channel-closed');
    return this.countOutcome(this.routes.unicast(this.id, to, this.encode(message)));
  }

  async sendWhenRoom(to: NodeID, message: Inner, signal?: AbortSignal): Promise<SendOutcome> {
    if (this.queue.isClosed) return this.countOutcome('channel-closed');
    return this.countOutcome(await this.routes.unicastWhenRoom(this.id, to, this.encode(message), signal));
  }

  broadcast(message: Inner): number {
    if (this.queue.isClosed) {
      this.countOutcome('channel-closed');
      return 0;
    }
    const n = this.routes.broadcast(this.id, this.encode(message));
    this.sent += n;
    return n;
  }

  /** Starts delivering queued inbound messages to subscribers. */
  start(): void {
    this.deliverLoop ??= this.deliver();
  }

  /** Closes the channel: no more sends, queued inbound messages are dropped, subscribers complete. */
  async close(): Promise<void> {
    this.queue.close();
    for (const gate of this.gates) gate.release();
    await this.deliverLoop;
    for (let m = this.queue.tryDequeue(); m; m = this.queue.tryDequeue()) this.drops.count('channel-closed');
    this.inboundSubject.complete();
    this.outbound.complete();
    this.errors.complete();
  }

  stats(): ChannelStats {
    return {
      id: this.id,
      sent: this.sent,
      received: this.received,
      decodeErrors: this.decodeErrors,
      handlerErrors: this.handlerErrors,
      drops: this.drops.snapshot(),
      queueLength: this.queue.length,
    };
  }

  consume(handler: (envelope: InboundEnvelope<Inner>) => unknown, options?: ConsumeOptions): ChannelConsumer {
    const guarded = (envelope: InboundEnvelope<Inner>) => {
      // Waiting in the consumer's buffer while its peer faulted: drop it like the queue does.
      if (this.fromFaulted(envelope)) return undefined;
      return handler(envelope);
    };
    const consumer = new BoundedConsumer<InboundEnvelope<Inner>>(guarded, options, {
      onError: (error) => {
        this.handlerErrors++;
        this.onLoopError(toError(error));
      },
      onDrop: () => this.drops.count('consumer-overflow'),
    });
    const subscription = this.inboundSubject.subscribe((envelope) => consumer.push(envelope));
    if (consumer.options.overflow === 'block') this.gates.add(consumer);
    return {
      stats: () => consumer.stats(),
      unsubscribe: () => {
        subscription.unsubscribe();
        this.gates.delete(consumer);
        consumer.release();
      },
    };
  }

  /** Called by reactor wiring when a subscriber threw, so the error is counted. */
  countHandlerError(): void {
    this.handlerErrors++;
  }

  // Drains bursts synchronously and only awaits when the queue is empty.
  private async deliver(): Promise<void> {
    for (;;) {
      // A full blocking consumer holds delivery; the queue then fills and the router parks.
      for (const gate of this.gates) {
        while (gate.full) await gate.room();
      }
      // Closing releases the gates; what is still queued then is close()'s to drop, not ours to deliver.
      if (this.queue.isClosed) return;
      let item = this.queue.tryDequeue();
      if (item === undefined) {
        try {
          item = await this.queue.dequeue();
        } catch (error) {
          // A closed queue ends the loop whatever it threw, so the loop can never spin on it.
          if (this.queue.isClosed || isErrorNamed(error, 'QueueClosedError')) return;
          this.onLoopError(toError(error));
          // A queue that fails every dequeue must not keep the event loop from turning.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      }
      if (this.fromFaulted(item)) continue;
      this.received++;
      try {
        this.inboundSubject.next(item);
      } catch (error) {
        this.handlerErrors++;
        this.onLoopError(toError(error));
      }
    }
  }

  /** Whether the message's peer caused a fatal error since it was queued; such a message is dropped, counted. */
  private fromFaulted(envelope: InboundEnvelope<Inner>): boolean {
    if ((envelope as QueuedInbound<Inner>).sender?.faulted !== true) return false;
    this.drops.count('sender-faulted');
    return true;
  }

  private countOutcome(outcome: SendOutcome): SendOutcome {
    if (outcome === 'queued') this.sent++;
    else this.drops.count(outcome);
    return outcome;
  }
}
