import assert from 'node:assert/strict';
import { MemoryNetwork, type MemoryNetworkOptions } from '../../../../../plugins/transports/memory/memory-network.js';
import { MemoryTransport } from '../../../../../plugins/transports/memory/memory-transport.js';
import type { MemoryConnection } from '../../../../../plugins/transports/memory/memory-connection.js';
import { DelayLine } from '../../../../../plugins/transports/memory/delay-line.js';
import { resolveLinkConditions } from '../../../../../plugins/transports/memory/link-conditions.js';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import { ConnectionClosedError } from '../../../../../framework/transport/errors.js';
import { makeNodeInfo } from '../../../../support/node-info.js';
import { seeded } from '../../../../support/fakes.js';


async function linked(options: MemoryNetworkOptions) {
  const network = new MemoryNetwork(options);
  const ka = NodeKey.generate();
  const kb = NodeKey.generate();
  const a = new MemoryTransport(network, ka);
  const b = new MemoryTransport(network, kb);
  await a.listen();
  await b.listen();
  const dialed = (await a.dial({ protocol: 'memory', path: kb.nodeId })) as MemoryConnection;
  const accepted = (await b.accept()) as MemoryConnection;
  await Promise.all([
    dialed.handshake(makeNodeInfo({ nodeId: ka.nodeId }), ka, { channels: [] }),
    accepted.handshake(makeNodeInfo({ nodeId: kb.nodeId }), kb, { channels: [] }),
  ]);
  return { network, dialed, accepted };
}

/** Receives until nothing has arrived for `quietMs`. */
async function receiveUntilQuiet(connection: MemoryConnection, quietMs: number): Promise<number[]> {
  const got: number[] = [];
  for (;;) {
    try {
      const message = await connection.receive(AbortSignal.timeout(quietMs));
      got.push(new DataView(message.bytes.buffer, message.bytes.byteOffset).getUint32(0));
    } catch (error) {
      if ((error as Error).name === 'AbortError') return got;
      throw error;
    }
  }
}

const numbered = (i: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, i);
  return bytes;
};

async function sendAll(connection: MemoryConnection, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    while (!connection.trySend(1, numbered(i))) await connection.writable();
  }
}

