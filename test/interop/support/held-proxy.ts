import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface HeldProxyOptions {
  /** Port on 127.0.0.1 the proxy forwards each connection to. */
  readonly targetPort: number;
  /**
   * Bytes from the dialing side forwarded at once; the rest wait for
   * `release()`. Default: everything is forwarded at once.
   */
  readonly forwardFromDialer?: number;
  /** The target's hang-up reaches the dialer only at `release()`. Default false. */
  readonly holdTargetClose?: boolean;
}

/**
 * A loopback TCP proxy that can hold back part of one connection, so a test
 * can order the steps of two handshakes without depending on timing: bytes
 * from the dialer past a count, or the target's hang-up, wait for
 * `release()`. Only for the one connection a test expects at a time.
 */
export class HeldProxy {
  private released = false;
  private readonly waiting: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(private readonly server: Server, private readonly options: HeldProxyOptions) {}

  static async start(options: HeldProxyOptions): Promise<HeldProxy> {
    let proxy!: HeldProxy;
    const server = createServer((dialer) => proxy.relay(dialer));
    proxy = new HeldProxy(server, options);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** Lets everything held through, and everything after it. */
  release(): void {
    this.released = true;
    for (const go of this.waiting.splice(0)) go();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private afterRelease(go: () => void): void {
    if (this.released) go();
    else this.waiting.push(go);
  }

  private relay(dialer: Socket): void {
    this.accepted++;
    const target = connect(this.options.targetPort, '127.0.0.1');
    for (const socket of [dialer, target]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    }
    let budget = this.options.forwardFromDialer ?? Infinity;
    dialer.on('data', (chunk: Buffer) => {
      const now = chunk.subarray(0, Math.max(0, Math.min(budget, chunk.length)));
      budget -= now.length;
      if (now.length > 0) target.write(now);
      const later = chunk.subarray(now.length);
      if (later.length > 0) this.afterRelease(() => target.write(later));
    });
    target.on('data', (chunk: Buffer) => dialer.write(chunk));
    dialer.on('close', () => target.destroy());
    target.on('close', () => {
      if (this.options.holdTargetClose) this.afterRelease(() => dialer.destroy());
      else dialer.destroy();
    });
  }
}
