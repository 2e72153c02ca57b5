import { Worker } from 'node:worker_threads';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { firstValueFrom } from 'rxjs';
import { createNode } from '../framework/container/create-node.js';
import { silentLogger } from '../framework/logging/logger.js';
import { NodeKey } from '../framework/identity/node-key.js';
import { NodeAddress } from '../framework/address/node-address.js';
import { loadConfig } from '../framework/config/loader.js';
import type { Transport } from '../framework/transport/transport.js';
import { percentile } from '../framework/util/stats.js';
import { MConnTransport } from '../plugins/transports/mconn/mconn-transport.js';
import { SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../plugins/transports/mconn/secret-connection/frame-layout.js';
import { loadLibsodiumFrameAead } from '../plugins/transports/mconn/secret-connection/aead/libsodium.js';
import { nodeCryptoFrameAead } from '../plugins/transports/mconn/secret-connection/aead/node-crypto.js';
import { EchoReactor } from '../reactors/echo/echo-reactor.js';
import { EchoChannel, Ping } from '../reactors/echo/echo-channel.js';
import { BenchBytesReactor, BenchChannel, BytesValue } from './tcp-channel.js';
import type { BenchRow, Scenario } from './harness.js';

type WorkerMessage = { type: string; address?: string; rawPort?: number; bytes?: number };

/** Turns the worker's messages into awaitable replies. */
function mailbox(worker: Worker) {
  const waiting: Array<{ type: string; resolve: (m: WorkerMessage) => void }> = [];
  worker.on('message', (m: WorkerMessage) => {
    const i = waiting.findIndex((w) => w.type === m.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
  });
  return (type: string) => new Promise<WorkerMessage>((resolve) => waiting.push({ type, resolve }));
}

/**
 * Bare ChaCha20-Poly1305 over SecretConnection frames, 64 frames per call as
 * SecretConnection batches them, for each backend: the crypto ceiling.
 */
async function cryptoCeiling(report: (row: BenchRow) => void): Promise<void> {
  const batch = 64;
  const rounds = 1500;
  const plain = randomBytes(batch * TOTAL_FRAME_SIZE);
  const sealed = new Uint8Array(batch * SEALED_FRAME_SIZE);
  const opened = new Uint8Array(batch * TOTAL_FRAME_SIZE);
  for (const backend of [await loadLibsodiumFrameAead(), nodeCryptoFrameAead]) {
    const key = backend.key(randomBytes(32));
    let started = performance.now();
    for (let r = 0; r < rounds; r++) key.sealFrames(plain, batch, r * batch, 0, sealed, 0);
    const sealS = (performance.now() - started) / 1000;
    started = performance.now();
    for (let r = 0; r < rounds; r++) {
      if (key.openFrames(sealed, 0, batch, (rounds - 1) * batch, 0, opened) !== batch) throw new Error(`${backend.name} failed to open its own frames`);
    }
    const openS = (performance.now() - started) / 1000;
    const payload = rounds * batch * 1024;
    report({ scenario: 'tcp', case: `ceiling: ${backend.name} seal 1028-B frames`, value: payload / sealS / 1e6, unit: 'MB/s', notes: 'payload bytes, one thread' });
    report({ scenario: 'tcp', case: `ceiling: ${backend.name} open 1028-B frames`, value: payload / openS / 1e6, unit: 'MB/s', notes: 'payload bytes, one thread' });
  }
}

async function rawTcpCeiling(rawPort: number, next: (type: string) => Promise<WorkerMessage>, post: (m: object) => void, report: (row: BenchRow) => void) {
  const total = 256 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1044, 1); // what SecretConnection writes: 64 sealed frames at a time
  post({ type: 'expect-raw', bytes: total });
  await next('ready');
  const socket = connect(rawPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const done = next('raw-done');
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    sent += chunk.length;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await done;
  report({ scenario: 'tcp', case: 'ceiling: bare TCP loopback, 66 KB writes', value: total / ((performance.now() - started) / 1000) / 1e6, unit: 'MB/s' });
  socket.destroy();
}

export const tcpScenario: Scenario = {
  name: 'tcp',
  description: 'two nodes over loopback TCP (SecretConnection + MConnection), rate limits off; the far node runs in a worker thread',
  async run(report) {
    await cryptoCeiling(report);
    const worker = new Worker(new URL('./tcp-peer-worker.js', import.meta.url));
    const next = mailbox(worker);
    const post = (m: object) => worker.postMessage(m);
    const listening = await next('listening');
    const node = await createNode(
      { values: { network: 'bench', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', send_rate: 0, recv_rate: 0 }, reactors: { enabled: [], echo: { ping_interval: '1h' } } } },
      { reactors: [BenchBytesReactor, EchoReactor], logger: silentLogger() },
    );
    try {
      await rawTcpCeiling(listening.rawPort!, next, post, report);
      const far = NodeAddress.parse(listening.address!);
      node.addPeer(far);
      while (!node.peers().includes(far.nodeId)) await new Promise((r) => setTimeout(r, 10));
      const bench = node.reactor(BenchBytesReactor).bench;

      for (const [label, size, count] of [
        ['1 MB messages', 1024 * 1024, 200],
        ['200-byte messages', 200, 300_000],
      ] as const) {
        post({ type: 'expect', count });
        await next('ready');
        const done = next('done');
        const payload = BytesValue.create({ value: new Uint8Array(size).fill(7) });
        const started = performance.now();
        for (let i = 0; i < count; i++) {
          if (bench.send(far.nodeId, payload) !== 'queued' && (await bench.sendWhenRoom(far.nodeId, payload)) !== 'queued') {
            throw new Error('the peer went away during the benchmark');
          }
        }
        const { bytes } = await done;
        const seconds = (performance.now() - started) / 1000;
        report({ scenario: 'tcp', case: `${label}: payload`, value: bytes! / seconds / 1e6, unit: 'MB/s', notes: `${Math.round(count / seconds).toLocaleString('en-US')} msg/s` });
      }

      // One ping in flight at a time: the round trip through both stacks and the loopback.
      const echo = node.reactor(EchoReactor);
      const samples: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const rt = firstValueFrom(echo.roundTrips$);
        echo.echo.send(far.nodeId, Ping.create({ content: 'rtt', sentAtUs: Math.round((performance.timeOrigin + performance.now()) * 1000) }));
        samples.push((await rt).ms);
      }
      const steady = samples.slice(500);
      report({ scenario: 'tcp', case: 'echo round trip p50', value: percentile(steady, 50), unit: 'ms' });
      report({ scenario: 'tcp', case: 'echo round trip p99', value: percentile(steady, 99), unit: 'ms' });

      await connectionSetups(far, report);
    } finally {
      await node.stop();
      post({ type: 'stop' });
      await next('stopped');
      await worker.terminate();
    }
  },
};

/** Full setups (TCP connect + SecretConnection + NodeInfo exchange) per second, 8 in flight. */
async function connectionSetups(far: NodeAddress, report: (row: BenchRow) => void): Promise<void> {
  const config = await loadConfig({ values: { network: 'bench', p2p: { transports: ['mconn'], laddr: 'memory' } } });
  const keys = Array.from({ length: 8 }, () => NodeKey.generate());
  const [endpoint] = await far.resolve();
  const channels = [BenchChannel, EchoChannel];
  let setups = 0;
  const until = performance.now() + 3000;
  await Promise.all(
    keys.map(async (key) => {
      const transport: Transport = new MConnTransport(config, key, silentLogger());
      const info = {
        protocolVersion: { p2p: 8, block: 11, app: 0 },
        nodeId: key.nodeId,
        listenAddr: 'tcp://127.0.0.1:1',
        network: 'bench',
        version: 'bench',
        channels: Uint8Array.from(channels.map((c) => c.id)),
        moniker: 'setup-bench',
        other: { txIndex: 'off', rpcAddress: '' },
      };
      while (performance.now() < until) {
        const connection = await transport.dial(endpoint!);
        await connection.handshake(info, key, { channels });
        setups++;
        connection.close();
        await connection.closed;
      }
      await transport.close();
    }),
  );
  report({ scenario: 'tcp', case: 'connection setups (TCP+SC+NodeInfo)', value: setups / 3, unit: 'setups/s', notes: '8 dialers in one thread, far node in a worker' });
}
