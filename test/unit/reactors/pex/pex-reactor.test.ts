import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { MessageContext } from '../../../../framework/reactor/decorators.js';
import { NetAddress, PexAddrs, PexChannel, PexRequest } from '../../../../reactors/pex/pex-channel.js';
import { MIN_REQUEST_INTERVAL_MS } from '../../../../reactors/pex/peer-state.js';
import { selectionSize } from '../../../../reactors/pex/pex-reactor.js';
import { harness, nid, SELF, type Harness } from './helpers.js';
import { collectGarbage } from '../../../../node/simulation/heap.js';

const ctx = (h: Harness, from: NodeID) => ({ from, channelId: PexChannel.id, channel: h.channel }) as MessageContext;
const addrs = (...entries: Array<[NodeID | string, string, number]>) =>
  PexAddrs.create({ addrs: entries.map(([id, ip, port]) => NetAddress.create({ id, ip, port })) });
const requests = (h: Harness, id: NodeID) => h.channel.sentTo(id).filter((m) => m instanceof PexRequest).length;
const responses = (h: Harness, id: NodeID) => h.channel.sentTo(id).filter((m): m is PexAddrs => m instanceof PexAddrs);
const LOCAL = { protocol: 'mconn', ip: '127.0.0.1', port: 5000 };

