import assert from 'node:assert/strict';
import { filter, firstValueFrom } from 'rxjs';
import { tmp2p } from '../../../proto/gen/messages.js';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { createNode } from '../../../node/create-node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { Reactor, Channel, OnMessage, type MessageContext } from '../../../framework/reactor/decorators.js';
import { defineChannel } from '../../../framework/router/channel-definition.js';
import type { ChannelHandle } from '../../../framework/router/channel.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { Ping } from '../../../reactors/echo/echo-channel.js';
import { MConnConnection } from '../../../plugins/transports/mconn/mconn-connection.js';
import { MConnTransport } from '../../../plugins/transports/mconn/mconn-transport.js';
import { TOKENS } from '../../../framework/tokens.js';

const TCP = { p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' } };
const FAST_ECHO = { reactors: { echo: { ping_interval: '20ms' } } };

const BulkChannel = defineChannel({ id: 0x61, name: 'bulk', messageType: tmp2p.echo.Ping, priority: 1, sendQueueCapacity: 4 });
const UrgentChannel = defineChannel({ id: 0x62, name: 'urgent', messageType: tmp2p.echo.Ping, priority: 10, sendQueueCapacity: 64 });

/** Records, in arrival order, every message on a low- and a high-priority channel. */
@Reactor('test-priority')
class PriorityReactor {
  @Channel(BulkChannel) readonly bulk!: ChannelHandle<Ping>;
  @Channel(UrgentChannel) readonly urgent!: ChannelHandle<Ping>;
  readonly arrivals: Array<{ channel: 'bulk' | 'urgent'; content: string; from: string }> = [];

  @OnMessage(Ping, { channel: BulkChannel.id })
  onBulk(message: Ping, { from }: MessageContext): void {
    this.arrivals.push({ channel: 'bulk', content: message.content, from });
  }

  @OnMessage(Ping, { channel: UrgentChannel.id })
  onUrgent(message: Ping, { from }: MessageContext): void {
    this.arrivals.push({ channel: 'urgent', content: message.content, from });
  }
}

describe('tmp2p nodes over loopback TCP (mconn transport)', function () {
  this.timeout(30_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('two nodes find each other by their TCP addresses and echo', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [EchoReactor], config: { ...TCP, ...FAST_ECHO } });
    await net.waitForFullMesh();
    const [a, b] = [net.node(0), net.node(1)];
    const [address] = b.addresses();
    assert.match(address!.toString(), new RegExp(`^mconn://${b.nodeId}@127\\.0\\.0\\.1:[1-9][0-9]*$`));
    assert.ok(a.router.peer(b.nodeId)!.connection instanceof MConnConnection, 'the peers are connected over TCP');
    await net.waitFor(() => a.reactor(EchoReactor).stats.pongsReceived > 2 && b.reactor(EchoReactor).stats.pongsReceived > 2, { what: 'round trips both ways' });
  });

  it('builds a full mesh of five and broadcasts to every peer', async () => {
    net = await createTestNetwork({ nodes: 5, reactors: [EchoReactor], config: { ...TCP, reactors: { echo: { ping_interval: '1h' } } } });
    await net.waitForFullMesh();
    const received = Promise.all(
      net.nodes.slice(1).map((n) => firstValueFrom(n.reactor(EchoReactor).echo.inbound.pipe(filter((e) => e.message instanceof Ping)))),
    );
    assert.equal(net.node(0).reactor(EchoReactor).echo.broadcast(Ping.create({ content: 'to all over tcp' })), 4);
    for (const envelope of await received) {
      assert.equal(envelope.from, net.node(0).nodeId);
      assert.equal((envelope.message as Ping).content, 'to all over tcp');
    }
    // Each pair is connected once: n·(n−1) directed peerings, one TCP link each.
    assert.equal(net.nodes.reduce((sum, n) => sum + n.peers().length, 0), 20);
  });

  it('reconnects a restarted node on the same port', async () => {
    net = await createTestNetwork({ nodes: 3, reactors: [EchoReactor], config: { ...TCP, ...FAST_ECHO } });
    await net.waitForFullMesh();
    const port = net.node(1).router.endpoints()[0]!.port;
    await net.stopNode(1);
    await net.waitFor(() => !net!.node(0).peers().includes(net!.node(1).nodeId), { what: 'node 0 to see node 1 go' });
    const restarted = await net.restartNode(1);
    assert.equal(restarted.router.endpoints()[0]!.port, port);
    // Node 1 only knows node 2 (it dialed it); node 0 must redial node 1 at the address it already had.
    await net.waitForFullMesh({ timeoutMs: 15_000 });
    const pongs = restarted.reactor(EchoReactor).stats.pongsReceived;
    await net.waitFor(() => restarted.reactor(EchoReactor).stats.pongsReceived >= pongs + 2, { what: 'echo after the restart' });
  });

  it('delivers small high-priority messages before a 5 MB low-priority one sent first', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [PriorityReactor], config: TCP });
    await net.waitForFullMesh();
    const [sender, receiver] = [net.node(0).reactor(PriorityReactor), net.node(1).reactor(PriorityReactor)];
    const to = net.node(1).nodeId;
    const big = 'B'.repeat(5 * 1024 * 1024);
    assert.equal(sender.bulk.send(to, Ping.create({ content: big })), 'queued');
    for (let i = 0; i < 20; i++) assert.equal(sender.urgent.send(to, Ping.create({ content: `small-${i}` })), 'queued');
    await net.waitFor(() => receiver.arrivals.some((a) => a.channel === 'bulk'), { what: 'the 5 MB message', timeoutMs: 20_000 });
    const order = receiver.arrivals.map((a) => (a.channel === 'bulk' ? 'BIG' : a.content));
    assert.deepEqual(order, [...Array.from({ length: 20 }, (_, i) => `small-${i}`), 'BIG']);
    assert.equal(receiver.arrivals.at(-1)!.content.length, big.length);
    assert.ok(receiver.arrivals.every((a) => a.from === net!.node(0).nodeId));
  });

  it('boots a node from config with the mconn transport by name', async () => {
    const node = await createNode({ values: { ...TCP, reactors: { enabled: [] } } }, { logger: silentLogger() });
    try {
      const transports = node.container.getAll(TOKENS.Transport);
      assert.ok(transports.some((t) => t instanceof MConnTransport));
      const [endpoint] = node.router.endpoints();
      assert.equal(endpoint!.protocol, 'mconn');
      assert.ok(endpoint!.port! > 0);
    } finally {
      await node.stop();
    }
  });
});
