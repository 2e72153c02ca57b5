import type { Endpoint, Protocol } from '../../framework/address/endpoint.js';
import { NodeAddress } from '../../framework/address/node-address.js';
import { NodeKey } from '../../framework/identity/node-key.js';
import type { NodeInfo } from '../../framework/identity/node-info.js';
import type { Connection, ConnectionMessage, HandshakeOptions, HandshakeResult, Transport } from '../../framework/transport/transport.js';
import { ConnectionClosedError, TransportClosedError } from '../../framework/transport/errors.js';
import { reasonOf } from '../../framework/util/abort.js';
import { makeNodeInfo } from './node-info.js';

/**
 * Scriptable stand-ins for the Transport/Connection contract
 * (framework/transport/transport.ts), for unit tests of the router: each
 * operation can answer, throw, hang (until its signal aborts or the
 * connection closes, as the contract requires) or close on cue, and every
 * call is recorded so a test can check what the router did.
 */

/** A remote node: its key and the NodeInfo it presents in handshakes. */
export interface FakePeer {
  readonly key: NodeKey;
  readonly nodeInfo: NodeInfo;
  readonly nodeId: NodeInfo['nodeId'];
  /** `memory:<id>`, dialable through a FakeTransport of protocol "memory". */
  readonly address: NodeAddress;
}

export const FAKE_NETWORK = 'fake-net';

/** A new remote identity on the fake network sharing `channels` (default 0x70). */
export function fakePeer(options: { channels?: number[]; network?: string; moniker?: string; version?: string } = {}): FakePeer {
  const key = NodeKey.generate();
  const nodeInfo = makeNodeInfo({
    nodeId: key.nodeId,
    listenAddr: 'tcp://127.0.0.1:26656',
    network: options.network ?? FAKE_NETWORK,
    version: options.version ?? 'fake',
    channels: Uint8Array.from(options.channels ?? [0x70]),
    moniker: options.moniker ?? 'fake-peer',
  });
  return { key, nodeInfo, nodeId: key.nodeId, address: NodeAddress.parse(`memory:${key.nodeId}`) };
}

/** How a connection answers the router's handshake. */
export type HandshakeScript =
  /** Answers as `peer` (default: the connection's remote peer). */
  | { readonly kind: 'answer'; readonly peer?: FakePeer; readonly nodeInfo?: NodeInfo }
  | { readonly kind: 'throw'; readonly error: Error }
  /** Never answers: settles only when its signal aborts or the connection closes. */
  | { readonly kind: 'hang' };

