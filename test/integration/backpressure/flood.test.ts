import assert from 'node:assert/strict';
import { google } from '../../../proto/gen/messages.js';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { Channel, OnMessage, Reactor } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import { percentile } from '../../../framework/util/stats.js';
import type { OverflowPolicy } from '../../../framework/streams/bounded-consumer.js';

/*
 * A peer floods a low-priority channel over real TCP (SecretConnection +
 * MConnection) as fast as it can while the receiver's handler takes 10 ms per
 * message, and a high-priority channel carries a timestamped ping every
 * 100 ms. FLOOD_SECONDS (default 30, as issue 5 asks) sets how long the
 * lossless case floods. Both nodes share this process, so the heap measured is
 * both of them: the receiver alone stays below it.
 */

const BytesValue = google.protobuf.BytesValue;
type BytesValue = google.protobuf.BytesValue;
const FLOOD = defineChannel({ id: 0x71, name: 'flood', messageType: BytesValue, priority: 1, recvQueueCapacity: 64 });
const URGENT = defineChannel({ id: 0x72, name: 'urgent', messageType: BytesValue, priority: 10 });
const FLOOD_SECONDS = Number(process.env.FLOOD_SECONDS ?? 30);
const LOSSY_FLOOD_SECONDS = Math.min(FLOOD_SECONDS, 10);
const SLOW_MS = 10;
const PAYLOAD = new Uint8Array(1024).fill(0x5a);
/**
 * Messages that may sit between the flooder and the reactor while it is held
 * back: both nodes' queues (1,024 + 64 + 16), MConnection and SecretConnection
 * buffers and the two kernel socket buffers (megabytes on loopback). Unslowed,
 * the flooder queues well over 100,000 messages a second.
 */
const IN_FLIGHT_BOUND = 20_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The far side: a slow flood handler and a ping recorder, shared by both overflow policies. */
abstract class SlowReceiver {
  abstract readonly flood: ChannelHandle<BytesValue>;
  slowMs = SLOW_MS;
  handled = 0;
  pings = 0;
  readonly pingLatencies: number[] = [];

  protected async slow(): Promise<void> {
    if (this.slowMs > 0) await sleep(this.slowMs);
    this.handled++;
  }

  protected ping(message: BytesValue): void {
    this.pings++;
    this.pingLatencies.push(performance.now() - Number(Buffer.from(message.value).toString()));
  }
}

/** A slow receiver whose flood channel is consumed one message at a time under `overflow`. */
function slowReceiver(name: string, overflow: OverflowPolicy) {
  @Reactor(name)
  class Receiver extends SlowReceiver {
    @Channel(FLOOD, { consume: { concurrency: 1, buffer: 16, overflow } }) readonly flood!: ChannelHandle<BytesValue>;
    @Channel(URGENT) readonly urgent!: ChannelHandle<BytesValue>;

    @OnMessage(BytesValue, { channel: FLOOD.id })
    onFlood(): Promise<void> {
      return this.slow();
    }

    @OnMessage(BytesValue, { channel: URGENT.id })
    onUrgent(message: BytesValue): void {
      this.ping(message);
    }
  }
  return Receiver;
}

const BlockingReceiver = slowReceiver('flood-receiver-block', 'block');
const DroppingReceiver = slowReceiver('flood-receiver-drop', 'drop-oldest');

@Reactor('flood-sender')
class Flooder {
  @Channel(FLOOD) readonly flood!: ChannelHandle<BytesValue>;
  @Channel(URGENT) readonly urgent!: ChannelHandle<BytesValue>;

  @OnMessage(BytesValue, { channel: FLOOD.id })
  onFlood(): void {}

  @OnMessage(BytesValue, { channel: URGENT.id })
  onUrgent(): void {}
}

