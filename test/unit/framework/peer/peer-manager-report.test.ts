import assert from 'node:assert/strict';
import type { PeerBehaviour } from '../../../../framework/peer/types.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { addr, connectInbound, drainDials, FakeClock, harness, nid, SELF } from './helpers.js';

describe('PeerManager: report good/bad', () => {
  it('moves a peer in the ranking', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    pm.add(addr(2));
    pm.report(nid(1), { kind: 'bad', reason: 'spam' });
    assert.deepEqual(drainDials(pm).map((a) => a.nodeId), [nid(2), nid(1)]);
    const h2 = await harness();
    h2.pm.add(addr(1));
    h2.pm.add(addr(2));
    h2.pm.report(nid(2), { kind: 'good' });
    h2.pm.report(nid(2), { kind: 'good' });
    h2.pm.report(nid(1), { kind: 'good' });
    assert.deepEqual(drainDials(h2.pm).map((a) => a.nodeId), [nid(2), nid(1)]);
    const byId = new Map(h2.pm.snapshot().map((s) => [s.nodeId, s]));
    assert.equal(byId.get(nid(2))?.behaviour, 2);
    assert.equal(byId.get(nid(2))?.score.parts.behaviour, 20);
  });

  it('is not cached: the very next decision sees the new rank', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    pm.add(addr(2));
    assert.deepEqual(pm.snapshot().map((s) => s.nodeId), [nid(1), nid(2)]);
    pm.report(nid(1), { kind: 'bad' });
    assert.deepEqual(pm.snapshot().map((s) => s.nodeId), [nid(2), nid(1)]);
  });

  it('ignores unknown peers and self instead of inventing entries', async () => {
    const { pm } = await harness();
    pm.report(nid(5), { kind: 'good' });
    pm.report(SELF, { kind: 'bad' });
    pm.report(SELF, { kind: 'ban', durationMs: 1000 });
    assert.equal(pm.snapshot().length, 0);
  });

  it('makes a misbehaving connected peer an upgrade candidate', async () => {
    const { pm } = await harness({ options: { maxConnected: 1, maxOutgoing: 1, maxConnectedUpgrade: 1, maxPeers: 0 } });
    connectInbound(pm, nid(1));
    pm.add(addr(2));
    assert.equal(pm.tryDialNext(), undefined, 'equal ranks: no upgrade');
    pm.report(nid(1), { kind: 'bad' });
    assert.equal(pm.tryDialNext()?.nodeId, nid(2));
  });

  it('persists the behaviour score', async () => {
    const { pm, store } = await harness();
    pm.add(addr(1));
    pm.report(nid(1), { kind: 'bad' });
    await pm.flush();
    assert.equal((await store.load())[0].mutableScore, -1);
  });

  it('rejects malformed reports', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    assert.throws(() => pm.report(nid(1), { kind: 'meh' } as unknown as PeerBehaviour), { name: 'InvalidArgumentError' });
    assert.throws(() => pm.report(nid(1), undefined as unknown as PeerBehaviour), { name: 'InvalidArgumentError' });
    assert.throws(() => pm.report('x' as never, { kind: 'good' }), { name: 'InvalidArgumentError' });
    for (const durationMs of [-1, Number.NaN, Infinity]) {
      assert.throws(() => pm.report(nid(1), { kind: 'ban', durationMs }), { name: 'InvalidArgumentError' });
      assert.throws(() => pm.report(nid(1), { kind: 'hold-dial', durationMs }), { name: 'InvalidArgumentError', message: /hold-dial durationMs/ });
    }
    assert.equal(pm.isBanned(nid(1)), false);
  });
});

