import type { Endpoint } from '../../../framework/address/endpoint.js';
import type { NodeInfo } from '../../../framework/identity/node-info.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import type { Connection, ConnectionMessage, HandshakeOptions, HandshakeResult } from '../../../framework/transport/transport.js';
import { ConnectionClosedError, HandshakeError } from '../../../framework/transport/errors.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { raceSignal } from '../../../framework/util/abort.js';

/**
 * One end of an in-process connection. Each end owns a bounded inbox; the
 * other end writes into it, and `trySend` reports false when it is full —
 * the memory transport has the same backpressure as a socket.
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

  constructor(
    readonly localEndpoint: Endpoint,
    readonly remoteEndpoint: Endpoint,
    private readonly capacity: number,
  ) {}

  /** Connects two ends; called by the network when a dial is accepted. */
  static pair(a: MemoryConnection, b: MemoryConnection): void {
    a.remote = b;
    b.remote = a;
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  async handshake(nodeInfo: NodeInfo, key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult> {
    if (this.handshakeSent) throw new HandshakeError('handshake already performed on this connection');
    this.handshakeSent = true;
    if (this.isClosed) throw new HandshakeError('connection closed before the handshake', { cause: this.closeReason });
    // No crypto: the in-process peer is trusted to be who it says, which is the point of this transport.
    this.remote.receiveHello({ nodeInfo, publicKey: key.publicKey });
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
    if (this.isClosed) return false;
    return this.remote.deliver({ channelId, bytes });
  }

  async writable(signal?: AbortSignal): Promise<void> {
    if (this.isClosed || this.remote.hasRoom()) return;
    await this.remote.room.wait(signal);
  }

  close(reason?: Error): void {
    if (this.isClosed) return;
    this.closeReason = reason ?? new ConnectionClosedError();
    this.wakeEverything();
    this.remote?.remoteClosed();
    this.resolveClosed(reason);
  }

  // ---- called by the other end ----

  private receiveHello(hello: HandshakeResult): void {
    this.remoteHello = hello;
    this.helloArrived.wakeAll();
  }

  private hasRoom(): boolean {
    return this.isClosed || this.inbox.length < this.capacity;
  }

  private deliver(message: ConnectionMessage): boolean {
    if (this.isClosed) return true; // like a socket: bytes to a closed peer vanish; the sender learns via close
    if (this.inbox.length >= this.capacity) return false;
    this.inbox.push(message);
    this.readable.wakeOne();
    return true;
  }

  private remoteClosed(): void {
    if (this.isClosed) return;
    // Messages already delivered stay readable, then receive() reports the close, as a socket would.
    this.closeReason = new ConnectionClosedError('connection closed by the remote');
    this.wakeEverything();
    this.resolveClosed(undefined);
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
