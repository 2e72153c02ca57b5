import { connect, type Socket } from 'node:net';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { TOKENS } from '../../../framework/tokens.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import type { ConnectionDeniedError } from '../../../framework/gating/errors.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { MConnTransport } from '../../../plugins/transports/mconn/mconn-transport.js';
import { encodeEphemeralKeyMessage } from '../../../plugins/transports/mconn/secret-connection/handshake.js';
import { generateEphemeralKeyPair } from '../../../plugins/transports/mconn/secret-connection/keys.js';

/** A tmp2p node on loopback TCP with fast retries, echo every 50 ms, and `overrides` (nested TOML keys) on top. */
export async function tcpNode(overrides: { gating?: Record<string, unknown>; p2p?: Record<string, unknown>; [section: string]: unknown } = {}): Promise<Node> {
  const { gating, p2p, ...rest } = overrides;
  return createNode(
    {
      values: {
        network: 'gating-test',
        p2p: {
          transports: ['mconn'],
          laddr: 'tcp://127.0.0.1:0',
          max_outgoing_connections: 0,
          min_retry_time: '20ms',
          max_retry_time: '200ms',
          max_retry_time_persistent: '200ms',
          retry_jitter: '10ms',
          disconnect_cooldown: '20ms',
          ...p2p,
        },
        gating: gating ?? {},
        reactors: { enabled: [], echo: { ping_interval: '50ms' } },
        ...rest,
      },
    },
    { reactors: [EchoReactor], logger: silentLogger() },
  );
}

export function port(node: Node): number {
  return node.router.endpoints()[0]!.port!;
}

export function mconnStats(node: Node) {
  return node.container.getAll<MConnTransport>(TOKENS.Transport).find((t) => t instanceof MConnTransport)!.stats();
}

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A plain TCP client that sends an ephemeral key and nothing more: counts the bytes the node sends it and notices when the node hangs up. */
export class RawClient {
  received = 0;
  isClosed = false;
  readonly closed: Promise<void>;
  private readonly socket: Socket;

  constructor(port: number, localAddress?: string, host = '127.0.0.1') {
    this.socket = connect({ host, port, localAddress });
    // Like every dialer (CometBFT's too) it sends its ephemeral key at once; a node that lets the
    // handshake begin answers with its own key (and its AuthSigMessage), then waits for our signature.
    this.socket.write(encodeEphemeralKeyMessage(generateEphemeralKeyPair().publicKey));
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.length));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    void this.closed.then(() => (this.isClosed = true));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Gating denials `node` publishes, as they happen. */
export function deniedEvents(node: Node): Array<{ direction: string; reason: string }> {
  const seen: Array<{ direction: string; reason: string }> = [];
  node.events$.subscribe((event: RouterEvent) => {
    if (event.type === 'connection-rejected' && event.error.name === 'ConnectionDeniedError') {
      seen.push({ direction: event.direction, reason: (event.error as ConnectionDeniedError).reason });
    }
  });
  return seen;
}

export function rejected(node: Node, direction: 'inbound' | 'outbound', reason: string): number {
  const metrics = node.router.metrics();
  return (direction === 'inbound' ? metrics.rejectedInbound : metrics.rejectedOutbound)[reason] ?? 0;
}
