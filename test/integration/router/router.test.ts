import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { Ping, ECHO_CHANNEL_ID } from '../../../reactors/echo/echo-channel.js';
import { TOKENS } from '../../../framework/tokens.js';
import type { Queue, QueueFactory, QueueItem, QueueOptions } from '../../../framework/queue/queue.js';
import { PriorityQueueFactory } from '../../../plugins/queues/priority.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { Reactor, Channel, OnMessage } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import { connectRogue } from '../../support/rogue-peer.js';
import { trackTimers } from '../../support/timer-tracker.js';

const SIDE_CHANNEL = defineChannel({ id: 0x7e, name: 'side', messageType: Ping });

@Reactor('test-side')
class SideReactor {
  @Channel(SIDE_CHANNEL) readonly side!: ChannelHandle<Ping>;
  @OnMessage(Ping) onPing(): void {}
}

const FAST_ECHO = { reactors: { echo: { ping_interval: '20ms' } } };

describe('router on a 10-node memory network', function () {
  this.timeout(30_000);
  let net: TestNetwork | undefined;

  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('connects a full mesh and echoes between every pair', async () => {
    net = await createTestNetwork({ nodes: 10, reactors: [EchoReactor], config: FAST_ECHO });
    await net.waitForFullMesh();
    const heardFrom = net.nodes.map(() => new Set<string>());
    net.nodes.forEach((node, i) => node.reactor(EchoReactor).roundTrips$.subscribe((rt) => heardFrom[i]!.add(rt.peer)));
    await net.waitFor(() => heardFrom.every((s) => s.size === 9), { what: 'a pong from every peer at every node' });
    for (const node of net.nodes) {
      assert.equal(node.peers().length, 9);
      const stats = node.reactor(EchoReactor).stats;
      assert.ok(stats.pingsReceived > 0 && stats.pongsSent > 0);
      assert.equal(stats.peersUp, 9);
    }
  });

  it('broadcasts to every ready peer that has the channel', async () => {
    net = await createTestNetwork({ nodes: 10, reactors: [EchoReactor], config: { reactors: { echo: { ping_interval: '1h' } } } });
    await net.waitForFullMesh();
    const received = Promise.all(
      net.nodes.slice(1).map((n) => firstValueFrom(n.reactor(EchoReactor).echo.inbound.pipe(filter((e) => e.message instanceof Ping)))),
    );
    const queued = net.node(0).reactor(EchoReactor).echo.broadcast(Ping.create({ content: 'to all' }));
    assert.equal(queued, 9);
    const envelopes = await received;
    for (const envelope of envelopes) {
      assert.equal(envelope.from, net.node(0).nodeId);
      assert.equal((envelope.message as Ping).content, 'to all');
    }
  });

  it('keeps routing while nodes stop and restart under traffic, and leaks no timers', async () => {
    const timers = trackTimers();
    net = await createTestNetwork({ nodes: 10, reactors: [EchoReactor], config: FAST_ECHO });
    await net.waitForFullMesh();
    for (const index of [3, 7, 3]) {
      await net.stopNode(index);
      await net.waitFor(() => net!.nodes.every((n, i) => i === index || !n.peers().includes(net!.node(index).nodeId)), {
        what: `everyone to see node ${index} go`,
      });
      const restarted = await net.restartNode(index);
      // The others knew it as a peer and redial it; it redials them too.
      await net.waitForFullMesh({ timeoutMs: 15_000 });
      const pongs = restarted.reactor(EchoReactor).stats.pongsReceived;
      await net.waitFor(() => restarted.reactor(EchoReactor).stats.pongsReceived >= pongs + 9, { what: 'echo to resume' });
    }
    for (const node of net.nodes) {
      assert.deepEqual(node.router.metrics().loopErrors, {}, 'no loop errors');
    }
    await net.stop();
    net = undefined;
    await new Promise((r) => setImmediate(r));
    const leaked = timers.live();
    timers.restore();
    assert.deepEqual(leaked, [], 'every timer the nodes created is cleared by stop()');
  });

  it('reports a peer sending undecodable bytes or an unknown inner type and keeps serving others', async () => {
    net = await createTestNetwork({ nodes: 3, reactors: [EchoReactor], config: FAST_ECHO });
    await net.waitForFullMesh();
    const target = net.node(0);
    for (const [label, bytes, errorName] of [
      ['undecodable', Uint8Array.of(0x0a, 0xff, 0x01), 'MessageDecodeError'],
      // Field 3 is not part of EchoMessage's oneof: it decodes, but unwraps to nothing.
      ['unknown inner type', Uint8Array.of(0x1a, 0x00), 'UnwrapError'],
    ] as const) {
      const errors = firstValueFrom(
        target.events$.pipe(filter((e): e is Extract<RouterEvent, { type: 'peer-error' }> => e.type === 'peer-error'), take(1)),
      );
      const { key, connection } = await connectRogue(net.memoryNetwork, target.nodeId);
      await net.waitFor(() => target.peers().includes(key.nodeId), { what: `${label} rogue to be routed` });
      connection.trySend(ECHO_CHANNEL_ID, bytes);
      const event = await errors;
      assert.equal(event.nodeId, key.nodeId);
      assert.equal(event.error.name, errorName, label);
      await net.waitFor(() => !target.peers().includes(key.nodeId), { what: `${label} rogue to be disconnected` });
    }
    const pongs = target.reactor(EchoReactor).stats.pongsReceived;
    await net.waitFor(() => target.reactor(EchoReactor).stats.pongsReceived >= pongs + 4, { what: 'echo with honest peers to go on' });
    assert.equal(target.peers().length, 2);
  });

  it('drops a unicast to a peer lacking the channel, counted, never sent', async () => {
    // The peer shares the side channel (so it is compatible) but not the echo channel.
    net = await createTestNetwork({ nodes: 1, reactors: [EchoReactor, SideReactor], config: { reactors: { echo: { ping_interval: '1h' } } } });
    const target = net.node(0);
    const { key, connection } = await connectRogue(net.memoryNetwork, target.nodeId, { channels: [SIDE_CHANNEL.id] });
    await net.waitFor(() => target.peers().includes(key.nodeId), { what: 'rogue routed' });
    const echo = target.reactor(EchoReactor).echo;
    assert.equal(echo.send(key.nodeId, Ping.create({ content: 'nope' })), 'peer-lacks-channel');
    assert.equal(echo.broadcast(Ping.create({ content: 'nope' })), 0);
    assert.equal(echo.stats().drops['peer-lacks-channel'], 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(connection.tryReceive(), undefined, 'nothing reached the peer');
  });

  it('selects queue plugins by config, including one loaded by module path', async () => {
    // Compiled tests load the .js; running from source (tsx) loads the .ts.
    const modulePath = ['js', 'ts'].map((ext) => fileURLToPath(new URL(`../../support/counting-queue.${ext}`, import.meta.url))).find(existsSync)!;
    net = await createTestNetwork({
      nodes: 4,
      reactors: [EchoReactor],
      config: FAST_ECHO,
      nodeConfig: (i) => ({ p2p: { queue_type: i % 2 === 0 ? 'fifo' : modulePath } }),
    });
    await net.waitForFullMesh();
    const factories = net.nodes.map((n) => n.container.get<QueueFactory>(TOKENS.QueueFactory));
    assert.deepEqual(factories.map((f) => f.name), ['fifo', 'counting-fifo', 'fifo', 'counting-fifo']);
    // The module was loaded by path, so read the counter off the class the node actually used.
    const custom = factories[1]!.constructor as unknown as { created: number };
    assert.ok(custom.created >= 2 * 3, 'the custom plugin built the peer and channel queues of nodes 1 and 3');
    await net.waitFor(() => net!.nodes.every((n) => n.reactor(EchoReactor).stats.pongsReceived >= 3), { what: 'echo across both queue kinds' });
  });

  it('delivers a channel’s messages from one peer in order', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [EchoReactor], config: { reactors: { echo: { ping_interval: '1h' } } } });
    await net.waitForFullMesh();
    const [a, b] = [net.node(0), net.node(1)];
    const got = firstValueFrom(b.reactor(EchoReactor).echo.inbound.pipe(take(500), toArray()));
    const echo = a.reactor(EchoReactor).echo;
    for (let i = 0; i < 500; i++) {
      assert.equal(await echo.sendWhenRoom(b.nodeId, Ping.create({ content: String(i) })), 'queued');
    }
    const contents = (await got).map((e) => Number((e.message as Ping).content));
    assert.deepEqual(contents, [...Array(500).keys()]);
  });
});

