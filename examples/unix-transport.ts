import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortError, isNodeID, type NodeKey } from 'tmp2p';
import {
  ConnectionClosedError, DelimitedReader, DialError, HandshakeError, MAX_NODE_INFO_SIZE, Plugin, ProtocolViolationError, TOKENS,
  TransportClosedError, decodeNodeInfo, encodeDelimited, encodeNodeInfo, encodeUvarint, inject, injectable, optional,
  type Connection, type ConnectionMessage, type Endpoint, type HandshakeOptions, type HandshakeResult, type NodeInfo, type Transport,
} from 'tmp2p/plugins';

/** DI token of the socket directory (default: `<tmpdir>/tmp2p-unix`). */
export const SOCKET_DIR = Symbol.for('example.unix-transport.socket-dir');

const PROTOCOL = 'unix';
/** Accepted sockets waiting for the router; more are closed at once. */
const MAX_PENDING = 64;
/** Received bytes held for the router before the socket stops being read. */
const INBOX_BYTES = 1024 * 1024;
/** Bytes queued on the socket before `trySend` reports full. */
const SEND_BUFFER_BYTES = 1024 * 1024;
const CHALLENGE_BYTES = 32;
const DOMAIN = Buffer.from('tmp2p-example-unix-transport/v1');

const socketPath = (dir: string, nodeId: string) => join(dir, `${nodeId}.sock`);

/**
 * A transport between nodes on one host over Unix domain sockets. Every node
 * listens at `<dir>/<node id>.sock`, so the address `unix:<node id>` is
 * enough to dial it. Frames are a uvarint length and a body (tmp2p/plugins'
 * DelimitedReader reads them, refusing a frame over its bound before
 * buffering it). The
 * handshake proves each side's key: both send 32 random bytes, then their
 * public key, their NodeInfo and an ed25519 signature over the other side's
 * random bytes and that NodeInfo. Nothing is encrypted: the bytes never
 * leave the host, and the directory's permissions decide who may connect.
 */
@Plugin('transport', 'unix')
@injectable()
export default class UnixTransport implements Transport {
  readonly name = 'unix';
  readonly counts = { accepted: 0, dialed: 0, refused: 0 };
  private server: Server | undefined;
  private readonly pending: UnixConnection[] = [];
  private readonly arrivals: Wake[] = [];
  private isClosed = false;

  constructor(
    @inject(TOKENS.NodeKey) private readonly key: NodeKey,
    // Bind SOCKET_DIR with createNode's `configure` to choose the directory.
    @inject(SOCKET_DIR) @optional() private readonly dir: string = join(tmpdir(), 'tmp2p-unix'),
  ) {}

  protocols(): readonly string[] {
    return [PROTOCOL];
  }

  endpoints(): readonly Endpoint[] {
    return this.server === undefined ? [] : [{ protocol: PROTOCOL, path: this.key.nodeId }];
  }

  async listen(signal?: AbortSignal): Promise<void> {
    if (this.isClosed) throw new TransportClosedError('the unix transport is closed');
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = socketPath(this.dir, this.key.nodeId);
    await rm(path, { force: true }); // left behind by a node that did not stop cleanly
    const server = createServer((socket) => this.onSocket(socket));
    await settle<void>(signal, (resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
      return () => server.off('error', reject);
    });
    server.on('error', () => {}); // accept errors (EMFILE) cost the one connection, not the listener
    this.server = server;
  }

  async accept(signal?: AbortSignal): Promise<Connection> {
    for (;;) {
      if (this.isClosed) throw new TransportClosedError('the unix transport is closed');
      const next = this.pending.shift();
      if (next !== undefined) return next;
      await park(this.arrivals, signal);
    }
  }

