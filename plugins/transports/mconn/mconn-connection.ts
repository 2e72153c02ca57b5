import type { Socket } from 'node:net';
import type { Endpoint } from '../../../framework/address/endpoint.js';
import type { NodeInfo } from '../../../framework/identity/node-info.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import { P2PError } from '../../../framework/errors/base.js';
import type {
  ChannelDescriptor,
  Connection,
  ConnectionMessage,
  HandshakeOptions,
  HandshakeResult,
} from '../../../framework/transport/transport.js';
import { ConnectionClosedError, HandshakeError } from '../../../framework/transport/errors.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { reasonOf } from '../../../framework/util/abort.js';
import { MConnection } from './mconnection/mconnection.js';
import { threadBusyPoller } from './mconnection/busy-poll.js';
import { UnknownChannelError } from './mconnection/errors.js';
import { orderlyCloseError } from './errors.js';
import type { MConnectionStats } from './mconnection/types.js';
import { makeSecretConnection } from './secret-connection/make-secret-connection.js';
import type { SecretConnection } from './secret-connection/secret-connection.js';
import { encodeNodeInfoMessage, nodeInfoFromInitial, receiveNodeInfo } from './node-info-exchange.js';
import type { ResolvedMConnTransportOptions } from './options.js';

/** Channels before the handshake: none (shared, never changed). */
const NO_CHANNELS: ReadonlySet<number> = new Set();

/**
 * Stand-in channel for a node that has no channels open: MConnection needs
 * at least one. It is never advertised or sent on, and a message arriving on
 * it closes the connection like any unknown channel (a 1-byte capacity keeps
 * a peer from making us buffer anything for it).
 */
const PLACEHOLDER_CHANNEL: ChannelDescriptor = { id: 0xff, priority: 1, sendQueueCapacity: 1, recvBufferCapacity: 1, recvMessageCapacity: 1 };

export interface MConnConnectionStats {
  /** Messages waiting in the inbox for receive(). */
  readonly inboxLength: number;
  readonly inboxBytes: number;
  /** Whether socket reading is paused because the inbox is full. */
  readonly readingPaused: boolean;
  /** trySend calls dropped because the remote did not advertise the channel (CometBFT would disconnect us). */
  readonly droppedUnadvertised: number;
  /** trySend calls dropped because the channel was not open locally when the connection was set up. */
  readonly droppedUnknownLocal: number;
  /** Undefined until the handshake has completed. */
  readonly mconnection?: MConnectionStats;
}

/**
 * One TCP connection speaking CometBFT's stack: SecretConnection, then the
 * NodeInfo exchange, then MConnection (wire-protocol §1-§3). Identity and
 * compatibility are the router's business; `handshake` only exchanges.
 *
 * Receiving: MConnection delivers complete messages into a bounded inbox;
 * when it fills, reading pauses, so TCP backpressure reaches the sender, and
 * it resumes once drained below half. Sending delegates to MConnection's
 * bounded per-channel queues. Any failure (decryption, framing, packet size,
 * unknown channel, oversized message, pong timeout, EOF) closes the
 * connection and becomes the error receive() rejects with and `closed`
 * resolves with.
 *
 * Channels the remote did not list in its NodeInfo are never written to —
 * CometBFT drops a connection on a packet for a channel it lacks (§10.7) —
 * but trySend reports such a message as taken (and counts it) rather than
 * false, because false means "full, wait for writable()" to the router, and
 * that wait would never end.
 */
export class MConnConnection implements Connection {
  readonly closed: Promise<Error | undefined>;

  private readonly inbox = new RingBuffer<ConnectionMessage>();
  private inboxBytes = 0;
  private readingPaused = false;
  private readonly readable = new Waiters();
  private readonly ready = new Waiters();
  private handshakeState: 'none' | 'running' | 'done' = 'none';
  private secret: SecretConnection | undefined;
  private mconn: MConnection | undefined;
  private localChannels: ReadonlySet<number> = NO_CHANNELS;
  private remoteChannels: ReadonlySet<number> = NO_CHANNELS;
  private droppedUnadvertised = 0;
  private droppedUnknownLocal = 0;
  private closeReason: Error | undefined;
  /** What `closed` resolves with: undefined for a plain local close(). */
  private closedWith: Error | undefined;
  private socketClosed = false;
  private resolveClosed!: (reason: Error | undefined) => void;
  private local: Endpoint | (() => Endpoint);

