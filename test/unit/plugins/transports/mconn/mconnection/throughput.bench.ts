/**
 * Ad-hoc throughput check (not part of the test suite):
 *   node --import tsx test/unit/plugins/transports/mconn/mconnection/throughput.bench.ts
 * Two MConnections over loopback TCP, rate limits off.
 */
import { MConnection } from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { channel, tcpPair } from './helpers.js';

async function run(label: string, size: number, count: number, queue: number): Promise<void> {
  const [x, y] = await tcpPair();
  const channels = [channel(0x30, 5, { sendQueueCapacity: queue })];
  let received = 0;
  let receivedBytes = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sender = new MConnection(x, { channels, sendRate: 0, recvRate: 0, onMessage: () => {} });
  const receiver = new MConnection(y, {
    channels,
    sendRate: 0,
    recvRate: 0,
    onMessage: (_ch, bytes) => {
      received++;
      receivedBytes += bytes.length;
      if (received === count) done();
    },
  });
  const payload = new Uint8Array(size).fill(0xab);
  const start = performance.now();
  for (let i = 0; i < count; ) {
    if (sender.trySend(0x30, payload)) i++;
    else await sender.writable(undefined, 0x30);
  }
  await finished;
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${label}: ${count} x ${size} B in ${seconds.toFixed(2)} s = ` +
      `${Math.round(count / seconds).toLocaleString()} msg/s, ${(receivedBytes / seconds / 1e6).toFixed(1)} MB/s`,
  );
  sender.close();
  receiver.close();
  await Promise.all([sender.closed, receiver.closed]);
}

await run('200-byte messages', 200, 1_000_000, 1000);
await run('1 MB messages', 1024 * 1024, 500, 4);
await run('5 KB messages', 5000, 100_000, 200);
