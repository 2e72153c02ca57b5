import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { FloodReactor } from '../../../reactors/flood/flood-reactor.js';
import { Flood, FloodChannel, FLOOD_CHANNEL_ID } from '../../../reactors/flood/flood-channel.js';
import { connectRogue } from '../../support/rogue-peer.js';
import { NodeKey } from '../../../framework/identity/node-key.js';

describe('flood reactor', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('floods along a line hop by hop and records each first arrival', async () => {
    net = await createTestNetwork({ nodes: 4, topology: 'none', reactors: [FloodReactor] });
    for (let i = 0; i < 3; i++) net.connect(i, i + 1);
    await net.waitFor(() => net!.nodes.every((n, i) => n.peers().length === (i === 0 || i === 3 ? 1 : 2)), { what: 'a line of 4' });
    const origin = net.node(0).reactor(FloodReactor).start(Uint8Array.of(1, 2, 3));
    const arrival = (i: number) => net!.node(i).reactor(FloodReactor).arrival(origin.origin, origin.id);
    await net.waitFor(() => arrival(3) !== undefined, { what: 'the flood at the far end' });
    assert.deepEqual([0, 1, 2, 3].map((i) => arrival(i)?.hops), [0, 1, 2, 3]);
    assert.equal(arrival(2)?.from, net.node(1).nodeId);
    assert.ok(arrival(3)!.at >= arrival(1)!.at);
    const stats = net.nodes.map((n) => n.reactor(FloodReactor).stats);
    assert.deepEqual(stats.map((s) => s.forwarded), [1, 1, 1, 0], 'never back to the sender');
    assert.equal(stats.reduce((sum, s) => sum + s.duplicates, 0), 0);
  });

  it('drops the copies that come back around a triangle and counts them', async () => {
    net = await createTestNetwork({ nodes: 3, reactors: [FloodReactor] });
    await net.waitForFullMesh();
    const origin = net.node(0).reactor(FloodReactor).start();
    // 1 and 2 each pass it to the other (never back to 0), and each already had it from 0.
    await net.waitFor(() => net!.nodes.reduce((sum, n) => sum + n.reactor(FloodReactor).stats.duplicates, 0) === 2, { what: 'two duplicates' });
    assert.deepEqual(net.nodes.map((n) => n.reactor(FloodReactor).arrival(origin.origin, origin.id)?.hops), [0, 1, 1]);
  });

  it('stops passing a flood on at maxHops', async () => {
    net = await createTestNetwork({ nodes: 3, topology: 'none', reactors: [FloodReactor], config: { reactors: { flood: { max_hops: 1 } } } });
    net.connect(0, 1);
    net.connect(1, 2);
    await net.waitFor(() => net!.node(1).peers().length === 2, { what: 'a line of 3' });
    const origin = net.node(0).reactor(FloodReactor).start();
    await net.waitFor(() => net!.node(1).reactor(FloodReactor).stats.hopLimited === 1, { what: 'the hop limit' });
    assert.equal(net.node(2).reactor(FloodReactor).arrival(origin.origin, origin.id), undefined);
  });

  it('reports a flood whose origin is not a node ID as a peer error and does not pass it on', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [FloodReactor] });
    await net.waitForFullMesh();
    const errors: RouterEvent[] = [];
    net.node(0).events$.subscribe((e) => e.type === 'peer-error' && errors.push(e));
    const { connection } = await connectRogue(net.memoryNetwork, net.node(0).nodeId, { channels: [FLOOD_CHANNEL_ID] });
    await net.waitFor(() => net!.node(0).peers().length === 2, { what: 'the rogue routed' });
    connection.trySend(FLOOD_CHANNEL_ID, FloodChannel.messageType.encode(Flood.create({ id: 1, origin: 'not-a-node', hops: 0 })).finish());
    await net.waitFor(() => errors.length === 1, { what: 'the peer error' });
    assert.match(String((errors[0] as { error: Error }).error.message), /flood origin "not-a-node" is not a node ID/);
    assert.equal(net.node(0).reactor(FloodReactor).stats.forwarded, 0);
  });

  it('rejects bad options: a ConfigError naming the key from config, a FloodOptionsError from code', async () => {
    await assert.rejects(createTestNetwork({ nodes: 1, reactors: [FloodReactor], config: { reactors: { flood: { max_hops: 0 } } } }), {
      name: 'ConfigError',
      message: /config key "reactors\.flood\.max_hops" = 0 is invalid: expected an integer from 1 to 1000/,
    });
    await assert.rejects(createTestNetwork({ nodes: 1, reactors: [FloodReactor], config: { reactors: { flood: { seen: 5 } } } }), {
      name: 'ConfigError',
      message: /config key "reactors\.flood\.seen" = 5 is invalid: unknown key; allowed keys here: seen_capacity, max_hops/,
    });
    const key = NodeKey.generate();
    assert.throws(() => new FloodReactor(key, { maxHops: 0 }), { name: 'FloodOptionsError', message: /"maxHops" is 0; expected an integer from 1 to 1000/ });
    assert.throws(() => new FloodReactor(key, { seen: 5 } as object), { name: 'FloodOptionsError', message: /flood option "seen" is unknown/ });
  });
});