interface FloodResult {
  /** Flood messages the sender's peer queue accepted. */
  readonly sent: number;
  /** Times sendWhenRoom had to wait for room: the flooder being slowed. */
  readonly waits: number;
  readonly pingsSent: number;
  readonly maxHeapMB: number;
  /** What the receiver had handled when the flood stopped. */
  readonly handledDuringFlood: number;
}

type QueueType = 'fifo' | 'priority';

async function tcpNode(reactor: abstract new (...args: never[]) => object, queueType: QueueType): Promise<Node> {
  return createNode(
    { values: { network: 'flood', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', send_rate: 0, recv_rate: 0, queue_type: queueType }, reactors: { enabled: [] } } },
    { reactors: [reactor as never], logger: silentLogger() },
  );
}

/**
 * Floods for `seconds` through sendWhenRoom (so the sender itself drops
 * nothing) and pings every 100 ms on the urgent channel.
 */
async function flood(senderNode: Node, receiverNode: Node, receiver: SlowReceiver, seconds: number): Promise<FloodResult> {
  const to = receiverNode.nodeId;
  const sender = senderNode.reactor(Flooder);
  const peerQueue = senderNode.router.peer(to)!.queue;
  const capacity = senderNode.config.p2p.peerQueueCapacity;
  const message = BytesValue.create({ value: PAYLOAD });
  let maxHeap = 0;
  const heapTimer = setInterval(() => (maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed)), 50);
  let pingsSent = 0;
  // Pings wait for room too (they cannot be lost), at most one per 100 ms: a bounded number in flight.
  const pings: Promise<unknown>[] = [];
  const pinger = setInterval(() => {
    pingsSent++;
    pings.push(sender.urgent.sendWhenRoom(to, BytesValue.create({ value: Buffer.from(String(performance.now())) })).then((outcome) => assert.equal(outcome, 'queued')));
  }, 100);
  let sent = 0;
  let waits = 0;
  const stop = AbortSignal.timeout(seconds * 1000);
  try {
    while (!stop.aborted) {
      if (peerQueue.length >= capacity) waits++;
      const outcome = await sender.flood.sendWhenRoom(to, message, stop);
      assert.equal(outcome, 'queued', `unexpected send outcome ${outcome}`);
      sent++;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError' && (error as Error).name !== 'TimeoutError') throw error;
  } finally {
    clearInterval(pinger);
    clearInterval(heapTimer);
  }
  const handledDuringFlood = receiver.handled;
  await Promise.all(pings);
  return { sent, waits, pingsSent, maxHeapMB: maxHeap / 2 ** 20, handledDuringFlood };
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function latencies(receiver: SlowReceiver): string {
  return `ping p50 ${percentile(receiver.pingLatencies, 50).toFixed(1)} ms, p99 ${percentile(receiver.pingLatencies, 99).toFixed(1)} ms`;
}

describe('backpressure: a flood over TCP into a slow reactor', function () {
  this.timeout((FLOOD_SECONDS + LOSSY_FLOOD_SECONDS + 120) * 1000);
  const nodes: Node[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop();
  });

  async function pair<R extends SlowReceiver>(receiverClass: new (...args: never[]) => R, queues: { sender: QueueType; receiver: QueueType }) {
    const receiverNode = await tcpNode(receiverClass, queues.receiver);
    const senderNode = await tcpNode(Flooder, queues.sender);
    nodes.push(senderNode, receiverNode);
    senderNode.addPeer(receiverNode.addresses()[0]!);
    await until(() => senderNode.peers().includes(receiverNode.nodeId) && receiverNode.peers().includes(senderNode.nodeId), 'the connection', 10_000);
    return { senderNode, receiverNode, receiver: receiverNode.reactor(receiverClass) };
  }

  it(`with "block" and lossless queues: bounded memory, the flooder is held to the reactor's pace, and every message and ping arrives (${FLOOD_SECONDS} s)`, async () => {
    const { senderNode, receiverNode, receiver } = await pair(BlockingReceiver, { sender: 'fifo', receiver: 'fifo' });
    const result = await flood(senderNode, receiverNode, receiver, FLOOD_SECONDS);
    const pace = (FLOOD_SECONDS * 1000) / SLOW_MS;
    assert.ok(result.maxHeapMB < 200, `heap peaked at ${result.maxHeapMB.toFixed(0)} MB`);
    assert.ok(result.waits > 0, 'the flooder was made to wait');
    assert.ok(result.sent <= result.handledDuringFlood + IN_FLIGHT_BOUND, `sent ${result.sent} against ${result.handledDuringFlood} handled`);
    assert.ok(result.handledDuringFlood >= pace * 0.5, `the reactor kept working: ${result.handledDuringFlood} handled`);
    // Lossless: once the flood stops (and the handler speeds up), everything sent is handled and every ping arrives.
    receiver.slowMs = 0;
    await until(() => receiver.handled === result.sent && receiver.pings === result.pingsSent, 'the backlog to drain', 60_000);
    console.log(
      `      sent ${result.sent} (waited ${result.waits} times), handled ${result.handledDuringFlood} while flooding (pace ${pace}), ` +
        `heap max ${result.maxHeapMB.toFixed(0)} MB, ${latencies(receiver)} (queued behind the flood, in order)`,
    );
    assert.equal(receiver.handled, result.sent);
    assert.deepEqual(receiverNode.router.channel(FLOOD.id)!.stats().drops, {});
    assert.deepEqual(receiverNode.router.peer(senderNode.nodeId)!.drops.snapshot(), {});
    assert.equal(senderNode.router.peer(receiverNode.nodeId)!.queue.stats().dropped.size, 0);
  });

  it(`with "drop-oldest": the connection keeps flowing, pings keep their latency, and sent = handled + dropped exactly (${LOSSY_FLOOD_SECONDS} s)`, async () => {
    const { senderNode, receiverNode, receiver } = await pair(DroppingReceiver, { sender: 'priority', receiver: 'fifo' });
    const result = await flood(senderNode, receiverNode, receiver, LOSSY_FLOOD_SECONDS);
    const floodChannel = receiverNode.router.channel(FLOOD.id)!;
    const consumerDrops = () => floodChannel.stats().drops['consumer-overflow'] ?? 0;
    const receiverPeerDrops = () => Object.values(receiverNode.router.peer(senderNode.nodeId)!.drops.snapshot()).reduce((a, b) => a + b, 0);
    // The sender's priority queue sheds flood messages to let pings pass when it is full.
    const senderSheds = () => senderNode.router.peer(receiverNode.nodeId)!.queue.stats().dropped.get(FLOOD.id) ?? 0;
    const accounted = () => receiver.handled + consumerDrops() + receiverPeerDrops() + senderSheds();
    await until(() => accounted() === result.sent && receiver.pings === result.pingsSent, 'every message to be handled or dropped', 60_000);
    console.log(
      `      sent ${result.sent}, handled ${receiver.handled}, dropped by the consumer ${consumerDrops()}, shed by the sender ${senderSheds()}, ` +
        `heap max ${result.maxHeapMB.toFixed(0)} MB, ${latencies(receiver)}`,
    );
    assert.equal(accounted(), result.sent);
    assert.ok(consumerDrops() > 0, 'the reactor could not keep up, so the policy dropped');
    assert.equal(receiver.pings, result.pingsSent, 'no ping was lost');
    assert.ok(result.pingsSent >= LOSSY_FLOOD_SECONDS * 5, `pings kept being sent: ${result.pingsSent}`);
    // Not a benchmark, a difference in kind: with the socket paused (as under "block") a ping waits
    // seconds behind the flood (15-22 s here); flowing, it takes about a millisecond (p99 3-40 ms alone,
    // up to ~400 ms on a machine loaded with other test suites).
    assert.ok(percentile(receiver.pingLatencies, 99) < 1000, latencies(receiver));
    assert.ok(result.maxHeapMB < 200);
  });
});
