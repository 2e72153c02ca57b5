import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createServer } from 'node:net';
import { LOOPBACK_TESTNET_SETTINGS } from '../node/config/loopback-testnet.js';
import { createNode } from '../node/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { BenchBytesReactor } from './tcp-channel.js';
import { benchClientNodeInfo, BENCH_CLIENT_CHANNELS, type PairSettings } from './tmp2p-pair.js';
import { NodeKey } from '../framework/identity/node-key.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { MConnTransport } from '../plugins/transports/mconn/mconn-transport.js';
import { busyPollUs } from './tmp2p-pair.js';
import { FullCollectionCounter } from './full-collections.js';
import { startSocketEchoServer } from './socket-echo.js';

/**
 * The far side of the TCP benchmarks, in its own thread (its own core), as a
 * remote peer would be: a tmp2p node on loopback, a bare transport that
 * accepts, handshakes and waits for the dialer to hang up (what the Go
 * program's accepting side does: no router, no peer manager), a raw TCP
 * sink for the bare-socket ceiling, and a raw echo server for the echo's floor. The main thread tells it what to expect.
 */
const port = parentPort!;
const settings = (workerData as PairSettings | undefined) ?? {};
const node = await createNode(
  {
    values: {
      network: 'bench',
      // Every client is on 127.0.0.1: the loopback testnet settings, and no inbound budget below max_connections.
      p2p: { ...LOOPBACK_TESTNET_SETTINGS.p2p, busy_poll: settings.busyPoll ?? '0ms', transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', send_rate: 0, recv_rate: 0, max_connections: 512, max_inbound_connections: 0, max_peers: 2048, max_concurrent_inbound_handshakes: 512 },
      gating: LOOPBACK_TESTNET_SETTINGS.gating,
      reactors: { enabled: [], echo: { ping_interval: '1h' } },
    },
  },
  { reactors: [BenchBytesReactor, EchoReactor], logger: silentLogger() },
);
const sink = node.reactor(BenchBytesReactor);
const fullCollections = new FullCollectionCounter();

let rawBytes = 0;
let rawTarget = Infinity;
const raw = createServer((socket) => {
  socket.on('data', (chunk) => {
    rawBytes += chunk.length;
    if (rawBytes >= rawTarget) {
      port.postMessage({ type: 'raw-done', bytes: rawBytes });
      rawTarget = Infinity;
    }
  });
});
await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
const socketEcho = await startSocketEchoServer();

const bareKey = NodeKey.generate();
const bare = new MConnTransport(bareKey, silentLogger(), { laddr: 'tcp://127.0.0.1:0', mconnection: { sendRate: 0, recvRate: 0, busyPollUs: busyPollUs(settings) } });
await bare.listen();
const bareInfo = benchClientNodeInfo(bareKey, 'bench-bare-acceptor');
void (async () => {
  for (;;) {
    let connection;
    try {
      connection = await bare.accept();
    } catch {
      return; // closed
    }
    const accepted = connection;
    void accepted
      .handshake(bareInfo, bareKey, { channels: BENCH_CLIENT_CHANNELS })
      .then(() => accepted.closed)
      .catch(() => undefined)
      .finally(() => accepted.close());
  }
})();
const bareEndpoint = bare.endpoints()[0]!;

port.on('message', async (message: { type: string; count?: number; bytes?: number }) => {
  if (message.type === 'expect') {
    sink.received = 0;
    sink.receivedBytes = 0;
    sink.target = message.count!;
    const collectionsBefore = fullCollections.count;
    sink.onTarget = () => port.postMessage({ type: 'done', bytes: sink.receivedBytes, fullCollections: fullCollections.count - collectionsBefore });
    port.postMessage({ type: 'ready' });
  } else if (message.type === 'expect-raw') {
    rawBytes = 0;
    rawTarget = message.bytes!;
    port.postMessage({ type: 'ready' });
  } else if (message.type === 'stop') {
    fullCollections.stop();
    raw.close();
    await socketEcho.close();
    await bare.close();
    await node.stop();
    port.postMessage({ type: 'stopped' });
  }
});
port.postMessage({
  type: 'listening',
  address: node.addresses()[0]!.toString(),
  bareAddress: new NodeAddress({ nodeId: bareKey.nodeId, protocol: 'mconn', hostname: bareEndpoint.ip, port: bareEndpoint.port }).toString(),
  rawPort: (raw.address() as { port: number }).port,
  socketEchoPort: socketEcho.port,
  config: workerData,
});
