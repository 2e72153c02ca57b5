import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { Endpoint } from '../../framework/address/endpoint.js';
import { DelimitedReader } from '../../framework/transport/length-prefix.js';

/**
 * A peer that reads raw bytes itself, so tests can speak the wire protocol
 * wrongly on purpose. Bytes are queued as they arrive; reads wait for them.
 */
export class RawPeer {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private wake: (() => void) | undefined;
  /** Resolves once the socket has fully closed. */
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    // Not events.once: it rejects on 'error' (a reset), and a peer nobody awaits would then reject unhandled.
    this.closed = socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake?.();
    });
    const end = () => {
      this.ended = true;
      this.wake?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', () => {});
  }

  /**
   * Connects to `endpoint`, from the local address `from` when given; an
   * abort of `signal` (before or after connecting) destroys the socket, so
   * every read still pending fails.
   */
  static async connect(endpoint: Endpoint, options: { from?: string; signal?: AbortSignal } = {}): Promise<RawPeer> {
    const socket = connect({ host: endpoint.ip!, port: endpoint.port!, localAddress: options.from });
    const peer = new RawPeer(socket);
    const { signal } = options;
    if (signal) {
      const abort = () => socket.destroy();
      if (signal.aborted) abort();
      else {
        signal.addEventListener('abort', abort, { once: true });
        socket.once('close', () => signal.removeEventListener('abort', abort));
      }
    }
    await once(socket, 'connect', signal ? { signal } : {});
    return peer;
  }

  /** Exactly `n` bytes; rejects if the stream ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      if (this.ended) throw new Error(`RawPeer: the remote closed the connection with ${this.buffered} of ${n} bytes read`);
      await this.changed();
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks.length = 0;
    const rest = all.subarray(n);
    if (rest.length > 0) this.chunks.push(rest);
    this.buffered = rest.length;
    return all.subarray(0, n);
  }

  /** One length-prefixed message of at most `maxSize` bytes from the plaintext stream. */
  async readDelimited(maxSize: number): Promise<Uint8Array> {
    const reader = new DelimitedReader(maxSize);
    for (;;) {
      reader.push(await this.read(1));
      const message = reader.next();
      if (message !== undefined) return message;
    }
  }

  /** Resolves when the remote has closed its side. */
  async waitEnd(): Promise<void> {
    while (!this.ended) await this.changed();
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private async changed(): Promise<void> {
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
  }
}

/**
 * A connected loopback TCP socket pair; the listening server is closed
 * before returning. `noDelay` (default true) turns Nagle off on both ends;
 * tests that rely on two quick writes arriving as separate reads keep it on.
 */
export async function tcpPair(options: { noDelay?: boolean } = {}): Promise<[Socket, Socket]> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  const [[serverSide]] = await Promise.all([accepted, once(client, 'connect')]);
  server.close();
  const noDelay = options.noDelay ?? true;
  client.setNoDelay(noDelay);
  serverSide.setNoDelay(noDelay);
  return [client, serverSide];
}