describe('PexReactor', () => {
  describe('asking for addresses', () => {
    it('asks a new outbound peer once, and not inbound peers or peers without the PEX channel', async () => {
      const h = await harness();
      h.connect(nid(1));
      h.connect(nid(2), { direction: 'inbound' });
      h.connect(nid(3), { channels: [0x70] });
      assert.equal(requests(h, nid(1)), 1);
      assert.equal(requests(h, nid(2)), 0);
      assert.equal(requests(h, nid(3)), 0);
      assert.deepEqual(h.reactor.outstandingRequests(), [nid(1)]);
      assert.equal(h.reactor.stats.requestsSent, 1);
    });

    it('does not ask when the PeerManager already knows enough peers', async () => {
      const h = await harness({ needAddressThreshold: 1 });
      h.connect(nid(1));
      h.reactor.ensurePeers();
      assert.equal(h.channel.sent.length, 0);
    });

    it('keeps one request outstanding per peer, and asks again only 10 s after the answer', async () => {
      const h = await harness();
      const p = nid(1);
      h.connect(p);
      h.reactor.ensurePeers();
      h.clock.advance(60_000);
      h.reactor.ensurePeers();
      assert.equal(requests(h, p), 1, 'outstanding: not asked again');
      h.reactor.onPexAddrs(addrs(), ctx(h, p));
      h.clock.advance(MIN_REQUEST_INTERVAL_MS - 1);
      h.reactor.ensurePeers();
      assert.equal(requests(h, p), 1, 'answered < 10 s ago');
      h.clock.advance(1);
      h.reactor.ensurePeers();
      assert.equal(requests(h, p), 2);
    });

    it('picks the peer to ask at random among those that may be asked', async () => {
      const h = await harness();
      h.connect(nid(1), { direction: 'inbound' });
      h.connect(nid(2), { direction: 'inbound' });
      h.connect(nid(3), { direction: 'inbound' });
      h.random.value = 0.99;
      h.reactor.ensurePeers();
      assert.deepEqual(h.channel.sent.map((s) => s.to), [nid(3)]);
      h.random.value = 0;
      h.reactor.ensurePeers();
      assert.deepEqual(h.channel.sent.map((s) => s.to), [nid(3), nid(1)]);
    });

    it('never sends two requests to one peer within 10 s, whatever the interval (simulated hour)', async () => {
      const h = await harness({ requestIntervalMs: 1_000 });
      const peers = [nid(1), nid(2)];
      for (const p of peers) h.connect(p);
      const sentAt = new Map<NodeID, number[]>(peers.map((p) => [p, [h.clock.now()]]));
      for (let tick = 0; tick < 3600; tick++) {
        h.clock.advance(1_000);
        const before = h.channel.sent.length;
        h.reactor.ensurePeers();
        assert.ok(h.channel.sent.length - before <= 1, 'at most one request per tick');
        for (const s of h.channel.sent.slice(before)) sentAt.get(s.to)!.push(h.clock.now());
        h.random.value = (h.random.value + 0.37) % 1;
        // Peers answer at once, half the time.
        for (const p of h.reactor.outstandingRequests()) if (tick % 2 === 0) h.reactor.onPexAddrs(addrs(), ctx(h, p));
      }
      for (const [p, times] of sentAt) {
        assert.ok(times.length > 100, `peer ${p} was asked regularly (${times.length})`);
        for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= MIN_REQUEST_INTERVAL_MS, `gap ${times[i]! - times[i - 1]!} ms`);
      }
    });

    it('does not count a request the channel could not queue', async () => {
      const h = await harness();
      h.channel.outcome = 'peer-queue-full';
      h.connect(nid(1));
      assert.equal(h.reactor.stats.requestsSent, 0);
      assert.deepEqual(h.reactor.outstandingRequests(), []);
      h.channel.outcome = 'queued';
      assert.equal(h.reactor.requestAddresses(nid(1)), true);
      assert.equal(h.reactor.requestAddresses(nid(1)), false, 'one outstanding');
      assert.equal(h.reactor.requestAddresses(nid(99)), false, 'unknown peer');
    });
  });

  describe('answering requests', () => {
    it('answers with IP-literal NetAddresses only: hostnames resolved, memory addresses left out', async () => {
      const lookup = async (host: string) => (host === 'peer.example' ? ['192.0.2.44'] : []);
      const h = await harness({ lookup });
      h.pm.add(NodeAddress.parse(`${nid(10)}@192.0.2.10:26656`));
      h.pm.add(NodeAddress.parse(`${nid(11)}@peer.example:26656`));
      h.pm.add(NodeAddress.parse(`memory:${nid(12)}`));
      h.connect(nid(1), { direction: 'inbound', remote: LOCAL });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      const [reply] = responses(h, nid(1));
      assert.ok(reply);
      const got = reply.addrs.map((a) => `${a.id}@${a.ip}:${a.port}`).sort();
      assert.deepEqual(got, [`${nid(10)}@192.0.2.10:26656`, `${nid(11)}@192.0.2.44:26656`].sort());
      assert.equal(h.reactor.stats.requestsReceived, 1);
      assert.equal(h.reactor.stats.responsesSent, 1);
    });

    it('shows private-range addresses only to requesters on a private IP or in-process', async () => {
      const h = await harness();
      h.pm.add(NodeAddress.parse(`${nid(10)}@10.1.2.3:26656`));
      h.pm.add(NodeAddress.parse(`${nid(11)}@192.0.2.11:26656`));
      h.connect(nid(1), { direction: 'inbound' }); // public remote
      h.connect(nid(2), { direction: 'inbound', remote: { protocol: 'memory', path: nid(2) } });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(2)));
      assert.deepEqual(responses(h, nid(1))[0]!.addrs.map((a) => a.ip), ['192.0.2.11']);
      assert.deepEqual(responses(h, nid(2))[0]!.addrs.map((a) => a.ip).sort(), ['10.1.2.3', '192.0.2.11']);
    });

    it('keeps each address within its network: loopback to loopback requesters, private to private ones', async () => {
      const h = await harness();
      h.pm.add(NodeAddress.parse(`${nid(10)}@10.1.2.3:26656`));
      h.pm.add(NodeAddress.parse(`${nid(11)}@192.168.4.5:26656`));
      h.pm.add(NodeAddress.parse(`${nid(12)}@[fd00::12]:26656`));
      h.pm.add(NodeAddress.parse(`${nid(13)}@127.0.0.13:26656`));
      h.pm.add(NodeAddress.parse(`${nid(14)}@192.0.2.14:26656`));
      const requesters: Array<[number, string]> = [
        [1, '10.9.9.9'],
        [2, '192.168.9.9'],
        [3, '127.0.0.1'],
        [4, '198.51.100.4'],
      ];
      for (const [n, ip] of requesters) {
        h.connect(nid(n), { direction: 'inbound', remote: { protocol: 'mconn', ip, port: 40000 } });
        await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(n)));
      }
      const got = (n: number) => responses(h, nid(n))[0]!.addrs.map((a) => a.ip).sort();
      const privateOnes = ['10.1.2.3', '192.168.4.5', 'fd00::12'];
      assert.deepEqual(got(1), [...privateOnes, '192.0.2.14'].sort(), 'a 10.x requester: private and public, no loopback');
      assert.deepEqual(got(2), [...privateOnes, '192.0.2.14'].sort(), 'a 192.168.x requester: the same');
      assert.deepEqual(got(3), [...privateOnes, '127.0.0.13', '192.0.2.14'].sort(), 'a loopback requester: everything');
      assert.deepEqual(got(4), ['192.0.2.14'], 'a public requester: public only');
    });

    it("resolves advertised hostnames with the node's HostLookup when no lookup option is set", async () => {
      const asked: string[] = [];
      const hostLookup = async (host: string) => {
        asked.push(host);
        return ['192.0.2.45'];
      };
      const h = await harness({}, {}, { hostLookup });
      h.pm.add(NodeAddress.parse(`${nid(11)}@peer.example:26656`));
      h.connect(nid(1), { direction: 'inbound' });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      assert.deepEqual(asked, ['peer.example']);
      assert.deepEqual(responses(h, nid(1))[0]!.addrs.map((a) => `${a.id}@${a.ip}:${a.port}`), [`${nid(11)}@192.0.2.45:26656`]);
    });

    it('answers within resolve_timeout when a lookup never does, even after full garbage collections', async () => {
      // A timeout signal held only by AbortSignal.any() is collected by a full GC on Node 20 and never fires.
      const hostLookup = () => new Promise<string[]>(() => {});
      const h = await harness({ resolveTimeoutMs: 50 }, {}, { hostLookup });
      h.pm.add(NodeAddress.parse(`${nid(11)}@never.example:26656`));
      h.pm.add(NodeAddress.parse(`${nid(12)}@192.0.2.12:26656`));
      h.connect(nid(1), { direction: 'inbound' });
      const answered = h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      const collecting = setInterval(collectGarbage, 5);
      try {
        await answered;
      } finally {
        clearInterval(collecting);
      }
      assert.deepEqual(responses(h, nid(1))[0]!.addrs.map((a) => `${a.id}@${a.ip}:${a.port}`), [`${nid(12)}@192.0.2.12:26656`], 'the unresolved name is left out');
    });

    it('answers from an empty book with an empty PexAddrs', async () => {
      const h = await harness();
      h.connect(nid(1), { direction: 'inbound' });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      assert.equal(responses(h, nid(1))[0]!.addrs.length, 0);
    });

    it('sizes answers like CometBFT GetSelection and caps them at maxAddressesSent', async () => {
      assert.equal(selectionSize(0), 0);
      assert.equal(selectionSize(10), 10);
      assert.equal(selectionSize(100), 32);
      assert.equal(selectionSize(1000), 230);
      const h = await harness({ maxAddressesSent: 5 });
      for (let i = 0; i < 20; i++) h.pm.add(NodeAddress.parse(`${nid(100 + i)}@192.0.2.${i + 1}:26656`));
      h.connect(nid(1), { direction: 'inbound' });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      assert.equal(responses(h, nid(1))[0]!.addrs.length, 5);
    });

    it('answers two quick requests, then disconnects and bans a third within 10 s (CometBFT rule)', async () => {
      const h = await harness();
      const p = nid(1);
      h.connect(p, { direction: 'inbound' });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      h.clock.advance(9_999);
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      assert.equal(responses(h, p).length, 2);
      assert.equal(h.channel.peerErrors.length, 1);
      const [err] = h.channel.peerErrors;
      assert.equal(err!.fatal, true);
      assert.equal(err!.error.name, 'PexRequestTooFrequentError');
      assert.match(err!.error.message, /9999 ms after its previous one/);
      assert.equal(h.pm.isBanned(p), true);
      assert.equal(h.reactor.stats.errors, 1);
    });

    it('accepts requests 10 s apart forever', async () => {
      const h = await harness();
      const p = nid(1);
      h.connect(p, { direction: 'inbound' });
      for (let i = 0; i < 6; i++) {
        await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
        h.clock.advance(MIN_REQUEST_INTERVAL_MS);
      }
      assert.equal(responses(h, p).length, 6);
      assert.equal(h.channel.peerErrors.length, 0);
    });

    it('with banDurationMs 0 disconnects a too-fast requester without banning it', async () => {
      const h = await harness({ banDurationMs: 0 });
      const p = nid(1);
      h.connect(p, { direction: 'inbound' });
      for (let i = 0; i < 3; i++) await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      assert.equal(h.channel.peerErrors[0]?.fatal, true);
      assert.equal(h.pm.isBanned(p), false);
    });

    it('in seed mode answers an inbound requester once, then hangs up on it', async () => {
      const h = await harness({ seedMode: true, seedDisconnectDelayMs: 0 });
      const p = nid(1);
      h.connect(p, { direction: 'inbound' });
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, p));
      assert.equal(responses(h, p).length, 1, 'answered once; later requests ignored, not punished');
      assert.equal(h.channel.peerErrors.length, 0);
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(h.pm.tryEvictNext(), p, 'the PeerManager was told to disconnect it');
      assert.equal(h.pm.isBanned(p), false);
    });
  });

  describe('receiving addresses', () => {
    const ask = async (options = {}, connect: Parameters<Harness['connect']>[1] = {}) => {
      const h = await harness(options);
      h.connect(nid(1), connect);
      assert.equal(h.reactor.outstandingRequests().length, 1);
      return h;
    };

    it('adds valid addresses to the PeerManager, skipping self and unusable entries', async () => {
      const h = await ask();
      h.reactor.onPexAddrs(
        addrs([nid(20), '192.0.2.20', 26656], [nid(21), '2001:4860::21', 26657], [SELF, '192.0.2.1', 26656], [nid(22), '192.0.2.22', 0], [nid(23), '0.0.0.0', 1]),
        ctx(h, nid(1)),
      );
      assert.deepEqual(h.pm.addresses(nid(20)).map(String), [`mconn://${nid(20)}@192.0.2.20:26656`]);
      assert.deepEqual(h.pm.addresses(nid(21)).map(String), [`mconn://${nid(21)}@[2001:4860::21]:26657`]);
      assert.deepEqual(h.pm.addresses(nid(22)), []);
      assert.deepEqual(h.pm.addresses(nid(23)), []);
      assert.deepEqual(h.channel.peerErrors, []);
      assert.equal(h.reactor.stats.addressesLearned, 2);
      assert.equal(h.reactor.stats.addressesSkipped, 3);
      assert.equal(h.reactor.stats.responsesReceived, 1);
      assert.deepEqual(h.reactor.outstandingRequests(), []);
    });

    it('bans a peer for an unsolicited list, including a second answer to one request', async () => {
      const h = await ask();
      const p = nid(1);
      h.reactor.onPexAddrs(addrs([nid(20), '192.0.2.20', 1]), ctx(h, p));
      assert.equal(h.pm.isBanned(p), false);
      h.reactor.onPexAddrs(addrs([nid(21), '192.0.2.21', 1]), ctx(h, p));
      assert.equal(h.channel.peerErrors.length, 1);
      assert.equal(h.channel.peerErrors[0]!.error.name, 'PexUnsolicitedAddrsError');
      assert.equal(h.channel.peerErrors[0]!.fatal, true);
      assert.equal(h.pm.isBanned(p), true);
      assert.deepEqual(h.pm.addresses(nid(21)), []);
    });

    it('reports more than maxAddressesAccepted entries as a non-fatal error and adds none', async () => {
      const h = await ask({ maxAddressesAccepted: 3 });
      h.reactor.onPexAddrs(addrs(...[20, 21, 22, 23].map((n): [NodeID, string, number] => [nid(n), `192.0.2.${n}`, 1])), ctx(h, nid(1)));
      assert.equal(h.channel.peerErrors.length, 1);
      assert.equal(h.channel.peerErrors[0]!.error.name, 'PexTooManyAddressesError');
      assert.equal(h.channel.peerErrors[0]!.fatal, false);
      assert.equal(h.pm.isBanned(nid(1)), false);
      assert.deepEqual(h.pm.addresses(nid(20)), []);
      assert.deepEqual(h.reactor.outstandingRequests(), [], 'the request counts as answered');
    });

    for (const [what, bad] of [
      ['a hostname in ip', [nid(30), 'seed.example.com', 26656]],
      ['an invalid node ID', ['deadbeef', '192.0.2.30', 26656]],
      ['a port above 65535', [nid(30), '192.0.2.30', 70000]],
    ] as Array<[string, [string, string, number]]>) {
      it(`disconnects and bans a peer whose list contains ${what}, adding none of it`, async () => {
        const h = await ask();
        h.reactor.onPexAddrs(addrs([nid(20), '192.0.2.20', 26656], bad), ctx(h, nid(1)));
        assert.equal(h.channel.peerErrors.length, 1);
        const [e] = h.channel.peerErrors;
        assert.equal(e!.error.name, 'PexInvalidAddressError');
        assert.equal(e!.fatal, true);
        assert.match(e!.error.message, /index 1 of 2/);
        assert.equal(h.pm.isBanned(nid(1)), true);
        assert.deepEqual(h.pm.addresses(nid(20)), [], 'valid entries of a bad list are not added');
      });
    }

    it('keeps private addresses from private peers only (default policy)', async () => {
      const pub = await ask();
      pub.reactor.onPexAddrs(addrs([nid(20), '10.0.0.20', 1], [nid(21), '192.0.2.21', 1]), ctx(pub, nid(1)));
      assert.deepEqual(pub.pm.addresses(nid(20)), []);
      assert.equal(pub.pm.addresses(nid(21)).length, 1);

      const priv = await ask({}, { remote: LOCAL });
      priv.reactor.onPexAddrs(addrs([nid(20), '127.0.0.1', 1]), ctx(priv, nid(1)));
      assert.equal(priv.pm.addresses(nid(20)).length, 1);

      const strict = await ask({ privateAddresses: 'reject' }, { remote: LOCAL });
      strict.reactor.onPexAddrs(addrs([nid(20), '127.0.0.1', 1]), ctx(strict, nid(1)));
      assert.deepEqual(strict.pm.addresses(nid(20)), []);
    });

    it('keeps a loopback address only from a loopback peer, a private one only from a non-public peer', async () => {
      const list = addrs([nid(20), '127.0.0.20', 1], [nid(21), '10.0.0.21', 1], [nid(22), '192.0.2.22', 1]);
      const kept = async (ip: string): Promise<string[]> => {
        const h = await ask({}, { remote: { protocol: 'mconn', ip, port: 5000 } });
        h.reactor.onPexAddrs(list, ctx(h, nid(1)));
        return [20, 21, 22].filter((n) => h.pm.addresses(nid(n)).length > 0).map((n) => h.pm.addresses(nid(n))[0]!.hostname);
      };
      assert.deepEqual(await kept('127.0.0.1'), ['127.0.0.20', '10.0.0.21', '192.0.2.22']);
      assert.deepEqual(await kept('10.0.0.1'), ['10.0.0.21', '192.0.2.22'], "a 10.x peer's 127.0.0.20 is its own host, not ours");
      assert.deepEqual(await kept('198.51.100.1'), ['192.0.2.22']);
    });

    it('never keeps multicast addresses, even with privateAddresses = accept', async () => {
      const h = await ask({ privateAddresses: 'accept' });
      h.reactor.onPexAddrs(addrs([nid(20), '224.0.0.20', 26656], [nid(21), '10.0.0.21', 26656]), ctx(h, nid(1)));
      assert.deepEqual(h.pm.addresses(nid(20)), []);
      assert.equal(h.pm.addresses(nid(21)).length, 1);
      assert.deepEqual(h.channel.peerErrors, [], 'not an offence: CometBFT may gossip them');
    });

    it("skips an address at this node's external address under another node ID", async () => {
      const h = await harness({}, { selfAddress: NodeAddress.parse(`${SELF}@192.0.2.1:26656`) });
      h.connect(nid(1));
      h.reactor.onPexAddrs(addrs([nid(20), '192.0.2.1', 26656], [nid(21), '192.0.2.1', 26657]), ctx(h, nid(1)));
      assert.deepEqual(h.pm.addresses(nid(20)), []);
      assert.equal(h.pm.addresses(nid(21)).length, 1);
      assert.equal(h.reactor.stats.addressesSkipped, 1);
      assert.equal(h.reactor.stats.addressesLearned, 1);
    });

    it('ignores an answer that arrives after its peer went down', async () => {
      const h = await ask();
      h.disconnect(nid(1));
      h.reactor.onPexAddrs(addrs([nid(20), '192.0.2.20', 1]), ctx(h, nid(1)));
      assert.deepEqual(h.channel.peerErrors, []);
      assert.deepEqual(h.pm.addresses(nid(20)), []);
    });
  });

  describe('seeds and inbound peers', () => {
    it('hands the seeds to the PeerManager at start when it knows nobody, and on ticks without peers', async () => {
      const seed = NodeAddress.parse(`${nid(50)}@192.0.2.50:26656`);
      const h = await harness({ seeds: [seed.toString()] });
      h.reactor.onStart();
      assert.deepEqual(h.pm.addresses(nid(50)).map(String), [seed.toString()]);
      assert.equal(h.reactor.stats.seedsAdded, 1);
      h.reactor.ensurePeers();
      assert.equal(h.reactor.stats.seedsAdded, 1, 'already known: not added twice');
    });

    it('keeps a seed that answered and hung up from being redialed at once, without refusing it', async () => {
      const seed = nid(50);
      const h = await harness({ seeds: [`${seed}@192.0.2.50:26656`], seedCooldownMs: '2m' }, { disconnectCooldownMs: 0 });
      h.reactor.onStart();
      h.connect(seed);
      h.reactor.onPexAddrs(addrs([nid(20), '192.0.2.20', 1]), ctx(h, seed));
      h.disconnect(seed);
      const dialable = () => {
        const picked: string[] = [];
        for (let a = h.pm.tryDialNext(); a !== undefined; a = h.pm.tryDialNext()) {
          picked.push(a.nodeId);
          h.pm.dialFailed(a);
        }
        return picked;
      };
      assert.deepEqual(dialable(), [nid(20)], 'the seed is not dialed during its cooldown');
      assert.equal(h.pm.isBanned(seed), false, 'not banned: a crawling seed may still connect to us');
      assert.ok(h.pm.snapshot().find((p) => p.nodeId === seed)?.dialHeldUntil !== undefined);
      h.pm.accepted(seed);
      assert.equal(h.pm.state(seed), 'connected-in');
      h.pm.disconnected(seed);
      h.clock.advance(2 * 60_000);
      assert.ok(dialable().includes(seed), 'dialable again after the cooldown');
    });

    it("learns an inbound peer's listen address, with the remote IP for 0.0.0.0", async () => {
      const h = await harness();
      h.connect(nid(1), { direction: 'inbound', listenAddr: 'tcp://0.0.0.0:26656', remote: { protocol: 'mconn', ip: '192.0.2.77', port: 51000 } });
      assert.ok(h.pm.addresses(nid(1)).some((a) => a.toString() === `mconn://${nid(1)}@192.0.2.77:26656`));
      assert.equal(h.reactor.stats.addressesLearned, 1);
    });

    it('holds a DNS name a peer claims to that peer\'s scope when it is dialed, per private_addresses', async () => {
      const claim = async (ip: string, policy?: 'accept' | 'reject') => {
        const h = await harness(policy === undefined ? {} : { privateAddresses: policy });
        h.connect(nid(1), { direction: 'inbound', listenAddr: 'tcp://localhost:6379', remote: { protocol: 'mconn', ip, port: 51000 } });
        const [address] = h.pm.addresses(nid(1));
        assert.equal(address?.hostname, 'localhost', 'a name counts as public when received: it is stored');
        return h.pm.learnedFrom(address!);
      };
      assert.equal(await claim('192.0.2.77'), 'public', 'a public peer: public IPs only, as 127.0.0.1 from it is refused');
      assert.equal(await claim('10.1.2.3'), 'private');
      assert.equal(await claim('127.0.0.5'), 'loopback');
      assert.equal(await claim('127.0.0.5', 'reject'), 'public');
      assert.equal(await claim('192.0.2.77', 'accept'), 'loopback', 'accept: any dialable IP');
    });

    it('adds seeds as configured addresses, dialed wherever they resolve', async () => {
      const seed = NodeAddress.parse(`${nid(7)}@localhost:26656`);
      const h = await harness({ seeds: [seed.toString()] });
      h.reactor.onStart();
      assert.equal(h.pm.learnedFrom(seed), undefined);
    });

    it('stops sending after onStop', async () => {
      const h = await harness();
      h.connect(nid(1), { direction: 'inbound' });
      h.reactor.onStop();
      await h.reactor.onPexRequest(PexRequest.create(), ctx(h, nid(1)));
      h.reactor.ensurePeers();
      assert.equal(h.channel.sent.length, 0);
    });
  });
});