describe('PeerManager: bans', () => {
  it('evicts a connected peer now, refuses dial and accept until expiry, then allows them', async () => {
    const { pm, clock } = await harness({ options: { disconnectCooldownMs: 0 } });
    pm.add(addr(1));
    connectInbound(pm, nid(1));
    pm.report(nid(1), { kind: 'ban', durationMs: 60_000, reason: 'invalid block' });
    assert.equal(pm.isBanned(nid(1)), true);
    assert.equal(pm.state(nid(1)), 'evicting');
    assert.equal(pm.tryEvictNext(), nid(1));
    pm.disconnected(nid(1));
    assert.equal(pm.state(nid(1)), 'banned');
    assert.equal(pm.tryDialNext(), undefined);
    assert.throws(() => pm.accepted(nid(1)), { name: 'PeerRejectedError', reason: 'banned' });
    assert.throws(() => pm.dialed(addr(1)), { name: 'PeerRejectedError', reason: 'banned' });
    assert.equal(pm.nextDialAt(), clock.now() + 60_000);
    assert.equal(pm.metrics().bans, 1);
    clock.advance(60_000);
    assert.equal(pm.isBanned(nid(1)), false);
    assert.equal(pm.state(nid(1)), 'disconnected');
    assert.equal(pm.tryDialNext()?.nodeId, nid(1));
  });

  it('a shorter ban does not shorten a longer one', async () => {
    const { pm, clock } = await harness();
    pm.add(addr(1));
    pm.report(nid(1), { kind: 'ban', durationMs: 10_000 });
    pm.report(nid(1), { kind: 'ban', durationMs: 10 });
    clock.advance(5000);
    assert.equal(pm.isBanned(nid(1)), true);
  });

  it('records a ban of an unknown peer, and persists bans across restarts', async () => {
    const store = new MemoryPeerStore();
    const clock = new FakeClock();
    const first = await harness({ store, clock });
    first.pm.report(nid(3), { kind: 'ban', durationMs: 1000 });
    assert.equal(first.pm.state(nid(3)), 'banned');
    await first.pm.close();
    const second = await harness({ store, clock });
    assert.equal(second.pm.isBanned(nid(3)), true);
    assert.throws(() => second.pm.accepted(nid(3)), { reason: 'banned' });
    clock.advance(1000);
    second.pm.accepted(nid(3));
  });
});

describe('PeerManager: hold-dial', () => {
  it('stops dialing a peer until the hold ends, but keeps and accepts it', async () => {
    const { pm, clock } = await harness({ options: { disconnectCooldownMs: 0 } });
    pm.add(addr(1));
    pm.add(addr(2));
    connectInbound(pm, nid(1));
    pm.report(nid(1), { kind: 'hold-dial', durationMs: 30_000, reason: 'seed answered' });
    assert.equal(pm.state(nid(1)), 'ready', 'a held peer stays connected');
    assert.equal(pm.tryEvictNext(), undefined);
    pm.disconnected(nid(1));
    assert.deepEqual(drainDials(pm).map((a) => a.nodeId), [nid(2)], 'held: not dialed');
    assert.equal(pm.isBanned(nid(1)), false);
    assert.equal(pm.state(nid(1)), 'disconnected');
    assert.equal(pm.snapshot().find((p) => p.nodeId === nid(1))?.dialHeldUntil, clock.now() + 30_000);
    assert.equal(pm.nextDialAt(), clock.now() + 30_000, 'the dial loop wakes when the hold ends');
    pm.accepted(nid(1));
    assert.equal(pm.state(nid(1)), 'connected-in', 'still accepted while held');
    pm.disconnected(nid(1));
    clock.advance(30_000);
    assert.equal(pm.tryDialNext()?.nodeId, nid(1));
  });

  it('ignores unknown peers and never shortens a hold', async () => {
    const { pm, clock } = await harness({ options: { disconnectCooldownMs: 0 } });
    pm.report(nid(9), { kind: 'hold-dial', durationMs: 1000 });
    assert.equal(pm.snapshot().length, 0);
    pm.add(addr(1));
    pm.report(nid(1), { kind: 'hold-dial', durationMs: 10_000 });
    pm.report(nid(1), { kind: 'hold-dial', durationMs: 10 });
    clock.advance(5000);
    assert.equal(pm.tryDialNext(), undefined);
  });
});

describe('PeerManager: extreme bans', () => {
  it('a ban far in the future still yields a clean rejection', async () => {
    const { pm } = await harness();
    pm.report(nid(1), { kind: 'ban', durationMs: 1e300 });
    assert.throws(() => pm.accepted(nid(1)), { name: 'PeerRejectedError', reason: 'banned' });
    assert.equal(pm.state(nid(1)), 'banned');
  });
});
