import { Worker } from 'node:worker_threads';
import { createNode } from '../node/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { NodeKey } from '../framework/identity/node-key.js';
import { NodeAddress } from '../framework/address/node-address.js';
import type { Node } from '../node/node.js';
import type { NodeInfo } from '../framework/identity/node-info.js';
import type { Transport } from '../framework/transport/transport.js';
import { MConnTransport } from '../plugins/transports/mconn/mconn-transport.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { EchoChannel } from '../reactors/echo/echo-channel.js';
import { BenchBytesReactor, BenchChannel, BytesValue } from './tcp-channel.js';
import { mailbox } from './worker-mailbox.js';
import { parseDuration } from '../framework/util/duration.js';

/**
 * Two tmp2p nodes over loopback TCP (SecretConnection + MConnection, rate
 * limits off): `node` here, the far one in a worker thread (tcp-peer-worker.ts)
 * so each has its own core, connected to each other.
 */
export interface Tmp2pPair {
  readonly node: Node;
  readonly far: NodeAddress;
  /** A bare transport in the worker that accepts, handshakes and waits for the hang-up (no node behind it). */
  readonly bareFar: NodeAddress;
  /** Port of the worker's bare TCP sink (for the socket ceiling). */
  readonly rawPort: number;
  /** Port of the worker's plain socket echo server (for the echo's floor, see socket-echo.ts). */
  readonly socketEchoPort: number;
  readonly next: ReturnType<typeof mailbox>;
  post(message: object): void;
  close(): Promise<void>;
}

/** Settings both nodes of a pair share. */
export interface PairSettings {
  /** p2p.busy_poll of both nodes. Default "0ms" (off, the node default). */
  readonly busyPoll?: string;
}

/** The pair's busy_poll as a transport option (µs). */
export function busyPollUs(settings: PairSettings): number {
  return Math.round(parseDuration(settings.busyPoll ?? '0ms') * 1000);
}

export async function startTmp2pPair(settings: PairSettings = {}): Promise<Tmp2pPair> {
  const worker = new Worker(new URL('./tcp-peer-worker.js', import.meta.url), { workerData: settings });
  const next = mailbox(worker);
  const post = (m: object) => worker.postMessage(m);
  const listening = await next<{ type: string; address: string; bareAddress: string; rawPort: number; socketEchoPort: number }>('listening');
  const node = await createPairNode(settings);
  const far = NodeAddress.parse(listening.address);
  await connect(node, far);
  return {
    node,
    far,
    bareFar: NodeAddress.parse(listening.bareAddress),
    rawPort: listening.rawPort,
    socketEchoPort: listening.socketEchoPort,
    next,
    post,
    async close() {
      await node.stop();
      post({ type: 'stop' });
      await next('stopped');
      await worker.terminate();
    },
  };
}

/** A node of the main thread's side of a pair: default settings but rate limits off (and the pair's busy_poll). */
function createPairNode(settings: PairSettings): Promise<Node> {
  return createNode(
    { values: { network: 'bench', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', send_rate: 0, recv_rate: 0, busy_poll: settings.busyPoll ?? '0ms' }, reactors: { enabled: [], echo: { ping_interval: '1h' } } } },
    { reactors: [BenchBytesReactor, EchoReactor], logger: silentLogger() },
  );
}

async function connect(node: Node, far: NodeAddress): Promise<void> {
  node.addPeer(far);
  while (!node.peers().includes(far.nodeId)) await new Promise((r) => setTimeout(r, 10));
}

/** Two nodes that can echo: `node` pings, the one at `far` answers. */
export interface EchoEnds {
  readonly node: Node;
  readonly far: NodeAddress;
  close(): Promise<void>;
}

/**
 * Two tmp2p nodes in THIS thread, connected over loopback TCP (default
 * settings, rate limits off). One event loop serves both ends, as one Go
 * process's runtime serves both ends of the Go program's in-process echo:
 * a reply is read on the next turn of the loop, with no thread to wake.
 */
export async function startTmp2pLocalPair(): Promise<EchoEnds> {
  const node = await createPairNode({});
  const answering = await createPairNode({});
  const far = answering.addresses()[0]!;
  await connect(node, far);
  return {
    node,
    far,
    async close() {
      await node.stop();
      await answering.stop();
    },
  };
}

/** What one round of tmp2pMessageRate measured. */
export interface MessageRound {
  readonly seconds: number;
  readonly bytes: number;
  /** Full garbage collections the far node's thread ran during the round. */
  readonly farFullCollections: number;
}

/**
 * Sends `count` messages of `size` bytes on the bench channel, filling the
 * peer queue with send() and waiting with sendWhenRoom() only when it is full;
 * timed until the far node has received the last one.
 */
export async function tmp2pMessageRate(pair: Tmp2pPair, size: number, count: number): Promise<MessageRound> {
  const bench = pair.node.reactor(BenchBytesReactor).bench;
  const to = pair.far.nodeId;
  pair.post({ type: 'expect', count });
  await pair.next('ready');
  const done = pair.next<{ type: string; bytes: number; fullCollections: number }>('done');
  const payload = BytesValue.create({ value: new Uint8Array(size).fill(7) });
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    if (bench.send(to, payload) !== 'queued' && (await bench.sendWhenRoom(to, payload)) !== 'queued') {
      throw new Error('the peer went away during the benchmark');
    }
  }
  const { bytes, fullCollections } = await done;
  return { seconds: (performance.now() - started) / 1000, bytes, farFullCollections: fullCollections };
}

/** The channels a bench client shares with the bench nodes. */
export const BENCH_CLIENT_CHANNELS = [BenchChannel, EchoChannel];

/** NodeInfo of a client that dials a bench node (on its network, sharing its channels; it listens nowhere). */
export function benchClientNodeInfo(key: NodeKey, moniker: string): NodeInfo {
  return {
    protocolVersion: { p2p: 8, block: 11, app: 0 },
    nodeId: key.nodeId,
    listenAddr: 'tcp://127.0.0.1:1',
    network: 'bench',
    version: 'bench',
    channels: Uint8Array.from(BENCH_CLIENT_CHANNELS.map((c) => c.id)),
    moniker,
    other: { txIndex: 'off', rpcAddress: '' },
  };
}

export interface SetupResult {
  readonly setups: number;
  readonly seconds: number;
  /** Milliseconds of each setup, dial to handshake done. */
  readonly latencies: number[];
}

/**
 * Fresh connections to `far`, each TCP connect + SecretConnection + NodeInfo
 * exchange, then closed: `dialers` transports (one key each, default settings
 * or the pair's busy_poll) in this thread, each with one setup in flight, for `durationMs`.
 */
export async function tmp2pSetups(far: NodeAddress, dialers: number, durationMs: number, settings: PairSettings = {}): Promise<SetupResult> {
  const keys = Array.from({ length: dialers }, () => NodeKey.generate());
  const [endpoint] = await far.resolve();
  const channels = BENCH_CLIENT_CHANNELS;
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    keys.map(async (key) => {
      const transport: Transport = new MConnTransport(key, silentLogger(), { mconnection: { busyPollUs: busyPollUs(settings) } });
      const info = benchClientNodeInfo(key, 'setup-bench');
      while (performance.now() < until) {
        const t = performance.now();
        const connection = await transport.dial(endpoint!);
        await connection.handshake(info, key, { channels });
        latencies.push(performance.now() - t);
        connection.close();
        await connection.closed;
      }
      await transport.close();
    }),
  );
  return { setups: latencies.length, seconds: (performance.now() - started) / 1000, latencies };
}
