import assert from 'node:assert/strict';
import type { Connection } from '../../../framework/transport/transport.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { createNode } from '../../../node/create-node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { NetAddress, PexAddrs, PexChannel, PexRequest, PEX_CHANNEL_ID } from '../../../reactors/pex/pex-channel.js';
import { PexReactor } from '../../../reactors/pex/pex-reactor.js';
import { connectRogue } from '../../support/rogue-peer.js';
import { nid } from '../../unit/reactors/pex/helpers.js';

type Entry = [string, string, number];

const encode = (message: PexRequest | PexAddrs) => PexChannel.messageType.encode(PexChannel.wrapper!.wrap(message)).finish();
const addrsBytes = (...entries: Entry[]) => encode(PexAddrs.create({ addrs: entries.map(([id, ip, port]) => NetAddress.create({ id, ip, port })) }));
const decode = (bytes: Uint8Array) => PexChannel.wrapper!.unwrap(PexChannel.messageType.decode(bytes));

/** The next PEX message the rogue receives; fails after 5 s. */
async function nextPex(connection: Connection): Promise<PexRequest | PexAddrs> {
  for (;;) {
    const msg = await connection.receive(AbortSignal.timeout(5_000));
    if (msg.channelId === PEX_CHANNEL_ID) return decode(msg.bytes);
  }
}

async function closedWithin(connection: Connection, ms = 5_000): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());
  return Promise.race([connection.closed.then(() => true), timeout]);
}

