import type { NodeID } from '../identity/node-id.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { ConnectionDirection } from '../peer/types.js';
import type { Queue } from '../queue/queue.js';
import type { Connection } from '../transport/transport.js';
import { ConnectionClosedError, MessageTooLargeError } from '../transport/errors.js';
import { P2PError, isErrorNamed, toError } from '../errors/base.js';
import type { ChannelRuntime } from './channel.js';
import type { PeerError } from './envelope.js';
import { DropCounter } from './drop-counter.js';
import type { ConnectionFaults } from '../logging/peer-faults.js';

/** A message encoded once and waiting in a peer's outbound queue. */
export interface OutboundItem {
  readonly channelId: number;
  readonly size: number;
  readonly bytes: Uint8Array;
}

/** A peer sent a message on a channel this node has not opened. */
export class UnknownChannelMessageError extends P2PError {
  override name = 'UnknownChannelMessageError';
}

/** The router closed the connection because the PeerManager chose to evict the peer. */
export class PeerEvictedError extends P2PError {
  override name = 'PeerEvictedError';
}

export interface PeerRouting {
  channel(id: number): ChannelRuntime<unknown, unknown> | undefined;
  peerError(error: PeerError): void;
}

/**
 * One routed peer: its connection, its bounded outbound queue, and the two
 * loops that move messages between them and the channels. Whichever loop ends
 * first tears the whole peer down, so a dead connection never leaves a
 * half-working peer behind.
 *
 * Once this side closes the peer, the receive loop stops before the next
 * message and what the connection had buffered is discarded undecoded
 * (counted as `closed-discard`). A fatal peer error (`fault()`) closes the
 * peer at once and also discards its messages already waiting in channel
 * queues (see `MessageSender`), so a hostile peer's burst costs one decode
 * and one error, not one per message. (A close by the remote still delivers
 * what arrived before it, e.g. a seed's answer before its hang-up.)
 */
export class PeerConnection {
  readonly channels: ReadonlySet<number>;
  readonly connectedAt = Date.now();
  readonly drops = new DropCounter();
  messagesSent = 0;
  messagesReceived = 0;
  /** Non-fatal errors this peer caused; the router disconnects it past a bound. */
  peerErrors = 0;
  /** Travels with each decoded message of this peer; `fault()` flips it. */
  private readonly sender = { faulted: false };
  /**
   * Made when a wait needs it (a full channel queue or connection). The waits
   * on the peer's own queue and connection need none: close() closes both,
   * which wakes them. Most peers never make one, and aborting one (an event
   * dispatch) cost more than the rest of a peer's teardown.
   */
  private abortController: AbortController | undefined;
  private closing = false;
  private closeReason?: Error;
  /** The loops ended before this side closed the peer: the remote (or the network) closed the connection. */
  private endedByRemote = false;

  constructor(
    readonly nodeId: NodeID,
    readonly direction: ConnectionDirection,
    readonly connection: Connection,
    readonly nodeInfo: NodeInfo,
    readonly queue: Queue<OutboundItem>,
    private readonly routing: PeerRouting,
    /** The errors this peer caused on this connection: the first is logged, the rest counted. */
    readonly faults: ConnectionFaults,
  ) {
    this.channels = new Set(nodeInfo.channels);
  }

  /** Runs both loops; resolves with the reason the peer went away. */
  async run(): Promise<Error | undefined> {
    await Promise.race([this.sendLoop(), this.receiveLoop()]);
    this.endedByRemote = !this.closing;
    const noted = this.closeReason;
    this.close(noted);
    const closedWith = await this.connection.closed.catch((error: unknown) => toError(error));
    // A loop may only have seen "connection closed"; the connection knows what really closed it.
    if (closedWith && (noted === undefined || isErrorNamed(noted, 'ConnectionClosedError'))) return closedWith;
    return noted;
  }

  /** Whether the connection ended without this side closing the peer first (known once run() resolved). */
  get closedByRemote(): boolean {
    return this.endedByRemote;
  }