describe('router: a channel opened while peers are connected', function () {
  this.timeout(20_000);

  it('declares the channel’s priority in every connected peer’s queue', async () => {
    const declared: Array<{ label: string | undefined; id: number; priority: number }> = [];
    /** The priority plugin, recording what the router declares on the queues it creates. */
    class RecordingFactory extends PriorityQueueFactory {
      override create<T extends QueueItem>(options: QueueOptions): Queue<T> {
        const queue = super.create<T>(options);
        const declare = queue.declareChannel!.bind(queue);
        queue.declareChannel = (channel) => {
          declared.push({ label: options.label, ...channel });
          declare(channel);
        };
        return queue;
      }
    }
    const net = await createTestNetwork({
      nodes: 3,
      reactors: [EchoReactor],
      config: { reactors: { echo: { ping_interval: '1h' } } },
      createNodeOptions: { configure: (c) => c.rebind(TOKENS.QueueFactory).toConstantValue(new RecordingFactory()) },
    });
    try {
      await net.waitForFullMesh();
      const node = net.node(0);
      node.router.openChannel(defineChannel({ id: 0x7d, name: 'late', messageType: Ping, priority: 9 }));
      const peers = net.nodes.slice(1).map((n) => `peer:${n.nodeId}`).sort();
      assert.deepEqual(declared.map((d) => d.label).sort(), peers, 'one declaration per connected peer of node 0');
      assert.ok(declared.every((d) => d.id === 0x7d && d.priority === 9));
    } finally {
      await net.stop();
    }
  });
});
