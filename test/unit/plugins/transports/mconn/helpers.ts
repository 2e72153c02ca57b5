import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { componentOptions } from '../../../../../node/config/component-options.js';
import { loadConfig } from '../../../../../node/config/loader.js';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import type { NodeInfo } from '../../../../../framework/identity/node-info.js';
import { silentLogger } from '../../../../../framework/logging/logger.js';
import type { Endpoint } from '../../../../../framework/address/endpoint.js';
import type { ChannelDescriptor } from '../../../../../framework/transport/transport.js';
import { MConnTransport } from '../../../../../plugins/transports/mconn/mconn-transport.js';
import type { MConnConnection } from '../../../../../plugins/transports/mconn/mconn-connection.js';
import type { MConnTransportOptions } from '../../../../../plugins/transports/mconn/options.js';

export const NETWORK = 'mconn-test';

export function descriptor(id: number, extra: Partial<ChannelDescriptor> = {}): ChannelDescriptor {
  return { id, priority: 1, sendQueueCapacity: 100, recvBufferCapacity: 4096, recvMessageCapacity: 1024 * 1024, ...extra };
}

export const CHANNELS: readonly ChannelDescriptor[] = [descriptor(0x20, { priority: 5 }), descriptor(0x30)];

export function nodeInfoFor(key: NodeKey, overrides: Partial<NodeInfo> = {}): NodeInfo {
  return {
    protocolVersion: { p2p: 8, block: 11, app: 0 },
    nodeId: key.nodeId,
    listenAddr: 'tcp://127.0.0.1:26656',
    network: NETWORK,
    version: '0.1.0',
    channels: Uint8Array.from([0x20, 0x30]),
    moniker: 'unit',
    other: { txIndex: 'off', rpcAddress: '' },
    ...overrides,
  };
}

/** The transport's options as a node with this laddr gets them from config, with `overrides` on top. */
export async function transportOptions(laddr = 'tcp://127.0.0.1:0', overrides: MConnTransportOptions = {}): Promise<MConnTransportOptions> {
  const config = await loadConfig({ values: { p2p: { laddr, transports: ['mconn'] } } });
  const base = componentOptions(config, NodeKey.generate()).mconnTransport;
  return { ...base, ...overrides, mconnection: { ...base.mconnection, ...overrides.mconnection } };
}

/** Fast handshakes and no rate limits, so tests neither wait nor depend on timing. */
export const FAST: MConnTransportOptions = { handshakePhaseTimeoutMs: 2000, mconnection: { sendRate: 0, recvRate: 0 } };

export async function makeTransport(options: MConnTransportOptions = FAST, laddr?: string): Promise<{ transport: MConnTransport; key: NodeKey }> {
  const key = NodeKey.generate();
  const transport = new MConnTransport(key, silentLogger(), await transportOptions(laddr, options));
  return { transport, key };
}

/** Tracks what a test opened so afterEach can close it all. */
export class Resources {
  private readonly transports: MConnTransport[] = [];
  private readonly connections: { close(): void }[] = [];
  private readonly sockets: Socket[] = [];

  transport<T extends MConnTransport>(t: T): T {
    this.transports.push(t);
    return t;
  }

  connection<T extends { close(): void }>(c: T): T {
    this.connections.push(c);
    return c;
  }

  socket(s: Socket): Socket {
    this.sockets.push(s);
    s.on('error', () => {});
    return s;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.close();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

/** A listening transport and a dial-only one. */
export async function transportPair(res: Resources, options: MConnTransportOptions = FAST) {
  const server = await makeTransport(options);
  const client = await makeTransport(options, 'memory');
  res.transport(server.transport);
  res.transport(client.transport);
  await server.transport.listen();
  return { server, client, endpoint: server.transport.endpoints()[0]! };
}

/** Two connections of one TCP link, not yet handshaken. */
export async function connectionPair(res: Resources, options: MConnTransportOptions = FAST) {
  const { server, client, endpoint } = await transportPair(res, options);
  const [dialer, acceptor] = await Promise.all([client.transport.dial(endpoint), server.transport.accept()]);
  res.connection(dialer);
  res.connection(acceptor);
  return { dialer: dialer as MConnConnection, acceptor: acceptor as MConnConnection, dialerKey: client.key, acceptorKey: server.key, server, client };
}

/** Both handshakes, concurrently (each side writes first and reads in parallel, as on the wire). */
export async function handshakenPair(res: Resources, options: MConnTransportOptions = FAST, channels = CHANNELS) {
  const pair = await connectionPair(res, options);
  const [fromAcceptor, fromDialer] = await Promise.all([
    pair.dialer.handshake(nodeInfoFor(pair.dialerKey), pair.dialerKey, { channels }),
    pair.acceptor.handshake(nodeInfoFor(pair.acceptorKey), pair.acceptorKey, { channels }),
  ]);
  return { ...pair, fromAcceptor, fromDialer };
}

/** A raw TCP client to `endpoint`, for peers that speak the protocol by hand. */
export async function rawSocket(res: Resources, endpoint: Endpoint): Promise<Socket> {
  const socket = res.socket(connect({ host: endpoint.ip!, port: endpoint.port! }));
  await once(socket, 'connect');
  return socket;
}

/** The error `promise` rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Polls `predicate` every few ms; rejects after `timeoutMs` naming `what`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Resolves once `socket` has closed, even if it already has. */
export async function socketClosed(socket: Socket): Promise<void> {
  if (socket.closed) return;
  await once(socket, 'close');
}
