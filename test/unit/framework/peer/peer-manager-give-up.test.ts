import assert from 'node:assert/strict';
import type { NodeAddress } from '../../../../framework/address/node-address.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { addr, connectInbound, harness, nid, type Harness } from './helpers.js';

/**
 * Drives the manager as the router's dial loop does, on the fake clock: sleep
 * until `nextDialAt`, dial whatever is offered, and fail it (every address is
 * dead). Stops when nothing is left to wait for or after `untilMs`. Returns
 * every dial, in order.
 */
function dialDeadAddresses(h: Harness, untilMs: number, alive: (a: NodeAddress) => boolean = () => false): NodeAddress[] {
  const dials: NodeAddress[] = [];
  const end = h.clock.now() + untilMs;
  for (;;) {
    for (let a = h.pm.tryDialNext(); a !== undefined; a = h.pm.tryDialNext()) {
      dials.push(a);
      if (alive(a)) h.pm.dialed(a);
      else h.pm.dialFailed(a, new Error('connection refused'));
    }
    const next = h.pm.nextDialAt();
    if (next === undefined || next > end) return dials;
    h.clock.t = next;
  }
}

const dialsOf = (dials: readonly NodeAddress[], n: number) => dials.filter((a) => a.nodeId === nid(n)).length;

describe('PeerManager: giving up dead addresses', () => {
  it('dials 34 dead PEX addresses exactly maxDialFailures times each, then forgets them in memory and in the store', async () => {
    const store = new MemoryPeerStore();
    // Default retry schedule and jitter (FixedRandom 0.5: 1.5 s of jitter per retry).
    const h = await harness({ store, options: { retryJitterMs: 3000 } });
    for (let n = 1; n <= 34; n++) h.pm.add(addr(n));

    const firstMinutes = dialDeadAddresses(h, 140_000);
    assert.ok(firstMinutes.length < 34 * 16, `${firstMinutes.length} dials in 140 s`);
    const all = [...firstMinutes, ...dialDeadAddresses(h, 365 * 24 * 3600_000)];

    assert.equal(all.length, 34 * 16, 'each dead address is dialed 16 times in all');
    for (let n = 1; n <= 34; n++) assert.equal(dialsOf(all, n), 16);
    assert.equal(h.pm.nextDialAt(), undefined, 'nothing left to retry');
    assert.equal(h.pm.snapshot().length, 0);
    assert.equal(h.pm.metrics().addressesGivenUp, 34);
    assert.equal(h.pm.metrics().peersGivenUp, 34);
    await h.pm.flush();
    assert.deepEqual(await store.load(), [], 'the removal is persisted');
  });

  it('gives the 16th failure about 1.5 h after the first with the default retry delays', async () => {
    const h = await harness({ options: { retryJitterMs: 3000 } });
    h.pm.add(addr(1));
    const start = h.clock.now();
    dialDeadAddresses(h, Infinity);
    const elapsedMin = (h.clock.now() - start) / 60_000;
    assert.ok(elapsedMin > 80 && elapsedMin < 100, `gave up after ${elapsedMin.toFixed(1)} min`);
  });

  it('retries persistent peers forever, with the backoff capped at maxRetryTimePersistentMs', async () => {
    const h = await harness({ options: { persistentPeers: [addr(1)], maxRetryTimePersistentMs: 60_000 } });
    h.pm.add(addr(2));
    const dials = dialDeadAddresses(h, 24 * 3600_000);
    assert.equal(dialsOf(dials, 2), 16, 'the other peer is given up');
    assert.ok(dialsOf(dials, 1) > 1400, `persistent peer dialed ${dialsOf(dials, 1)} times in a day`);
    const [persistent] = h.pm.snapshot();
    assert.equal(persistent.nodeId, nid(1));
    const [address] = persistent.addressDetails;
    assert.equal(address.dialFailures, dialsOf(dials, 1));
    assert.equal(address.retryAt! - address.lastDialFailure!, 60_000, 'delay capped');
    assert.equal(h.pm.metrics().addressesGivenUp, 1);
  });

  it('removes only the dead address of a peer that has another that works, and keeps the peer', async () => {
    const h = await harness({ options: { maxDialFailures: 3 } });
    h.pm.add(addr(1, '8.8.8.1'));
    h.pm.add(addr(1, '8.8.8.2'));
    assert.equal(dialDeadAddresses(h, Infinity).length, 6, 'three failures per address');
    assert.equal(h.pm.state(nid(1)), undefined, 'both given up: the peer is forgotten');

    const g = await harness({ options: { maxDialFailures: 1 } });
    g.pm.add(addr(1, '8.8.8.1'));
    g.pm.add(addr(1, '8.8.8.2'));
    const dials = dialDeadAddresses(g, Infinity, (a) => a.hostname === '8.8.8.2');
    assert.deepEqual(dials.map((a) => a.hostname), ['8.8.8.1', '8.8.8.2']);
    assert.deepEqual(g.pm.addresses(nid(1)).map((a) => a.hostname), ['8.8.8.2'], 'the dead one is gone');
    assert.equal(g.pm.state(nid(1)), 'connected-out');
    assert.equal(g.pm.metrics().addressesGivenUp, 1);
    assert.equal(g.pm.metrics().peersGivenUp, 0);
  });

  it('keeps the entry of a connected or banned peer whose last address was given up', async () => {
    const h = await harness({ options: { maxDialFailures: 1 } });
    h.pm.add(addr(1));
    h.pm.add(addr(2));
    const [first, second] = [h.pm.tryDialNext()!, h.pm.tryDialNext()!];
    connectInbound(h.pm, first.nodeId); // it dialed us while our dial to it was failing
    h.pm.report(second.nodeId, { kind: 'ban', durationMs: 60_000 }); // banned while the dial runs
    h.pm.dialFailed(first, new Error('refused'));
    h.pm.dialFailed(second, new Error('refused'));
    assert.deepEqual(h.pm.addresses(first.nodeId), []);
    assert.deepEqual(h.pm.addresses(second.nodeId), []);
    assert.equal(h.pm.state(first.nodeId), 'ready', 'connected: kept');
    assert.equal(h.pm.state(second.nodeId), 'banned', 'the ban survives the given-up address');
    assert.equal(h.pm.metrics().addressesGivenUp, 2);
    assert.equal(h.pm.metrics().peersGivenUp, 0);
  });

  it('counts flaps towards the bound: a peer that accepts and hangs up at once is given up too', async () => {
    const h = await harness({ options: { maxDialFailures: 3, flapWindowMs: 10_000, disconnectCooldownMs: 0 } });
    h.pm.add(addr(1));
    let connections = 0;
    for (let i = 0; i < 10; i++) {
      const next = h.pm.nextDialAt();
      if (next !== undefined) h.clock.t = next;
      const a = h.pm.tryDialNext();
      if (a === undefined) break;
      h.pm.dialed(a);
      connections++;
      h.clock.advance(5);
      h.pm.disconnected(a.nodeId);
    }
    assert.equal(connections, 3);
    assert.equal(h.pm.state(nid(1)), undefined);
    assert.equal(h.pm.metrics().flaps, 3);
    assert.equal(h.pm.metrics().addressesGivenUp, 1);
  });

  it('never gives up with maxDialFailures = 0', async () => {
    const h = await harness({ options: { maxDialFailures: 0, maxRetryTimeMs: 1000 } });
    h.pm.add(addr(1));
    assert.ok(dialsOf(dialDeadAddresses(h, 3600_000), 1) > 3500);
    assert.equal(h.pm.addresses(nid(1)).length, 1);
    assert.equal(h.pm.metrics().addressesGivenUp, 0);
  });
});