describe('memory transport link conditions', function () {
  this.timeout(10_000);

  it('delays messages by the latency', async () => {
    const { dialed, accepted } = await linked({ link: { latencyMs: 40 } });
    const sentAt = performance.now();
    assert.equal(dialed.trySend(1, numbered(7)), true);
    assert.equal(accepted.tryReceive(), undefined, 'nothing arrives at once');
    const message = await accepted.receive();
    // Timers may fire up to a millisecond early on the event loop's cached clock.
    assert.ok(performance.now() - sentAt >= 39, `arrived after ${performance.now() - sentAt} ms`);
    assert.deepEqual([...message.bytes], [...numbered(7)]);
  });

  it('keeps messages in order under heavy jitter', async () => {
    const { dialed, accepted, network } = await linked({ link: { latencyMs: 2, jitterMs: 30 }, random: seeded(1) });
    const receiving = receiveUntilQuiet(accepted, 300);
    await sendAll(dialed, 500);
    const got = await receiving;
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
    assert.deepEqual(dialed.stats(), { sent: 500, delivered: 500, lost: 0, discarded: 0, inFlight: 0 });
    assert.equal(network.stats().delivered, 500);
  });

  it('loses about the configured share, counts every loss exactly, and keeps the rest in order', async () => {
    const { dialed, accepted, network } = await linked({ link: { latencyMs: 1, jitterMs: 3, lossRate: 0.3 }, random: seeded(42) });
    const receiving = receiveUntilQuiet(accepted, 300);
    await sendAll(dialed, 2_000);
    const got = await receiving;
    const stats = dialed.stats();
    assert.equal(stats.sent, 2_000);
    assert.equal(stats.delivered, got.length, 'every delivered message was received');
    assert.equal(stats.sent, stats.delivered + stats.lost + stats.discarded + stats.inFlight);
    assert.equal(stats.inFlight, 0);
    assert.ok(stats.lost > 450 && stats.lost < 750, `lost ${stats.lost} of 2000 at 30 %`);
    assert.ok(got.every((v, i) => i === 0 || v > got[i - 1]!), 'survivors arrive in the order sent');
    const totals = network.stats();
    assert.equal(totals.sent, totals.delivered + totals.lost + totals.discarded + totals.inFlight);
  });

  it('loses messages on an undelayed link too, and counts them', async () => {
    const { dialed, accepted } = await linked({ link: { lossRate: 1 } });
    for (let i = 0; i < 10; i++) assert.equal(dialed.trySend(1, numbered(i)), true, 'a lost message was still sent');
    assert.equal(accepted.tryReceive(), undefined);
    assert.deepEqual(dialed.stats(), { sent: 10, delivered: 0, lost: 10, discarded: 0, inFlight: 0 });
  });

  it('counts messages in flight against the capacity: bounded, with backpressure', async () => {
    const { dialed, accepted } = await linked({ connectionCapacity: 4, link: { latencyMs: 20 } });
    for (let i = 0; i < 4; i++) assert.equal(dialed.trySend(1, numbered(i)), true);
    assert.equal(dialed.trySend(1, numbered(4)), false, 'four in flight fill a capacity of four');
    assert.equal(dialed.stats().inFlight, 4);
    let writable = false;
    const room = dialed.writable().then(() => (writable = true));
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(writable, false, 'arriving does not make room; reading does');
    assert.equal(dialed.trySend(1, numbered(4)), false);
    await accepted.receive();
    await room;
    assert.equal(dialed.trySend(1, numbered(4)), true);
  });

  it('delivers what was sent before a close, then the close', async () => {
    const { dialed, accepted } = await linked({ link: { latencyMs: 15, jitterMs: 10 }, random: seeded(5) });
    for (let i = 0; i < 20; i++) dialed.trySend(1, numbered(i));
    dialed.close();
    assert.equal(accepted.isClosed, false, 'the close travels like a message');
    const got: number[] = [];
    await assert.rejects(async () => {
      for (;;) got.push(new DataView((await accepted.receive()).bytes.buffer).getUint32(0));
    }, ConnectionClosedError);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
  });

  it('counts messages that reach a closed end as discarded', async () => {
    const { dialed, accepted } = await linked({ link: { latencyMs: 20 } });
    for (let i = 0; i < 5; i++) dialed.trySend(1, numbered(i));
    accepted.close();
    await dialed.closed;
    // The close reached the dialer; its messages still travelling can never be read.
    const stats = dialed.stats();
    assert.deepEqual(stats, { sent: 5, delivered: 0, lost: 0, discarded: 5, inFlight: 0 });
  });

  it('delays the handshake by the latency as well', async () => {
    const network = new MemoryNetwork({ link: { latencyMs: 30 } });
    const [ka, kb] = [NodeKey.generate(), NodeKey.generate()];
    const b = new MemoryTransport(network, kb);
    await b.listen();
    const dialed = await new MemoryTransport(network, ka).dial({ protocol: 'memory', path: kb.nodeId });
    const accepted = await b.accept();
    const started = performance.now();
    await Promise.all([
      dialed.handshake(makeNodeInfo({ nodeId: ka.nodeId }), ka, { channels: [] }),
      accepted.handshake(makeNodeInfo({ nodeId: kb.nodeId }), kb, { channels: [] }),
    ]);
    assert.ok(performance.now() - started >= 29);
  });

  it('applies per-connection conditions from linkConditions', async () => {
    const seen: string[] = [];
    const { dialed, accepted } = await linked({
      link: { latencyMs: 500 },
      linkConditions: (from, to) => {
        seen.push(`${from.protocol}->${to.protocol}`);
        return { latencyMs: 0 };
      },
    });
    dialed.trySend(1, numbered(1));
    assert.ok(accepted.tryReceive(), 'the per-link conditions (no latency) won over the default');
    assert.deepEqual(seen, ['memory->memory']);
  });

  it('rejects invalid conditions with a typed error naming the option', () => {
    const bad: Array<[object, RegExp]> = [
      [{ latencyMs: -1 }, /latencyMs = -1 is invalid: expected milliseconds from 0/],
      [{ jitterMs: Number.NaN }, /jitterMs = null is invalid/],
      [{ lossRate: 1.5 }, /lossRate = 1.5 is invalid: expected a probability from 0 to 1/],
      [{ latency: 5 }, /unknown option "latency"/],
    ];
    for (const [link, message] of bad) {
      assert.throws(() => new MemoryNetwork({ link }), { name: 'LinkConditionsError', message });
    }
    assert.throws(() => new MemoryNetwork({ connectionCapacity: 0 }), { name: 'LinkConditionsError', message: /connectionCapacity/ });
    const network = new MemoryNetwork({ linkConditions: () => ({ lossRate: -0.1 }) });
    const key = NodeKey.generate();
    const t = new MemoryTransport(network, key);
    return t.listen().then(() =>
      assert.rejects(new MemoryTransport(network, NodeKey.generate()).dial({ protocol: 'memory', path: key.nodeId }), { name: 'LinkConditionsError' }),
    );
  });

  it('resolves the ideal link to the shared no-op conditions', () => {
    assert.equal(resolveLinkConditions(undefined), resolveLinkConditions({ latencyMs: 0, lossRate: 0 }));
  });
});

describe('DelayLine', () => {
  it('never lets an item overtake an earlier one, whatever the delays', async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    for (const [item, delay] of [[1, 30], [2, 5], [3, 0], [4, 40], [5, 1]] as const) line.push(item, delay);
    assert.equal(line.length, 5);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(out, [1, 2, 3, 4, 5]);
    assert.equal(line.length, 0);
  });

  it('clear() hands back what waits and stops delivering', async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    line.push(1, 10);
    line.push(2, 10);
    assert.deepEqual(line.clear(), [1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(out, []);
  });
});

describe('createTestNetwork over slow links', function () {
  this.timeout(10_000);
  it('takes MemoryNetwork options, so reactors can be tested over latency', async () => {
    const { createTestNetwork } = await import('../../../../../node/testing/test-network.js');
    const { EchoReactor } = await import('../../../../../reactors/echo/echo-reactor.js');
    const net = await createTestNetwork({ nodes: 2, reactors: [EchoReactor], memoryNetwork: { link: { latencyMs: 25 } }, config: { reactors: { echo: { ping_interval: '50ms' } } } });
    try {
      const rtts: number[] = [];
      net.node(0).reactor(EchoReactor).roundTrips$.subscribe((rt) => rtts.push(rt.ms));
      await net.waitFor(() => rtts.length > 0, { what: 'a round trip' });
      assert.ok(rtts[0]! >= 49, `round trip ${rtts[0]} ms over two 25 ms hops`);
      assert.ok(net.memoryNetwork.link.latencyMs === 25);
    } finally {
      await net.stop();
    }
  });
});
