import type { Endpoint, Protocol } from '../address/endpoint.js';
import type { NodeInfo } from '../identity/node-info.js';
import type { NodeKey } from '../identity/node-key.js';

/**
 * A Transport knows endpoints, not peers: it dials and accepts connections for
 * its protocols. Node identity is established by `Connection.handshake` and
 * validated by the router, never by the transport.
 */
export interface Transport {
  /** Stable plugin name, e.g. "memory" or "mconn". */
  readonly name: string;
  /** Protocols this transport can dial (e.g. ["mconn", "tcp"]). */
  protocols(): readonly Protocol[];
  /** Endpoints it listens on; empty until `listen` has run. */
  endpoints(): readonly Endpoint[];
  /** Starts accepting on the configured listen address. */
  listen(signal?: AbortSignal): Promise<void>;
  /** Waits for the next inbound connection. Rejects with TransportClosedError after close(). */
  accept(signal?: AbortSignal): Promise<Connection>;
  /** Opens a connection to an endpoint of one of `protocols()`. */
  dial(endpoint: Endpoint, signal?: AbortSignal): Promise<Connection>;
  /** Stops accepting. Connections already handed out stay open. */
  close(): Promise<void>;
}

/** What the remote told us during the handshake; the router decides whether to trust it. */
export interface HandshakeResult {
  readonly nodeInfo: NodeInfo;
  /** The remote's ed25519 public key as authenticated by the transport (32 bytes). */
  readonly publicKey: Uint8Array;
}

export interface ConnectionMessage {
  readonly channelId: number;
  readonly bytes: Uint8Array;
}

/** Describes a channel to transports that multiplex per channel (MConnection). */
export interface ChannelDescriptor {
  readonly id: number;
  /** Relative share of send bandwidth; must be > 0. */
  readonly priority: number;
  /** Messages a transport may hold per channel before `trySend` reports full. */
  readonly sendQueueCapacity: number;
  /** Initial reassembly buffer (bytes); not a limit. */
  readonly recvBufferCapacity: number;
  /** Largest message accepted on this channel (bytes); bigger ones close the connection. */
  readonly recvMessageCapacity: number;
}

export interface HandshakeOptions {
  readonly signal?: AbortSignal;
  /** Channels the local node has open; multiplexing transports need their descriptors. */
  readonly channels: readonly ChannelDescriptor[];
}

/**
 * One established connection. Sending is non-blocking with explicit
 * backpressure (`trySend` returns false and `writable()` resolves when there
 * is room again) so the router never buffers without a bound. Receiving has a
 * synchronous fast path (`tryReceive`) so a receive loop can drain a burst
 * without one promise per message.
 */
export interface Connection {
  readonly localEndpoint: Endpoint;
  readonly remoteEndpoint: Endpoint;
  /** Exchanges NodeInfo and proves key ownership. Must be called exactly once, first. */
  handshake(nodeInfo: NodeInfo, key: NodeKey, options: HandshakeOptions): Promise<HandshakeResult>;
  /** Resolves with the next message; rejects with the error that closed the connection. */
  receive(signal?: AbortSignal): Promise<ConnectionMessage>;
  /** Returns a message already buffered, or undefined without waiting. */
  tryReceive(): ConnectionMessage | undefined;
  /** Queues a message for sending; false when the connection's send buffer is full. */
  trySend(channelId: number, bytes: Uint8Array): boolean;
  /** Resolves when `trySend` may succeed again (or the connection closed). */
  writable(signal?: AbortSignal): Promise<void>;
  /** Closes the connection; pending and future receive() calls reject with `reason` or ConnectionClosedError. */
  close(reason?: Error): void;
  /** Resolves once the connection is fully closed, with the error that closed it if any. */
  readonly closed: Promise<Error | undefined>;
  readonly isClosed: boolean;
}
