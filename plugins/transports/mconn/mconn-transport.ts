import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../../../framework/tokens.js';
import type { Logger } from '../../../framework/logging/logger.js';
import type { NodeKey } from '../../../framework/identity/node-key.js';
import { endpointToString, type Endpoint, type Protocol } from '../../../framework/address/endpoint.js';
import type { Connection, Transport } from '../../../framework/transport/transport.js';
import { DialError, TransportClosedError } from '../../../framework/transport/errors.js';
import { AbortError } from '../../../framework/errors/base.js';
import { RingBuffer } from '../../../framework/util/ring-buffer.js';
import { Waiters } from '../../../framework/util/waiters.js';
import { reasonOf } from '../../../framework/util/abort.js';
import { ListenError } from './errors.js';
import { formatHostPort } from '../../../framework/address/host-port.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { MConnConnection } from './mconn-connection.js';
import { resolveMConnTransportOptions, type MConnTransportOptions, type ResolvedMConnTransportOptions } from './options.js';

const PROTOCOLS: readonly Protocol[] = Object.freeze(['mconn', 'tcp']);

export interface MConnTransportStats {
  /** Inbound sockets handed to accept(). */
  readonly accepted: number;
  /** Inbound sockets destroyed because the accept backlog was full (or the transport closing). */
  readonly refused: number;
  /** Outbound connections established. */
  readonly dialed: number;
  readonly dialFailures: number;
  /** Accepted sockets waiting for accept(). */
  readonly pending: number;
}

function endpointOf(address: string | undefined, port: number | undefined): Endpoint {
  return { protocol: 'mconn', ip: address ?? '', ...(port ? { port } : {}) };
}

/**
 * CometBFT-compatible TCP transport (tm35's MConnTransport): plain TCP
 * sockets upgraded by each connection's handshake to SecretConnection +
 * NodeInfo exchange + MConnection. Listens on `p2p.laddr` ("tcp://host:port";
 * port 0 picks a free port, reported by endpoints()); with laddr "memory" it
 * only dials. Accepted sockets wait in a bounded backlog; the rest are
 * destroyed at once and counted, so a connection flood costs no memory.
 */
@injectable()
export class MConnTransport implements Transport {
  readonly name = 'mconn';
  readonly options: ResolvedMConnTransportOptions;
  private readonly log: Logger;
  private readonly listenAddress: ListenAddress | undefined;
  private readonly pending = new RingBuffer<MConnConnection>();
  private readonly arrivals = new Waiters();
  private server: Server | undefined;
  private listening: Endpoint | undefined;
  private closedFlag = false;
  private counts = { accepted: 0, refused: 0, dialed: 0, dialFailures: 0 };

  constructor(
    @inject(TOKENS.NodeKey) private readonly key: NodeKey,
    @inject(TOKENS.Logger) logger: Logger,
    @inject(TOKENS.MConnTransportOptions) @optional() options: MConnTransportOptions = {},
  ) {
    this.options = resolveMConnTransportOptions(options);
    this.listenAddress = options.laddr === undefined ? undefined : parseListenAddress(options.laddr);
    this.log = logger.child({ component: 'mconn-transport' });
  }

  protocols(): readonly Protocol[] {
    return PROTOCOLS;
  }

  endpoints(): readonly Endpoint[] {
    return this.listening ? [this.listening] : [];
  }