/** Settles when `signal` aborts (rejecting with its reason) or `release` is called. */
function parked<T>(signal: AbortSignal | undefined, onRelease: (release: (error: Error) => void) => void): Promise<T> {
  return new Promise<T>((_resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal!));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    onRelease((error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
  dispose(): void;
}

/** A promise parked until `settle` runs or `signal` aborts; the abort listener never outlives it. */
function waiter<T>(list: Set<Waiter<T>>, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(reasonOf(signal));
    const onAbort = () => {
      entry.dispose();
      reject(reasonOf(signal!));
    };
    const entry: Waiter<T> = {
      resolve: (value) => {
        entry.dispose();
        resolve(value);
      },
      reject: (error) => {
        entry.dispose();
        reject(error);
      },
      dispose: () => {
        list.delete(entry);
        signal?.removeEventListener('abort', onAbort);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    list.add(entry);
  });
}

export interface FakeConnectionOptions {
  /** Who answers the handshake; omit for a connection whose handshake is scripted to throw or hang. */
  readonly remote?: FakePeer;
  readonly handshake?: HandshakeScript;
  readonly remoteEndpoint?: Endpoint;
  readonly localEndpoint?: Endpoint;
}

export class FakeConnection implements Connection {
  readonly localEndpoint: Endpoint;
  readonly remoteEndpoint: Endpoint;
  readonly remote?: FakePeer;
  /** What the router sent, in order. */
  readonly sent: ConnectionMessage[] = [];
  /** The NodeInfo the router presented in its handshake. */
  presented?: NodeInfo;
  handshakeScript: HandshakeScript;
  private readonly inbox: ConnectionMessage[] = [];
  private readonly receivers = new Set<Waiter<ConnectionMessage>>();
  private readonly writers = new Set<Waiter<void>>();
  private readonly closeListeners = new Set<(error: Error) => void>();
  private receiveFailure?: Error;
  private sendFailure?: Error;
  private sendsBlocked = false;
  private closeReason?: Error;
  private resolveClosed!: (reason: Error | undefined) => void;
  readonly closed: Promise<Error | undefined> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(options: FakeConnectionOptions = {}) {
    this.remote = options.remote;
    this.handshakeScript = options.handshake ?? { kind: 'answer' };
    this.remoteEndpoint = options.remoteEndpoint ?? { protocol: 'memory', path: options.remote?.nodeId ?? 'unknown' };
    this.localEndpoint = options.localEndpoint ?? { protocol: 'memory', path: 'local' };
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** The reason the connection was closed with (router side or remote), if closed. */
  get closedWith(): Error | undefined {
    return this.closeReason;
  }

  /** Messages the remote sent that the router has not read yet. */
  get unread(): number {
    return this.inbox.length;
  }

  /** Calls parked in receive()/writable() right now. */
  get parkedCalls(): number {
    return this.receivers.size + this.writers.size;
  }

  // ---- the remote's side, driven by the test ----

  /** The remote sends a message. */
  deliver(channelId: number, bytes: Uint8Array): void {
    if (this.isClosed) return;
    const waiting = this.receivers.values().next();
    if (!waiting.done) waiting.value.resolve({ channelId, bytes });
    else this.inbox.push({ channelId, bytes });
  }

  /** The next receive() (or the one parked now) rejects with `error`, as a broken transport would. */
  failReceive(error: Error): void {
    const waiting = this.receivers.values().next();
    if (!waiting.done) waiting.value.reject(error);
    else this.receiveFailure = error;
  }

  /** trySend throws `error` from now on. */
  failSend(error: Error): void {
    this.sendFailure = error;
  }

  /** trySend reports "full" until unblockSends(). */
  blockSends(): void {
    this.sendsBlocked = true;
  }

  unblockSends(): void {
    this.sendsBlocked = false;
    for (const w of [...this.writers]) w.resolve();
  }

  /** The remote closes the connection. */
  hangUp(reason: Error = new ConnectionClosedError('connection closed by the remote')): void {
    this.close(reason);
  }

  // ---- Connection ----

  async handshake(nodeInfo: NodeInfo, _key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult> {
    this.presented = nodeInfo;
    if (this.isClosed) throw new ConnectionClosedError('closed before the handshake', { cause: this.closeReason });
    const script = this.handshakeScript;
    if (script.kind === 'throw') throw script.error;
    if (script.kind === 'hang') return parked(options.signal, (release) => this.closeListeners.add(release));
    const peer = script.peer ?? this.remote;
    if (peer === undefined) throw new Error('FakeConnection: no remote peer to answer the handshake as');
    return { nodeInfo: script.nodeInfo ?? peer.nodeInfo, publicKey: peer.key.publicKey };
  }

  receive(signal?: AbortSignal): Promise<ConnectionMessage> {
    const message = this.tryReceive();
    if (message !== undefined) return Promise.resolve(message);
    if (this.receiveFailure !== undefined) {
      const error = this.receiveFailure;
      this.receiveFailure = undefined;
      return Promise.reject(error);
    }
    if (this.isClosed) return Promise.reject(this.closeReason);
    return waiter(this.receivers, signal);
  }

  tryReceive(): ConnectionMessage | undefined {
    return this.inbox.shift();
  }

  trySend(channelId: number, bytes: Uint8Array): boolean {
    if (this.sendFailure !== undefined) throw this.sendFailure;
    if (this.isClosed || this.sendsBlocked) return false;
    this.sent.push({ channelId, bytes });
    return true;
  }

  async writable(signal?: AbortSignal): Promise<void> {
    if (this.isClosed || !this.sendsBlocked) return;
    return waiter(this.writers, signal);
  }

  close(reason?: Error): void {
    if (this.isClosed) return;
    this.closeReason = reason ?? new ConnectionClosedError();
    for (const r of [...this.receivers]) r.reject(this.closeReason);
    for (const w of [...this.writers]) w.resolve();
    for (const release of this.closeListeners) release(new ConnectionClosedError('closed during the handshake', { cause: this.closeReason }));
    this.closeListeners.clear();
    this.resolveClosed(reason);
  }
}

/** What a dial does: return a connection (or a promise of one), or throw. */
export type DialScript = (endpoint: Endpoint, signal: AbortSignal | undefined) => Connection | Promise<Connection>;

/** Never answers a dial until its signal aborts. */
export const HANG: DialScript = (_endpoint, signal) => parked(signal, () => {});

export interface FakeTransportOptions {
  readonly name?: string;
  readonly protocols?: readonly Protocol[];
  /** What endpoints() reports once listening. Default `memory:local`. */
  readonly endpoint?: Endpoint;
}

type AcceptItem = { readonly connection: FakeConnection } | { readonly error: Error };

export class FakeTransport implements Transport {
  readonly name: string;
  private readonly protocolList: readonly Protocol[];
  private readonly endpoint: Endpoint;
  private listening = false;
  private isClosed = false;
  private readonly acceptQueue: AcceptItem[] = [];
  private readonly acceptors = new Set<Waiter<FakeConnection>>();
  private readonly peers = new Map<string, FakePeer>();
  private readonly dialScripts = new Map<string, DialScript[]>();
  /** Thrown by the next listen(), if set. */
  listenFailure?: Error;
  /** Every endpoint dialed, in order. */
  readonly dials: Endpoint[] = [];
  /** Every connection handed to the router (accepted or dialed). */
  readonly connections: FakeConnection[] = [];
  /** Calls to close(). */
  closes = 0;

  constructor(options: FakeTransportOptions = {}) {
    this.name = options.name ?? 'fake';
    this.protocolList = options.protocols ?? ['memory'];
    this.endpoint = options.endpoint ?? { protocol: this.protocolList[0]!, path: 'local' };
  }

  /** Calls parked in accept() right now. */
  get parkedAccepts(): number {
    return this.acceptors.size;
  }

  /** Makes `peer` reachable: a dial to its memory address answers as it. */
  register(peer: FakePeer): void {
    this.peers.set(peer.nodeId, peer);
  }

  /** The next dial of `target` (a node ID, for memory endpoints, or an IP) runs `script` instead. */
  onNextDial(target: string, script: DialScript): void {
    const list = this.dialScripts.get(target) ?? [];
    list.push(script);
    this.dialScripts.set(target, list);
  }

  /** A remote connects to us; returns the router's end. */
  incoming(peer: FakePeer | undefined, options: Omit<FakeConnectionOptions, 'remote'> = {}): FakeConnection {
    const connection = new FakeConnection({ remote: peer, ...options });
    this.connections.push(connection);
    this.queueAccept({ connection });
    return connection;
  }

  /** The next accept() rejects with `error`. */
  failAccept(error: Error): void {
    this.queueAccept({ error });
  }

  // ---- Transport ----

  protocols(): readonly Protocol[] {
    return this.protocolList;
  }

  endpoints(): readonly Endpoint[] {
    return this.listening ? [this.endpoint] : [];
  }

  async listen(): Promise<void> {
    if (this.listenFailure !== undefined) throw this.listenFailure;
    this.listening = true;
  }

  accept(signal?: AbortSignal): Promise<FakeConnection> {
    const item = this.acceptQueue.shift();
    if (item !== undefined) return 'error' in item ? Promise.reject(item.error) : Promise.resolve(item.connection);
    if (this.isClosed) return Promise.reject(new TransportClosedError());
    return waiter(this.acceptors, signal);
  }

  async dial(endpoint: Endpoint, signal?: AbortSignal): Promise<Connection> {
    if (this.isClosed) throw new TransportClosedError();
    this.dials.push(endpoint);
    const target = endpoint.path ?? endpoint.ip ?? '';
    const script = this.dialScripts.get(target)?.shift();
    if (script !== undefined) {
      const connection = await script(endpoint, signal);
      if (connection instanceof FakeConnection) this.connections.push(connection);
      return connection;
    }
    const peer = this.peers.get(target);
    if (peer === undefined) throw new Error(`FakeTransport: nothing registered at ${target}`);
    const connection = new FakeConnection({ remote: peer, remoteEndpoint: endpoint });
    this.connections.push(connection);
    return connection;
  }

  async close(): Promise<void> {
    this.closes++;
    this.isClosed = true;
    this.listening = false;
    for (const a of [...this.acceptors]) a.reject(new TransportClosedError());
  }

  private queueAccept(item: AcceptItem): void {
    const waiting = this.acceptors.values().next();
    if (waiting.done) {
      this.acceptQueue.push(item);
      return;
    }
    if ('error' in item) waiting.value.reject(item.error);
    else waiting.value.resolve(item.connection);
  }
}