  get faulted(): boolean {
    return this.sender.faulted;
  }

  /** The peer caused a fatal error: close it now, with `error` as the reason, and handle nothing more it sent. */
  fault(error: Error): void {
    if (this.sender.faulted) return;
    this.sender.faulted = true;
    this.close(error);
  }

  close(reason?: Error): void {
    this.closeReason ??= reason;
    if (!this.closing) {
      this.closing = true;
      this.abortController?.abort(reason);
    }
    this.queue.close();
    this.connection.close(reason);
  }

  hasChannel(channelId: number): boolean {
    return this.channels.has(channelId);
  }

  /** Aborted once this side closes the peer (with the first close's reason). */
  private get signal(): AbortSignal {
    const controller = (this.abortController ??= new AbortController());
    if (this.closing && !controller.signal.aborted) controller.abort(this.closeReason);
    return controller.signal;
  }

  private async sendLoop(): Promise<void> {
    const { queue, connection } = this;
    try {
      for (;;) {
        // close() closes the queue, which ends this wait with QueueClosedError.
        const item = queue.tryDequeue() ?? (await queue.dequeue());
        while (!connection.trySend(item.channelId, item.bytes)) {
          if (connection.isClosed) throw new ConnectionClosedError();
          await connection.writable(this.signal);
        }
        this.messagesSent++;
      }
    } catch (error) {
      this.noteEnd(error);
    }
  }

  private async receiveLoop(): Promise<void> {
    const { connection, routing, nodeId } = this;
    try {
      for (;;) {
        // close() closes the connection, which ends this wait.
        const msg = connection.tryReceive() ?? (await connection.receive());
        // Closed by this side (fault, eviction, stop): what it still buffered is not handled.
        if (this.closing) {
          this.discardBuffered();
          return;
        }
        const channel = routing.channel(msg.channelId);
        if (channel === undefined) {
          this.drops.count('unknown-channel');
          routing.peerError({
            nodeId,
            error: new UnknownChannelMessageError(`peer ${nodeId} sent a message on unknown channel ${msg.channelId}`),
          });
          continue;
        }
        const limit = channel.definition.recvMessageCapacity;
        if (msg.bytes.length > limit) {
          throw new MessageTooLargeError(
            `peer ${nodeId} sent ${msg.bytes.length} bytes on channel ${channel.definition.name}; the limit is ${limit}`,
            msg.bytes.length,
            limit,
            { channelId: msg.channelId },
          );
        }
        let envelope;
        try {
          envelope = channel.decode(nodeId, msg.bytes, this.sender);
        } catch (error) {
          this.drops.count('undecodable');
          routing.peerError({ nodeId, error: toError(error), fatal: true, channelId: msg.channelId });
          continue; // the next turn discards the rest: the router has faulted this peer
        }
        this.messagesReceived++;
        let outcome = channel.queue.tryEnqueue(envelope);
        // A full lossless queue parks this loop, which stops reading from the connection: backpressure.
        if (outcome === 'full') outcome = await channel.queue.enqueue(envelope, this.signal);
        if (outcome === 'full') this.drops.count('channel-queue-full');
        else if (outcome === 'closed') this.drops.count('channel-closed');
      }
    } catch (error) {
      // Closed by this side: the wait ended because of it (the close's reason is what counts).
      if (this.closing) return;
      if (isErrorNamed(error, 'QueueClosedError')) {
        // The channel closed (node stopping); the peer goes with it.
        this.noteEnd(new ConnectionClosedError('channel closed', { cause: error }));
        return;
      }
      this.noteEnd(error);
    }
  }

  /** Counts and drops, undecoded, what the connection still holds (bounded by its inbox). */
  private discardBuffered(): void {
    let n = 1; // the message in hand
    while (this.connection.tryReceive() !== undefined) n++;
    this.drops.count('closed-discard', n);
  }

  private noteEnd(error: unknown): void {
    if (isErrorNamed(error, 'AbortError') || isErrorNamed(error, 'QueueClosedError')) return;
    this.closeReason ??= toError(error);
  }
}
