import { createTestNetwork } from '../node/testing/test-network.js';
import { Reactor, Channel, OnMessage } from '../framework/reactor/decorators.js';
import type { ChannelHandle } from '../framework/router/channel.js';
import { EchoChannel, Ping, type Pong } from '../reactors/echo/echo-channel.js';
import { gc, heapMB, withPeakHeap, type Scenario } from './harness.js';

/** Owns the echo channel and counts what arrives; the benchmark sends through it directly. */
@Reactor('bench-sink')
class SinkReactor {
  @Channel(EchoChannel) readonly channel!: ChannelHandle<Ping | Pong>;
  received = 0;
  onReceived?: () => void;

  @OnMessage(Ping)
  onPing(): void {
    this.received++;
    this.onReceived?.();
  }
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
      const a = net.node(0).reactor(SinkReactor).channel;
      const sink = net.node(1).reactor(SinkReactor);
      const to = net.node(1).nodeId;
      const message = Ping.create({ content: 'x'.repeat(size) });
      const done = new Promise<void>((resolve) => {
        sink.onReceived = () => {
          if (sink.received === count) resolve();
        };
      });
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
      // send() that finds the queue full is counted as a drop and retried with sendWhenRoom; none is lost.
      if (sink.received !== count) throw new Error(`received ${sink.received} of ${count} messages`);
      await net.stop();
    }
  },
};
