import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { DialedIdMismatchError, SelfConnectionError } from '../../../../framework/identity/errors.js';
import { DialError } from '../../../../framework/transport/errors.js';
import { InvalidPeerManagerOptionsError } from '../../../../framework/peer/errors.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import { MAX_LEARNED_SELF_ADDRESSES, SelfAddresses } from '../../../../framework/peer/self-addresses.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { addr, drainDials, harness, nid, SELF } from './helpers.js';

const at = (id: string, hostPort: string) => NodeAddress.parse(`mconn://${id}@${hostPort}`);
const EXTERNAL = at(SELF, '203.0.113.10:26656');
const LISTEN = [at(SELF, '127.0.0.1:26656'), at(SELF, '[::1]:26656')];

describe('PeerManager: this node’s own addresses', () => {
  describe('SelfAddresses', () => {
    it('matches our node ID anywhere, and our places under any node ID and any spelling', () => {
      const self = new SelfAddresses(SELF, [at(SELF, '[2001:db8:0:0::7]:26656'), at(SELF, '10.0.0.1:26656')]);
      assert.equal(self.has(at(SELF, '198.51.100.1:1')), true, 'our ID');
      assert.equal(self.has(at(nid(1), '[2001:db8::7]:26656')), true, 'canonical IPv6');
      assert.equal(self.has(NodeAddress.parse(`tcp://${nid(1)}@10.0.0.1:26656`)), true, 'another protocol, same listener');
      assert.equal(self.has(at(nid(1), '[::ffff:10.0.0.1]:26656')), true, 'IPv4-mapped IPv6');
      assert.equal(self.has(at(nid(1), '10.0.0.1:26657')), false, 'another port is another node');
      assert.equal(self.has(at(nid(1), '10.0.0.2:26656')), false, 'another host is another node');
      assert.equal(self.has(NodeAddress.parse(`memory:${nid(1)}`)), false, 'no place at all');
    });

    it('learns places a dial revealed, once each, up to a bound', () => {
      const self = new SelfAddresses(SELF, []);
      assert.equal(self.learn(at(nid(1), '127.0.0.5:26656')), true);
      assert.equal(self.learn(at(nid(2), '127.0.0.5:26656')), false, 'already known');
      assert.equal(self.has(at(nid(3), '127.0.0.5:26656')), true);
      assert.equal(self.learn(NodeAddress.parse(`memory:${nid(1)}`)), false);
      for (let i = 0; self.size < MAX_LEARNED_SELF_ADDRESSES; i++) self.learn(at(nid(1), `127.1.${i >> 8}.${i & 255}:1`));
      assert.equal(self.learn(at(nid(1), '127.2.0.0:1')), false, 'the bound holds');
      assert.equal(self.size, MAX_LEARNED_SELF_ADDRESSES);
    });
  });

  it('validates listenAddresses: NodeAddresses carrying selfId', () => {
    assert.throws(() => resolvePeerManagerOptions({ selfId: SELF, listenAddresses: [at(nid(1), '127.0.0.1:1')] }), (e: Error) => {
      assert.ok(e instanceof InvalidPeerManagerOptionsError);
      assert.match(e.message, /listenAddresses/);
      assert.match(e.message, new RegExp(`must carry selfId ${SELF}`));
      return true;
    });
    assert.throws(() => resolvePeerManagerOptions({ selfId: SELF, listenAddresses: 'x' as never }), /listenAddresses.*array/);
  });

  it('never adds an address at the external or a listen address, whatever node ID it carries', async () => {
    const { pm } = await harness({ options: { selfAddress: EXTERNAL, listenAddresses: LISTEN } });
    assert.equal(pm.add(at(SELF, '198.51.100.1:26656')), false, 'our own node ID');
    assert.equal(pm.add(at(nid(1), '203.0.113.10:26656')), false, 'external address, stale ID');
    assert.equal(pm.add(at(nid(2), '127.0.0.1:26656')), false, 'listen address');
    assert.equal(pm.add(at(nid(3), '[0:0::1]:26656')), false, 'listen address, other IPv6 spelling');
    assert.equal(pm.add(at(nid(4), '127.0.0.1:26657')), true, 'another node on our host');
    assert.deepEqual(drainDials(pm).map(String), [at(nid(4), '127.0.0.1:26657').toString()]);
    assert.deepEqual(pm.advertise(nid(9), 10, { requesterIp: '127.0.0.1' }).map(String), [EXTERNAL.toString(), at(nid(4), '127.0.0.1:26657').toString()]);
  });

  it('skips, with a warning, a persistent peer configured at our own address', async () => {
    const mine = at(nid(1), '127.0.0.1:26656');
    const other = at(nid(2), '198.51.100.2:26656');
    const { pm, log } = await harness({ options: { listenAddresses: LISTEN, persistentPeers: [mine, other] } });
    assert.deepEqual(pm.addresses(nid(1)), []);
    assert.deepEqual(drainDials(pm).map(String), [other.toString()]);
    assert.ok(log.at('warn').some((l) => /own address/.test(l.msg ?? '') && (l.obj as { peer?: string }).peer === nid(1)), JSON.stringify(log.lines));
  });

  it('forgets stored addresses at our own address when it starts', async () => {
    const store = new MemoryPeerStore();
    const stale = at(nid(1), '203.0.113.10:26656');
    const kept = at(nid(1), '198.51.100.1:26656');
    await store.save({ nodeId: nid(1), addresses: [{ address: stale.toString(), dialFailures: 0 }, { address: kept.toString(), dialFailures: 0 }] });
    const { pm } = await harness({ store, options: { selfAddress: EXTERNAL } });
    assert.deepEqual(pm.addresses(nid(1)).map(String), [kept.toString()]);
    await pm.flush();
    assert.deepEqual((await store.load())[0]!.addresses.map((a) => a.address), [kept.toString()], 'rewritten without it');
  });

  describe('an address a dial proved to be ours', () => {
    it('is forgotten for every peer, never dialed again nor re-added, and not advertised', async () => {
      const loopAlias = '127.0.0.5:26656';
      const { pm, log } = await harness();
      pm.add(at(nid(1), loopAlias));
      pm.add(at(nid(2), loopAlias));
      pm.add(addr(3));
      const first = pm.tryDialNext()!;
      assert.equal(first.toString(), at(nid(1), loopAlias).toString());
      pm.dialFailed(first, new DialedIdMismatchError(nid(1), SELF));

      assert.deepEqual(pm.addresses(nid(1)), []);
      assert.deepEqual(pm.addresses(nid(2)), [], 'the same place under another ID goes too');
      assert.equal(pm.add(at(nid(7), loopAlias)), false);
      assert.deepEqual(drainDials(pm).map(String), [addr(3).toString()]);
      assert.deepEqual(ids(pm.advertise(nid(9), 10, { requesterIp: '127.0.0.1' })), [nid(3)]);
      assert.equal(pm.metrics().dialFailures, 1, 'still counted as a failed dial');
      assert.ok(log.at('info').some((l) => /leads to this node/.test(l.msg ?? '')));
    });

    it('is recognised from SelfConnectionError too', async () => {
      const { pm } = await harness();
      pm.add(at(nid(1), '127.0.0.6:1'));
      pm.dialFailed(pm.tryDialNext()!, new SelfConnectionError(SELF));
      assert.equal(pm.add(at(nid(2), '127.0.0.6:1')), false);
    });

    it('is not assumed from other dial errors: those back off and retry', async () => {
      const { pm, clock } = await harness();
      const a = at(nid(1), '127.0.0.5:26656');
      pm.add(a);
      pm.dialFailed(pm.tryDialNext()!, new DialedIdMismatchError(nid(1), nid(8)));
      assert.deepEqual(pm.addresses(nid(1)).map(String), [a.toString()]);
      assert.equal(pm.add(at(nid(2), '127.0.0.5:26656')), true);
      pm.dialFailed(pm.tryDialNext()!, new DialError('connection refused'));
      clock.advance(60_000);
      assert.ok(drainDials(pm).some((d) => d.equals(a)), 'retried later');
    });
  });
});

function ids(list: NodeAddress[]): string[] {
  return list.map((a) => a.nodeId);
}
