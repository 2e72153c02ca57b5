import { createTestNetwork } from '../framework/testing/test-network.js';
import { Reactor, Channel } from '../framework/reactor/decorators.js';
import type { ChannelHandle } from '../framework/router/channel.js';
import { EchoChannel, Ping, type Pong } from '../reactors/echo/echo-channel.js';
import { gc, heapMB, withPeakHeap, type Scenario } from './harness.js';

/** A reactor that only owns the echo channel; the benchmark drives it directly. */
@Reactor('bench-sink')
class SinkReactor {
  @Channel(EchoChannel) readonly channel!: ChannelHandle<Ping | Pong>;
}

/**
 * Two nodes on the memory transport, the whole stack per message: wrap,
 * marshal, peer queue, transport, unmarshal, unwrap, channel queue, subscriber.
 */
export const memoryStackScenario: Scenario = {
  name: 'memory-stack',
  description: 'two nodes, memory transport, full stack, one direction',
  async run(report) {
    for (const [label, size, count] of [
      ['100 B', 100, 600_000],
      ['10 KB', 10_000, 60_000],
    ] as const) {
      const net = await createTestNetwork({ nodes: 2, reactors: [SinkReactor], config: { p2p: { peer_queue_capacity: 4096 } } });
      await net.waitForFullMesh();
      const [a, b] = [net.node(0).reactor(SinkReactor).channel, net.node(1).reactor(SinkReactor).channel];
      const to = net.node(1).nodeId;
      const message = Ping.create({ content: 'x'.repeat(size) });
      let received = 0;
      const done = new Promise<void>((resolve) =>
        b.inbound.subscribe(() => {
          if (++received === count) resolve();
        }),
      );
      gc();
      const heapBefore = heapMB();
      const started = performance.now();
      const { peakHeapMB } = await withPeakHeap(async () => {
        let sent = 0;
        while (sent < count) {
          // Fill the peer queue synchronously; wait for room only when it is full.
          while (sent < count && a.send(to, message) === 'queued') sent++;
          if (sent < count) {
            await a.sendWhenRoom(to, message);
            sent++;
          }
        }
        await done;
      });
      const seconds = (performance.now() - started) / 1000;
      report({
        scenario: this.name,
        case: `${label} messages`,
        value: count / seconds,
        unit: 'msg/s',
        notes: `${((count * size) / seconds / 1e6).toFixed(1)} MB/s payload; heap ${heapBefore.toFixed(0)} → peak ${peakHeapMB.toFixed(0)} MB`,
      });
      const drops = a.stats().drops['peer-queue-full'] ?? 0;
      if (drops > 0) throw new Error(`benchmark must not drop, but ${drops} sends found the queue full`);
      await net.stop();
    }
  },
};
