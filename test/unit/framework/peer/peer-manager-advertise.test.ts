import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { FixedScoringStrategy } from '../../../../plugins/scoring/fixed.js';
import { addr, FakeClock, harness, nid, SeededRandom, SELF } from './helpers.js';

const mem = (n: number) => NodeAddress.parse(`memory:${nid(n)}`);
const ids = (list: NodeAddress[]) => list.map((a) => Number(a.nodeId));

describe('PeerManager: advertise', () => {
  it('puts the self address first and never includes the requester', async () => {
    const self = NodeAddress.parse(`mconn://${SELF}@8.8.4.4:26656`);
    const { pm } = await harness({ options: { selfAddress: self } });
    pm.add(addr(1));
    pm.add(addr(2));
    const out = pm.advertise(nid(1), 10);
    assert.ok(out[0].equals(self));
    assert.deepEqual(ids(out.slice(1)), [2]);
    assert.deepEqual(pm.advertise(nid(1), 1).map(String), [self.toString()]);
  });

  it('respects the limit and returns nothing for limit <= 0', async () => {
    const { pm } = await harness();
    for (let n = 1; n <= 20; n++) pm.add(addr(n));
    assert.equal(pm.advertise(nid(100), 5).length, 5);
    assert.equal(new Set(pm.advertise(nid(100), 50).map(String)).size, 20);
    assert.deepEqual(pm.advertise(nid(100), 0), []);
    assert.deepEqual(pm.advertise(nid(100), -3), []);
    assert.deepEqual(pm.advertise(nid(100), Number.NaN), []);
  });

  it('never advertises private, banned or inactive peers', async () => {
    const { pm } = await harness({ options: { privatePeerIds: [nid(2)] } });
    for (let n = 1; n <= 4; n++) pm.add(addr(n));
    pm.report(nid(3), { kind: 'ban', durationMs: 1000 });
    pm.inactivate(nid(4), 'incompatible');
    assert.deepEqual(ids(pm.advertise(nid(100), 10)), [1]);
  });

  it('gives private-range addresses only to requesters on a private IP', async () => {
    const { pm } = await harness();
    pm.add(addr(1, '10.0.0.1'));
    pm.add(addr(2, '192.168.1.2'));
    pm.add(addr(3, 'fd00::3'));
    pm.add(addr(4, '5.6.7.8'));
    pm.add(addr(5, 'node5.example.com'));
    assert.deepEqual(ids(pm.advertise(nid(100), 10)).sort(), [4, 5], 'unknown requester IP counts as public');
    assert.deepEqual(ids(pm.advertise(nid(100), 10, { requesterIp: '3.3.3.3' })).sort(), [4, 5]);
    assert.deepEqual(ids(pm.advertise(nid(100), 10, { requesterIp: '10.1.1.1' })).sort(), [1, 2, 3, 4, 5]);
  });

  describe('addresses stay within their network', () => {
    // One peer per kind of address; the requester's IP decides which it may learn.
    const kinds: Array<[number, string]> = [
      [1, '10.0.0.1'],
      [2, '192.168.1.2'],
      [3, 'fc00::3'],
      [4, '127.0.0.4'],
      [5, '::1'],
      [6, '169.254.0.6'],
      [7, 'fe80::7'],
      [8, '5.6.7.8'],
      [9, 'node9.example.com'],
      [10, '0.0.0.0'],
      [11, '224.0.0.11'],
    ];
    const seen = async (requesterIp: string | undefined): Promise<number[]> => {
      const { pm } = await harness();
      for (const [n, host] of kinds) pm.add(addr(n, host));
      return ids(pm.advertise(nid(100), 50, requesterIp === undefined ? {} : { requesterIp })).sort((a, b) => a - b);
    };
    const cases: Array<[string, string | undefined, number[]]> = [
      ['a 10.x requester (private)', '10.9.9.9', [1, 2, 3, 8, 9]],
      ['a 192.168.x requester (private)', '192.168.7.7', [1, 2, 3, 8, 9]],
      ['an fc00::/7 requester (private)', 'fd00::99', [1, 2, 3, 8, 9]],
      ['a link-local requester', 'fe80::99', [1, 2, 3, 6, 7, 8, 9]],
      ['a loopback requester (same host)', '127.0.0.1', [1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ['an IPv6 loopback requester', '::1', [1, 2, 3, 4, 5, 6, 7, 8, 9]],
      ['a public requester', '203.0.113.5', [8, 9]],
      ['a public IPv6 requester', '2001:4860::1', [8, 9]],
      ['a requester of unknown IP', undefined, [8, 9]],
    ];
    for (const [who, ip, expected] of cases) {
      it(`${who} learns ${expected.map((n) => kinds[n - 1]![1]).join(', ')}`, async () => {
        assert.deepEqual(await seen(ip), expected);
      });
    }

    it('gives the self address on loopback only to loopback requesters', async () => {
      const { pm } = await harness({ options: { selfAddress: NodeAddress.parse(`mconn://${SELF}@127.0.0.1:26656`) } });
      assert.deepEqual(pm.advertise(nid(1), 10, { requesterIp: '127.0.0.1' }).map(String), [`mconn://${SELF}@127.0.0.1:26656`]);
      assert.deepEqual(pm.advertise(nid(1), 10, { requesterIp: '10.0.0.8' }), []);
      assert.deepEqual(pm.advertise(nid(1), 10, { requesterIp: '8.8.8.8' }), []);
    });
  });

  it('picks a visible address of a peer that also has an invisible one', async () => {
    const { pm } = await harness();
    pm.add(addr(1, '10.0.0.1'));
    pm.add(addr(1, '5.6.7.8'));
    assert.deepEqual(pm.advertise(nid(100), 10, { requesterIp: '1.1.1.1' }).map(String), [addr(1, '5.6.7.8').toString()]);
  });

  it('gives non-networked (memory) addresses only over the same protocol', async () => {
    const { pm } = await harness();
    pm.add(mem(1));
    pm.add(addr(2));
    assert.deepEqual(ids(pm.advertise(nid(100), 10)), [2]);
    assert.deepEqual(ids(pm.advertise(nid(100), 10, { protocol: 'mconn' })), [2]);
    assert.deepEqual(ids(pm.advertise(nid(100), 10, { protocol: 'memory' })).sort(), [1, 2]);
  });

  it('also filters the self address', async () => {
    const { pm } = await harness({ options: { selfAddress: NodeAddress.parse(`mconn://${SELF}@10.0.0.9:26656`) } });
    assert.deepEqual(pm.advertise(nid(1), 10, { requesterIp: '8.8.8.8' }), []);
    assert.equal(pm.advertise(nid(1), 10, { requesterIp: '10.0.0.8' }).length, 1);
  });

  it('favours better-scored peers, yet gives every peer a chance', async () => {
    const scoring = new FixedScoringStrategy(new Map([[nid(1), 100], [nid(2), 0], [nid(3), 0]]));
    const options = resolvePeerManagerOptions({ selfId: SELF });
    const pm = new PeerManager(options, new MemoryPeerStore(), scoring, new FakeClock(), new SeededRandom(42));
    await pm.start();
    for (const n of [1, 2, 3]) pm.add(addr(n));
    const firstPick = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const [a] = pm.advertise(nid(100), 1);
      firstPick.set(Number(a.nodeId), (firstPick.get(Number(a.nodeId)) ?? 0) + 1);
    }
    // Weights 101 : 1 : 1.
    assert.ok((firstPick.get(1) ?? 0) > 1900, JSON.stringify([...firstPick]));
    assert.ok((firstPick.get(2) ?? 0) > 0 && (firstPick.get(3) ?? 0) > 0, JSON.stringify([...firstPick]));
  });
});