  async dial(endpoint: Endpoint, signal?: AbortSignal): Promise<Connection> {
    if (this.isClosed) throw new TransportClosedError('the unix transport is closed');
    const nodeId = endpoint.path ?? '';
    if (endpoint.protocol !== PROTOCOL || !isNodeID(nodeId)) throw new DialError(`the unix transport dials unix:<node id>, not ${JSON.stringify(endpoint)}`);
    const socket = createConnection(socketPath(this.dir, nodeId));
    try {
      await settle<void>(signal, (resolve, reject) => {
        const onError = (err: Error) => reject(new DialError(`dialing unix:${nodeId} failed: ${err.message}`, { cause: err }));
        socket.once('connect', resolve).once('error', onError);
        return () => socket.off('connect', resolve).off('error', onError);
      });
    } catch (err) {
      socket.destroy();
      throw err;
    }
    this.counts.dialed++;
    return new UnixConnection(socket, { protocol: PROTOCOL, path: this.key.nodeId }, { protocol: PROTOCOL, path: nodeId });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.server?.close();
    for (const connection of this.pending.splice(0)) connection.close(new TransportClosedError('the unix transport closed'));
    wakeAll(this.arrivals);
    if (this.server !== undefined) await rm(socketPath(this.dir, this.key.nodeId), { force: true });
  }

  private onSocket(socket: Socket): void {
    if (this.isClosed || this.pending.length >= MAX_PENDING) {
      this.counts.refused++;
      socket.destroy();
      return;
    }
    this.counts.accepted++;
    // The dialer's ID is not known before the handshake; the router learns it from there.
    this.pending.push(new UnixConnection(socket, { protocol: PROTOCOL, path: this.key.nodeId }, { protocol: PROTOCOL, path: 'inbound' }));
    wakeAll(this.arrivals);
  }
}