  async listen(signal?: AbortSignal): Promise<void> {
    if (this.closedFlag) throw new TransportClosedError('cannot listen: the mconn transport is closed');
    if (this.server !== undefined) return;
    const laddr = this.listenAddress;
    if (laddr === undefined) {
      this.log.info('p2p.laddr is not a TCP address: the mconn transport will dial but not listen');
      return;
    }
    if (signal?.aborted) throw new AbortError('listen aborted', { cause: signal.reason });
    const server = createServer({ noDelay: true }, this.onConnection);
    this.server = server;
    const shown = `tcp://${formatHostPort(laddr.host ?? '', laddr.port)}`;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(new ListenError(`cannot listen on ${shown}: ${err.message}`, { cause: err }));
        };
        const onAbort = () => {
          server.off('error', onError);
          server.close();
          reject(new AbortError('listen aborted', { cause: signal?.reason }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        server.once('error', onError);
        server.listen({ host: laddr.host, port: laddr.port }, () => {
          server.off('error', onError);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    } catch (err) {
      this.server = undefined;
      throw err;
    }
    // After listening, server errors (e.g. EMFILE on accept) are logged; the server keeps going.
    server.on('error', (err) => this.log.warn({ err }, 'mconn listener error'));
    const address = server.address() as AddressInfo;
    this.listening = endpointOf(address.address, address.port);
    this.log.info({ endpoint: endpointToString(this.listening), nodeId: this.key.nodeId }, 'mconn transport listening');
    if (this.closedFlag) server.close();
  }

  async accept(signal?: AbortSignal): Promise<Connection> {
    for (;;) {
      if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
      if (this.closedFlag) throw new TransportClosedError('the mconn transport is closed');
      const next = this.pending.shift();
      if (next !== undefined) {
        // A socket that died while waiting is not worth a handshake.
        if (next.isClosed) continue;
        this.counts.accepted++;
        return next;
      }
      await this.arrivals.wait(signal);
    }
  }

  async dial(endpoint: Endpoint, signal?: AbortSignal): Promise<Connection> {
    if (signal?.aborted) throw reasonOf(signal);
    if (this.closedFlag) throw new TransportClosedError('cannot dial: the mconn transport is closed');
    const shown = endpointToString(endpoint);
    if (!PROTOCOLS.includes(endpoint.protocol)) {
      throw new DialError(`the mconn transport cannot dial ${shown}: protocol must be one of ${PROTOCOLS.join(', ')}`);
    }
    if (!endpoint.ip) throw new DialError(`cannot dial ${shown}: an mconn endpoint needs an IP address`);
    if (!endpoint.port) {
      // tm35 falls back to 26657 here, CometBFT's RPC port: a guess that is wrong for every P2P listener.
      throw new DialError(`cannot dial ${shown}: no port (or port 0); give the peer's P2P port explicitly, e.g. <id>@${formatHostPort(endpoint.ip, 26656)}`);
    }
    const socket = await this.connect(endpoint.ip, endpoint.port, shown, signal);
    this.counts.dialed++;
    return new MConnConnection(socket, () => endpointOf(socket.localAddress, socket.localPort), endpointOf(endpoint.ip, endpoint.port), this.options);
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    // Stops listening now; Node's 'close' event would wait for every open connection, which stay up.
    this.server?.close();
    for (const connection of this.pending.drain()) connection.close(new TransportClosedError('the mconn transport closed before this connection was accepted'));
    this.arrivals.wakeAll();
  }

  stats(): MConnTransportStats {
    return { ...this.counts, pending: this.pending.length };
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.closedFlag || this.pending.length >= this.options.backlog) {
      this.counts.refused++;
      socket.on('error', () => {});
      socket.destroy();
      this.log.debug({ remote: socket.remoteAddress, pending: this.pending.length }, 'inbound connection refused: accept backlog full');
      return;
    }
    socket.setNoDelay(true);
    const connection = new MConnConnection(
      socket,
      () => endpointOf(socket.localAddress, socket.localPort),
      endpointOf(socket.remoteAddress, socket.remotePort),
      this.options,
      true,
    );
    this.pending.push(connection);
    this.arrivals.wakeOne();
  };

  private connect(ip: string, port: number, shown: string, signal: AbortSignal | undefined): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: ip, port });
      const done = (err?: Error) => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) {
          resolve(socket);
          return;
        }
        this.counts.dialFailures++;
        socket.on('error', () => {});
        socket.destroy();
        reject(err);
      };
      const onConnect = () => {
        socket.setNoDelay(true);
        done();
      };
      const onError = (err: NodeJS.ErrnoException) => done(new DialError(`dialing ${shown} failed: ${err.code ?? err.message}`, { cause: err }));
      // The router's dial timeout arrives as this signal; its reason is already a DialError.
      const onAbort = () => done(signal ? reasonOf(signal) : new AbortError());
      socket.once('connect', onConnect);
      socket.once('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