  constructor(
    private readonly socket: Socket,
    /**
     * Our end's address, or how to read it from the socket when first asked:
     * a getsockname() call that most connections never need. Read lazily, it
     * is unknown (ip "") once the socket has closed.
     */
    localEndpoint: Endpoint | (() => Endpoint),
    readonly remoteEndpoint: Endpoint,
    private readonly options: ResolvedMConnTransportOptions,
    /** Accepted by our listener (not dialed): the handshake then sends our ephemeral key with our signature (see `deferEphemeralKey`). Default false. */
    private readonly accepted = false,
  ) {
    this.local = localEndpoint;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // Kept for the socket's lifetime: an 'error' without a listener would crash the process.
    socket.on('error', this.onSocketError);
    socket.once('close', this.onSocketClose);
    if (socket.destroyed) queueMicrotask(this.onSocketClose);
  }

  get localEndpoint(): Endpoint {
    if (typeof this.local === 'function') this.local = this.local();
    return this.local;
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  async handshake(nodeInfo: NodeInfo, key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult> {
    if (this.handshakeState !== 'none') throw new HandshakeError('handshake already performed on this connection');
    if (this.closeReason !== undefined) throw new HandshakeError('connection closed before the handshake', { cause: this.closeReason });
    this.handshakeState = 'running';
    // The caller's signal aborts the phases; close() aborts them by destroying the socket, which
    // fails the phase under way (no signal of our own: a connection costs one AbortController less).
    const signal = options.signal;
    const timeoutMs = this.options.handshakePhaseTimeoutMs;
    try {
      // Our NodeInfo rides in the socket write of our AuthSigMessage (same bytes as a write of its own
      // after the handshake, one write less); NodeInfo is what any peer that connects may see.
      const ours = encodeNodeInfoMessage(nodeInfo);
      // busy_poll covers the handshake's round trips too (until MConnection's own reads and writes take over).
      const pollUs = this.options.mconnection.busyPollUs;
      const keepPolling = pollUs > 0 ? () => threadBusyPoller.touch(pollUs) : undefined;
      keepPolling?.();
      const secret = await makeSecretConnection(this.socket, key, {
        signal,
        timeoutMs,
        sendWithAuthSig: ours,
        keepInitialData: true,
        deferEphemeralKey: this.accepted,
        afterEachRead: keepPolling,
      });
      this.secret = secret;
      // The remote's NodeInfo usually came in the chunk that carried its AuthSigMessage: read it
      // from there; only when it is incomplete is the stream read (with its own deadline).
      const initial = secret.takeInitialData();
      const { nodeInfo: remote, rest } = nodeInfoFromInitial(initial) ?? (await receiveNodeInfo(secret, { signal, timeoutMs, initial }));
      this.startMConnection(secret, options.channels, remote, rest);
      this.handshakeState = 'done';
      this.ready.wakeAll();
      return { nodeInfo: remote, publicKey: secret.remotePublicKey };
    } catch (err) {
      const error = this.handshakeFailure(err, signal);
      this.close(error);
      throw error;
    }
  }

  receive(signal?: AbortSignal): Promise<ConnectionMessage> {
    const message = this.tryReceive();
    if (message !== undefined) return Promise.resolve(message);
    return this.receiveSlow(signal);
  }

  tryReceive(): ConnectionMessage | undefined {
    const message = this.inbox.shift();
    if (message === undefined) return undefined;
    this.inboxBytes -= message.bytes.length;
    if (this.readingPaused && this.inbox.length <= this.options.inboxCapacity / 2 && this.inboxBytes <= this.options.inboxCapacityBytes / 2) {
      this.readingPaused = false;
      this.mconn?.resumeReading();
    }
    return message;
  }

  trySend(channelId: number, bytes: Uint8Array): boolean {
    const mconn = this.mconn;
    if (this.closeReason !== undefined || mconn === undefined) return false;
    if (!this.remoteChannels.has(channelId)) {
      this.droppedUnadvertised++;
      return true;
    }
    if (!this.localChannels.has(channelId)) {
      this.droppedUnknownLocal++;
      return true;
    }
    return mconn.trySend(channelId, bytes);
  }

  async writable(signal?: AbortSignal): Promise<void> {
    while (this.closeReason === undefined && this.mconn === undefined) await this.ready.wait(signal);
    if (this.closeReason !== undefined || this.mconn === undefined) return;
    await this.mconn.writable(signal);
  }

  close(reason?: Error): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason ?? orderlyCloseError();
    this.closedWith = reason;
    // Receivers first, so a receive loop learns the real reason before a send loop sees "closed".
    this.readable.wakeAll();
    this.ready.wakeAll();
    if (this.mconn !== undefined) this.mconn.close(reason);
    else {
      this.secret?.destroy();
      this.socket.destroy();
    }
    this.settleClosed();
  }

  /** The remote's ed25519 key; undefined before the SecretConnection handshake completed. */
  get remotePublicKey(): Uint8Array | undefined {
    return this.secret?.remotePublicKey;
  }

  stats(): MConnConnectionStats {
    return {
      inboxLength: this.inbox.length,
      inboxBytes: this.inboxBytes,
      readingPaused: this.readingPaused,
      droppedUnadvertised: this.droppedUnadvertised,
      droppedUnknownLocal: this.droppedUnknownLocal,
      mconnection: this.mconn?.stats(),
    };
  }

  toString(): string {
    return `mconn ${this.remoteEndpoint.ip}:${this.remoteEndpoint.port ?? 0}`;
  }

  // ---- internals ----

  private startMConnection(secret: SecretConnection, channels: readonly ChannelDescriptor[], remote: NodeInfo, rest: Uint8Array): void {
    const local = localChannelsOf(channels);
    this.localChannels = local.ids;
    this.remoteChannels = new Set(remote.channels);
    this.mconn = new MConnection(secret, {
      ...this.options.mconnection,
      channels: local.descriptors,
      initialBytes: rest,
      onMessage: this.onMessage,
      onClose: this.onMConnectionClose,
    });
    // The NodeInfo exchange left the stream paused; MConnection reads from here on.
    secret.resume();
  }

  private readonly onMessage = (channelId: number, bytes: Uint8Array): void => {
    if (!this.localChannels.has(channelId)) {
      this.close(new UnknownChannelError(channelId));
      return;
    }
    this.inbox.push({ channelId, bytes });
    this.inboxBytes += bytes.length;
    this.readable.wakeOne();
    if (!this.readingPaused && (this.inbox.length >= this.options.inboxCapacity || this.inboxBytes >= this.options.inboxCapacityBytes)) {
      this.readingPaused = true;
      this.mconn?.pauseReading();
    }
  };

  private readonly onMConnectionClose = (reason: Error | undefined): void => {
    if (this.closeReason !== undefined) return;
    const error = unwrapStreamError(reason) ?? orderlyCloseError('connection closed');
    this.closeReason = error;
    this.closedWith = error;
    this.readable.wakeAll();
    this.ready.wakeAll();
    this.settleClosed();
  };

  private readonly onSocketError = (): void => {
    // The layers above see the failure as a close and report it with context.
  };

  private readonly onSocketClose = (): void => {
    if (this.socketClosed) return;
    this.socketClosed = true;
    // During the handshake its own EOF error is more precise; after it, MConnection
    // first delivers what it already read, then reports the close.
    if (this.handshakeState === 'none') this.close(new ConnectionClosedError('socket closed before the handshake'));
    this.settleClosed();
  };

  private settleClosed(): void {
    if (this.socketClosed && this.closeReason !== undefined) this.resolveClosed(this.closedWith);
  }

  private handshakeFailure(err: unknown, external: AbortSignal | undefined): Error {
    if (external?.aborted) return reasonOf(external);
    if (this.closeReason !== undefined) {
      return new HandshakeError('connection closed during the handshake', { cause: this.closeReason });
    }
    if (err instanceof P2PError) return err;
    return new HandshakeError(`handshake failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }

  private async receiveSlow(signal?: AbortSignal): Promise<ConnectionMessage> {
    for (;;) {
      const message = this.tryReceive();
      if (message !== undefined) return message;
      if (this.closeReason !== undefined) throw this.closeReason;
      await this.readable.wait(signal);
    }
  }
}

interface LocalChannels {
  /** Copies of the descriptors (the placeholder when there are none), frozen. */
  readonly descriptors: readonly ChannelDescriptor[];
  readonly ids: ReadonlySet<number>;
}

/**
 * By frozen channel list: a router hands every handshake the same frozen
 * array until a channel opens, so the copies are made once, not per connection.
 */
const localChannelCache = new WeakMap<readonly ChannelDescriptor[], LocalChannels>();

/** The descriptors MConnection gets and their ids, copied once per channel list (callers' objects may change later). */
function localChannelsOf(channels: readonly ChannelDescriptor[]): LocalChannels {
  let local = localChannelCache.get(channels);
  if (local !== undefined) return local;
  const descriptors = channels.map(
    (c): ChannelDescriptor =>
      Object.freeze({
        id: c.id,
        priority: c.priority,
        sendQueueCapacity: c.sendQueueCapacity,
        recvBufferCapacity: c.recvBufferCapacity,
        recvMessageCapacity: c.recvMessageCapacity,
      }),
  );
  local = { descriptors: Object.freeze(descriptors.length > 0 ? descriptors : [PLACEHOLDER_CHANNEL]), ids: new Set(descriptors.map((c) => c.id)) };
  if (Object.isFrozen(channels)) localChannelCache.set(channels, local);
  return local;
}

/**
 * MConnection reports a failing stream as ConnectionClosedError("stream
 * failed", cause); the cause (FrameDecryptionError, FrameLengthError, a
 * mid-frame close…) says what the peer did, so it is the reason we keep.
 */
function unwrapStreamError(reason: Error | undefined): Error | undefined {
  if (reason instanceof ConnectionClosedError && reason.cause instanceof P2PError) return reason.cause;
  return reason;
}