class UnixConnection implements Connection {
  /** Nothing may arrive before the handshake starts: a bound of 0 until then. */
  private readonly frames = new DelimitedReader(0, { what: 'unix transport frame' });
  private framesRead = 0;
  private largestMessage = 0;
  private readonly handshakeFrames: Uint8Array[] = [];
  private readonly inbox: ConnectionMessage[] = [];
  private inboxBytes = 0;
  private readonly readers: Wake[] = [];
  private readonly writers: Wake[] = [];
  private handshakeStarted = false;
  private handshakeDone = false;
  private closeReason: Error | undefined;
  private resolveClosed!: (reason: Error | undefined) => void;
  readonly closed = new Promise<Error | undefined>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly socket: Socket,
    readonly localEndpoint: Endpoint,
    readonly remoteEndpoint: Endpoint,
  ) {
    socket.on('drain', () => wakeAll(this.writers));
    socket.on('error', (err) => this.close(new ConnectionClosedError(`unix socket failed: ${err.message}`, { cause: err })));
    socket.on('close', () => this.close(new ConnectionClosedError('connection closed by the remote')));
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  // #region handshake
  async handshake(nodeInfo: NodeInfo, key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult> {
    if (this.handshakeStarted) throw new HandshakeError('handshake already performed on this connection');
    this.handshakeStarted = true;
    // Nothing is read before this point, so every frame is bounded by what it may be: the two
    // handshake frames by their size, each message by the largest a channel of ours accepts.
    this.largestMessage = Math.max(0, ...options.channels.map((channel) => channel.recvMessageCapacity));
    this.frames.maxSize = CHALLENGE_BYTES;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));

    const challenge = randomBytes(CHALLENGE_BYTES);
    this.writeFrame(challenge);
    const theirChallenge = await this.handshakeFrame(options.signal);
    if (theirChallenge.length !== CHALLENGE_BYTES) throw this.fail(`the peer's challenge has ${theirChallenge.length} bytes, not ${CHALLENGE_BYTES}`);

    const ours = encodeNodeInfo(nodeInfo);
    this.writeFrame(Buffer.concat([key.publicKey, key.sign(Buffer.concat([DOMAIN, theirChallenge, ours])), ours]));
    const identity = await this.handshakeFrame(options.signal);
    if (identity.length < 96) throw this.fail(`the peer's identity frame has ${identity.length} bytes, fewer than a key and a signature`);
    const publicKey = identity.subarray(0, 32);
    const theirs = identity.subarray(96);
    if (!verifyEd25519(publicKey, Buffer.concat([DOMAIN, challenge, theirs]), identity.subarray(32, 96))) {
      throw this.fail('the peer did not prove that it holds its key: bad signature');
    }
    let remoteInfo: NodeInfo;
    try {
      remoteInfo = decodeNodeInfo(theirs);
    } catch (cause) {
      throw this.fail(`the peer's NodeInfo does not decode: ${(cause as Error).message}`, cause);
    }
    this.handshakeDone = true;
    // The router checks the rest: node ID = hash of this key, dialed ID, network, channels.
    return { nodeInfo: remoteInfo, publicKey: Uint8Array.from(publicKey) };
  }
  // #endregion handshake

  receive(signal?: AbortSignal): Promise<ConnectionMessage> {
    const message = this.tryReceive();
    return message !== undefined ? Promise.resolve(message) : this.receiveSlow(signal);
  }

  tryReceive(): ConnectionMessage | undefined {
    const message = this.inbox.shift();
    if (message === undefined) return undefined;
    this.inboxBytes -= message.bytes.length;
    if (this.inboxBytes < INBOX_BYTES / 2 && this.socket.isPaused() && !this.isClosed) this.socket.resume();
    return message;
  }

  trySend(channelId: number, bytes: Uint8Array): boolean {
    if (this.isClosed || !this.handshakeDone || this.socket.writableLength >= SEND_BUFFER_BYTES) return false;
    this.socket.write(Buffer.concat([encodeUvarint(bytes.length + 1), Uint8Array.of(channelId), bytes]));
    return true;
  }

  async writable(signal?: AbortSignal): Promise<void> {
    while (!this.isClosed && this.socket.writableLength >= SEND_BUFFER_BYTES) await park(this.writers, signal);
  }

  close(reason?: Error): void {
    if (this.isClosed) return;
    this.closeReason = reason ?? new ConnectionClosedError();
    this.socket.destroy();
    wakeAll(this.readers);
    wakeAll(this.writers);
    this.resolveClosed(reason);
  }

  private onData(chunk: Buffer): void {
    try {
      this.frames.push(chunk);
      for (let frame = this.frames.next(); frame !== undefined; frame = this.frames.next()) {
        if (++this.framesRead <= 2) {
          this.handshakeFrames.push(frame);
          // The identity frame next, then messages up to the largest a channel of ours accepts.
          this.frames.maxSize = this.framesRead === 1 ? 96 + MAX_NODE_INFO_SIZE : 1 + this.largestMessage;
        } else {
          if (frame.length === 0) throw new ProtocolViolationError('empty message frame: no channel byte');
          this.inbox.push({ channelId: frame[0]!, bytes: frame.subarray(1) });
          this.inboxBytes += frame.length - 1;
        }
      }
    } catch (err) {
      this.close(err as Error);
      return;
    }
    wakeAll(this.readers);
    // Backpressure: stop reading until the router has taken what is here.
    if (this.inboxBytes >= INBOX_BYTES) this.socket.pause();
  }

  private async handshakeFrame(signal?: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      const frame = this.handshakeFrames.shift();
      if (frame !== undefined) return frame;
      if (this.closeReason !== undefined) throw new HandshakeError('connection closed during the handshake', { cause: this.closeReason });
      await park(this.readers, signal);
    }
  }

  private async receiveSlow(signal?: AbortSignal): Promise<ConnectionMessage> {
    for (;;) {
      const message = this.tryReceive();
      if (message !== undefined) return message;
      if (this.closeReason !== undefined) throw this.closeReason;
      await park(this.readers, signal);
    }
  }

  private writeFrame(body: Uint8Array): void {
    this.socket.write(encodeDelimited(body));
  }

  private fail(message: string, cause?: unknown): HandshakeError {
    const error = new HandshakeError(message, cause === undefined ? undefined : { cause });
    this.close(error);
    return error;
  }
}

function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
}

type Wake = () => void;

/** Waits until `wakeAll(list)`; rejects when `signal` aborts. */
function park(list: Wake[], signal?: AbortSignal): Promise<void> {
  return settle<void>(signal, (resolve) => {
    const wake = () => resolve();
    list.push(wake);
    return () => {
      const index = list.indexOf(wake);
      if (index >= 0) list.splice(index, 1);
    };
  });
}

function wakeAll(list: Wake[]): void {
  for (const wake of list.splice(0)) wake();
}

/**
 * A promise that `start` settles, or that rejects with the signal's reason
 * when it aborts first. `start` returns what to undo once either happens.
 */
function settle<T>(signal: AbortSignal | undefined, start: (resolve: (value: T) => void, reject: (err: Error) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    let settled = false;
    let undo = () => {};
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      undo();
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => finish(() => reject(abortReason(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    undo = start(
      (value) => finish(() => resolve(value)),
      (err) => finish(() => reject(err)),
    );
    if (settled) undo();
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortError('aborted', { cause: signal.reason });
}