describe('PEX reactor in an in-process network', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  const pexNetwork = (nodes: number, pex: (index: number) => Record<string, unknown> = () => ({})) =>
    createTestNetwork({
      nodes,
      topology: 'none',
      config: { reactors: { enabled: ['pex'] } },
      nodeConfig: (i) => ({ reactors: { pex: pex(i) } }),
    });

  it('asks a dialed peer and learns the loopback addresses it knows (memory addresses cannot travel)', async () => {
    net = await pexNetwork(3);
    const [a, b, c] = [net.node(0), net.node(1), net.node(2)];
    const far1 = `${nid('far-1')}@127.0.0.1:26656`;
    const far2 = `${nid('far-2')}@127.0.0.2:26657`;
    b.addPeer(far1);
    b.addPeer(far2);
    b.addPeer(`memory:${c.nodeId}`); // b connects to c over memory; a must not hear of c from b
    await net.waitFor(() => b.peers().includes(c.nodeId), { what: 'b connected to c' });

    a.addPeer(`memory:${b.nodeId}`);
    const pexA = a.reactor(PexReactor);
    const pexB = b.reactor(PexReactor);
    await net.waitFor(() => pexA.stats.responsesReceived === 1, { what: 'a response from b' });

    assert.deepEqual(a.peerManager.addresses(nid('far-1')).map(String), [`mconn://${far1}`]);
    assert.deepEqual(a.peerManager.addresses(nid('far-2')).map(String), [`mconn://${far2}`]);
    assert.deepEqual(a.peerManager.addresses(c.nodeId), [], 'memory addresses are not expressible in v0.38 PexAddrs');
    assert.equal(pexA.stats.requestsSent, 1);
    assert.equal(pexB.stats.requestsReceived, 1);
    assert.equal(pexB.stats.responsesSent, 1);
    assert.equal(pexA.stats.addressesLearned, 2);
    assert.ok(a.nodeInfo.channels.includes(PEX_CHANNEL_ID), 'channel 0x00 is advertised');
  });

  it('lets memory nodes with virtual IPs discover each other: addresses travel as CometBFT NetAddresses', async () => {
    net = await createTestNetwork({
      nodes: 3,
      topology: 'none',
      config: { reactors: { enabled: ['pex'] } },
      nodeConfig: (i) => ({ p2p: { memory_virtual_address: `10.0.0.${i + 1}:26656` } }),
    });
    const [a, b, c] = [net.node(0), net.node(1), net.node(2)];
    c.addPeer(`${b.nodeId}@10.0.0.2:26656`); // b learns c's listen address from c's NodeInfo
    await net.waitFor(() => b.peers().includes(c.nodeId), { what: 'c connected to b' });
    a.addPeer(`${b.nodeId}@10.0.0.2:26656`);
    await net.waitFor(() => a.peers().includes(c.nodeId), { what: 'a found c through b and dialed it' });
    assert.deepEqual(a.peerManager.addresses(c.nodeId).map(String), [`mconn://${c.nodeId}@10.0.0.3:26656`]);
    assert.equal(a.router.peer(c.nodeId)?.direction, 'outbound');
    assert.equal(c.router.peer(a.nodeId)?.connection.remoteEndpoint.ip, '10.0.0.1', 'c sees a at its virtual IP');
  });

  describe('against a misbehaving peer', () => {
    let rogueId: NodeID;
    let rogue: Connection;
    let peerErrors: Array<Extract<RouterEvent, { type: 'peer-error' }>>;

    beforeEach(async () => {
      net = await pexNetwork(1);
      const target = net.node(0);
      peerErrors = [];
      target.events$.subscribe((e) => {
        if (e.type === 'peer-error') peerErrors.push(e);
      });
      const r = await connectRogue(net.memoryNetwork, target.nodeId, { channels: [PEX_CHANNEL_ID] });
      rogueId = r.key.nodeId;
      rogue = r.connection;
      await net.waitFor(() => target.peers().includes(rogueId), { what: 'rogue up' });
    });

    /** Makes the node ask the rogue, and checks the request arrives. */
    async function askRogue(): Promise<void> {
      assert.equal(net!.node(0).reactor(PexReactor).requestAddresses(rogueId), true);
      assert.ok((await nextPex(rogue)) instanceof PexRequest);
    }

    it('takes valid loopback addresses from an answer', async () => {
      await askRogue();
      rogue.trySend(PEX_CHANNEL_ID, addrsBytes([nid('x'), '127.0.0.1', 26656], [nid('y'), '::1', 26657]));
      const pm = net!.node(0).peerManager;
      await net!.waitFor(() => pm.addresses(nid('y')).length === 1, { what: 'addresses learned' });
      assert.deepEqual(pm.addresses(nid('x')).map(String), [`mconn://${nid('x')}@127.0.0.1:26656`]);
      assert.equal(rogue.isClosed, false);
    });

    it('answers two quick requests, then disconnects and bans a third', async () => {
      rogue.trySend(PEX_CHANNEL_ID, encode(PexRequest.create()));
      rogue.trySend(PEX_CHANNEL_ID, encode(PexRequest.create()));
      assert.ok((await nextPex(rogue)) instanceof PexAddrs);
      assert.ok((await nextPex(rogue)) instanceof PexAddrs);
      assert.equal(peerErrors.length, 0, 'two back-to-back requests are free');
      rogue.trySend(PEX_CHANNEL_ID, encode(PexRequest.create()));
      assert.equal(await closedWithin(rogue), true, 'disconnected');
      assert.equal(net!.node(0).peerManager.isBanned(rogueId), true);
      assert.equal(peerErrors[0]?.error.name, 'PexRequestTooFrequentError');
      assert.equal(peerErrors[0]?.fatal, true);
    });

    it('disconnects and bans a peer that sends addresses unasked', async () => {
      rogue.trySend(PEX_CHANNEL_ID, addrsBytes([nid('x'), '127.0.0.1', 26656]));
      assert.equal(await closedWithin(rogue), true);
      assert.equal(net!.node(0).peerManager.isBanned(rogueId), true);
      assert.deepEqual(net!.node(0).peerManager.addresses(nid('x')), []);
      assert.equal(peerErrors[0]?.error.name, 'PexUnsolicitedAddrsError');
    });

    for (const [what, bad] of [
      ['a hostname in ip', [nid('x'), 'localhost', 26656]],
      ['an invalid node ID', ['not-a-node-id', '127.0.0.1', 26656]],
      ['port 65536', [nid('x'), '127.0.0.1', 65536]],
    ] as Array<[string, Entry]>) {
      it(`disconnects and bans a peer whose answer holds ${what}`, async () => {
        await askRogue();
        rogue.trySend(PEX_CHANNEL_ID, addrsBytes([nid('ok'), '127.0.0.1', 1], bad));
        assert.equal(await closedWithin(rogue), true);
        assert.equal(net!.node(0).peerManager.isBanned(rogueId), true);
        assert.deepEqual(net!.node(0).peerManager.addresses(nid('ok')), []);
        assert.equal(peerErrors[0]?.error.name, 'PexInvalidAddressError');
      });
    }

    it('reports an answer with too many addresses without disconnecting, and adds none', async () => {
      await askRogue();
      const many = Array.from({ length: 251 }, (_, i): Entry => [nid(`m${i}`), `127.0.${i >> 8}.${(i & 0xff) + 1}`, 26656]);
      rogue.trySend(PEX_CHANNEL_ID, addrsBytes(...many));
      await net!.waitFor(() => peerErrors.length === 1, { what: 'peer error' });
      assert.equal(peerErrors[0]!.error.name, 'PexTooManyAddressesError');
      assert.equal(peerErrors[0]!.fatal, false);
      rogue.trySend(PEX_CHANNEL_ID, encode(PexRequest.create()));
      assert.ok((await nextPex(rogue)) instanceof PexAddrs, 'still connected and served');
      assert.equal(net!.node(0).peerManager.isBanned(rogueId), false);
      assert.deepEqual(net!.node(0).peerManager.addresses(nid('m0')), []);
    });
  });

  it('a seed answers once and hangs up; the client learns, and does not redial the seed at once', async () => {
    const ids: { seed?: string } = {};
    net = await createTestNetwork({
      nodes: 1,
      topology: 'none',
      config: { reactors: { enabled: ['pex'] } },
      nodeConfig: (i) => ({
        reactors: { pex: i === 0 ? { seed_mode: true, seed_disconnect_delay_ms: '20ms' } : { seeds: [`memory:${ids.seed}`] } },
      }),
    });
    const seed = net.node(0);
    ids.seed = seed.nodeId;
    seed.addPeer(`${nid('far')}@127.0.0.1:26656`);
    const client = await net.addNode(); // onStart: knows nobody, so the seed goes to its PeerManager
    const pex = client.reactor(PexReactor);
    assert.equal(pex.stats.seedsAdded, 1);

    const held = () => client.peerManager.snapshot().find((p) => p.nodeId === seed.nodeId)?.dialHeldUntil;
    await net.waitFor(() => held() !== undefined, { what: 'seed answered, hung up and is held from redialing' });
    assert.ok(held()! > Date.now() + 60_000, 'held for the seed cooldown (2 min by default)');
    assert.equal(client.peerManager.isBanned(seed.nodeId as NodeID), false, 'held, not banned: the seed may still connect to us');
    assert.equal(pex.stats.responsesReceived, 1);
    assert.deepEqual(client.peerManager.addresses(nid('far')).map(String), [`mconn://${nid('far')}@127.0.0.1:26656`]);
    assert.equal(seed.reactor(PexReactor).stats.responsesSent, 1);
    await net.waitFor(() => !client.peers().includes(seed.nodeId), { what: 'seed disconnected' });
  });

  it('boots from config by name alongside echo', async () => {
    const node = await createNode(
      { values: { p2p: { laddr: 'memory', transports: ['memory'] }, reactors: { enabled: ['echo', 'pex'], pex: { request_interval_ms: '45s' } } } },
      { logger: silentLogger() },
    );
    try {
      assert.ok(node.nodeInfo.channels.includes(PEX_CHANNEL_ID));
      assert.ok(node.nodeInfo.channels.includes(0x70));
      assert.equal(node.reactor(PexReactor).options.requestIntervalMs, 45_000);
    } finally {
      await node.stop();
    }
  });
});
