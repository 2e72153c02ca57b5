/*
 * Ad-hoc throughput of two tmp2p nodes over loopback TCP (SecretConnection +
 * MConnection), not a test: run it with
 *   node --import tsx test/integration/tcp/throughput.bench.ts
 * It prints MB/s for 1 MB messages and messages/s for 200-byte messages,
 * with CometBFT's default rate limits (5120000 B/s) and with none.
 */
import 'reflect-metadata';
import { google } from '../../../proto/gen/messages.js';
import { createTestNetwork } from '../../../framework/testing/test-network.js';
import { Reactor, Channel, OnMessage } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';

const BytesValue = google.protobuf.BytesValue;
type BytesValue = google.protobuf.BytesValue;

const BenchChannel = defineChannel({
  id: 0x63,
  name: 'bench',
  messageType: BytesValue,
  sendQueueCapacity: 256,
  recvMessageCapacity: 2 * 1024 * 1024,
  recvQueueCapacity: 4096,
});

@Reactor('bench-sink')
class BenchReactor {
  @Channel(BenchChannel) readonly bench!: ChannelHandle<BytesValue>;
  received = 0;
  receivedBytes = 0;
  onTarget: (() => void) | undefined;
  target = Infinity;

  @OnMessage(BytesValue)
  onBytes(message: BytesValue): void {
    this.received++;
    this.receivedBytes += message.value.length;
    if (this.received >= this.target) this.onTarget?.();
  }
}

async function run(label: string, rates: { send_rate: number; recv_rate: number }, size: number, count: number): Promise<void> {
  const net = await createTestNetwork({
    nodes: 2,
    reactors: [BenchReactor],
    config: { p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', ...rates, peer_queue_capacity_bytes: 64 * 1024 * 1024 } },
  });
  try {
    await net.waitForFullMesh();
    const sender = net.node(0).reactor(BenchReactor);
    const sink = net.node(1).reactor(BenchReactor);
    const to = net.node(1).nodeId;
    const payload = BytesValue.create({ value: new Uint8Array(size).fill(7) });
    sink.target = count;
    const done = new Promise<void>((resolve) => (sink.onTarget = resolve));
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      if (sender.bench.send(to, payload) !== 'queued') {
        const outcome = await sender.bench.sendWhenRoom(to, payload);
        if (outcome !== 'queued') throw new Error(`send failed: ${outcome}`);
      }
    }
    await done;
    const seconds = (performance.now() - started) / 1000;
    const mb = sink.receivedBytes / 1e6;
    console.log(
      `${label.padEnd(34)} ${String(count).padStart(7)} × ${String(size).padStart(7)} B in ${seconds.toFixed(2)} s: ` +
        `${(mb / seconds).toFixed(1)} MB/s, ${Math.round(count / seconds).toLocaleString('en-US')} msg/s`,
    );
  } finally {
    await net.stop();
  }
}

const DEFAULT_RATES = { send_rate: 5_120_000, recv_rate: 5_120_000 };
const UNLIMITED = { send_rate: 0, recv_rate: 0 };
await run('1 MB, default rate limits', DEFAULT_RATES, 1024 * 1024, 20);
await run('1 MB, unlimited', UNLIMITED, 1024 * 1024, 200);
await run('200 B, default rate limits', DEFAULT_RATES, 200, 50_000);
await run('200 B, unlimited', UNLIMITED, 200, 300_000);
