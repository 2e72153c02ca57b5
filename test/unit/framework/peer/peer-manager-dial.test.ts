import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { FixedScoringStrategy } from '../../../../plugins/scoring/fixed.js';
import { addr, connectOutbound, drainDials, harness, nid, SELF } from './helpers.js';

describe('PeerManager: add', () => {
  it('adds new addresses, refuses duplicates and self, and wakes the dialer', async () => {
    const { pm, wakes } = await harness();
    const before = wakes.dial;
    assert.equal(pm.add(addr(1)), true);
    assert.equal(wakes.dial, before + 1);
    assert.equal(pm.add(addr(1)), false);
    assert.equal(pm.add(NodeAddress.parse(addr(1).toString())), false, 'an equal address is a duplicate');
    assert.equal(pm.add(addr(1, '9.9.9.9')), true, 'a second address of the same peer');
    assert.equal(pm.add(NodeAddress.parse(`mconn://${SELF}@1.1.1.1:26656`)), false);
    assert.equal(pm.state(SELF), undefined);
    assert.deepEqual(pm.addresses(nid(1)).map(String), [addr(1).toString(), addr(1, '9.9.9.9').toString()]);
    assert.equal(pm.state(nid(1)), 'disconnected');
  });

  it('throws for something that is not an address', async () => {
    const { pm } = await harness();
    assert.throws(() => pm.add('mconn://x@1.2.3.4:1' as unknown as NodeAddress), { name: 'InvalidArgumentError' });
    assert.throws(() => pm.add({ nodeId: 'nope', protocol: 'mconn' } as unknown as NodeAddress), { name: 'InvalidArgumentError' });
  });

  it('bounds the addresses kept per peer, replacing the worst failing one', async () => {
    const { pm } = await harness();
    for (let i = 0; i < 16; i++) assert.equal(pm.add(addr(1, `8.8.8.${i + 1}`)), true);
    assert.equal(pm.add(addr(1, '8.8.9.1')), false, 'full and nothing failing to replace');
    pm.dialFailed(addr(1, '8.8.8.3'));
    assert.equal(pm.add(addr(1, '8.8.9.1')), true);
    const kept = pm.addresses(nid(1)).map(String);
    assert.equal(kept.length, 16);
    assert.ok(!kept.includes(addr(1, '8.8.8.3').toString()));
  });
});

describe('PeerManager: where an address came from', () => {
  it('remembers the scope of the peer an address was learned from; configured and application-added addresses have none', async () => {
    const { pm } = await harness({ options: { persistentPeers: [addr(9, 'peer-nine.test')] } });
    const name = addr(1, 'node-one.test');
    pm.add(name, { learnedFrom: 'public' });
    assert.equal(pm.learnedFrom(name), 'public');
    pm.add(name, { learnedFrom: 'private' });
    assert.equal(pm.learnedFrom(name), 'private', 'a nearer source may vouch for more');
    pm.add(name, { learnedFrom: 'public' });
    assert.equal(pm.learnedFrom(name), 'private', 'a farther one never narrows it again');
    pm.add(name);
    assert.equal(pm.learnedFrom(name), undefined, 'added by the application: dialed wherever it resolves');
    assert.equal(pm.learnedFrom(addr(9, 'peer-nine.test')), undefined, 'a persistent peer is the operator\'s word');
    pm.add(addr(9, 'peer-nine.test'), { learnedFrom: 'public' });
    assert.equal(pm.learnedFrom(addr(9, 'peer-nine.test')), undefined, 'gossip cannot restrict a configured address');
    assert.equal(pm.learnedFrom(addr(2, 'unknown.test')), 'public', 'an address no longer known is held to public IPs');
  });
});

describe('PeerManager: tryDialNext', () => {
  it('returns each peer once (dials are deduplicated) and nothing when all are dialing', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    pm.add(addr(1, '9.9.9.9'));
    pm.add(addr(2));
    const dials = drainDials(pm);
    assert.deepEqual(dials.map((a) => a.nodeId).sort(), [nid(1), nid(2)]);
    assert.equal(pm.tryDialNext(), undefined);
    assert.equal(pm.state(nid(1)), 'dialing');
    assert.equal(pm.metrics().dialAttempts, 2);
    assert.equal(pm.metrics().dialing, 2);
  });

  it('walks peers in rank order', async () => {
    const scores = new Map<string, number>([[nid(1), 1], [nid(2), 30], [nid(3), 20], [nid(4), -5]]);
    const { pm } = await harness({ scoring: new FixedScoringStrategy(scores) });
    for (const n of [1, 2, 3, 4]) pm.add(addr(n));
    assert.deepEqual(drainDials(pm).map((a) => a.nodeId), [nid(2), nid(3), nid(1), nid(4)]);
  });

  it('stops at maxConnected + maxConnectedUpgrade counting dials in flight', async () => {
    const { pm } = await harness({ options: { maxConnected: 2, maxOutgoing: 0, maxConnectedUpgrade: 0, maxPeers: 0 } });
    for (let n = 1; n <= 5; n++) pm.add(addr(n));
    assert.equal(drainDials(pm).length, 2);
    assert.equal(pm.nextDialAt(), undefined, 'no slot: nothing to wait for');
  });

  it('stops dialing ordinary peers at maxOutgoing but still dials persistent peers', async () => {
    const { pm, clock } = await harness({ options: { maxConnected: 10, maxOutgoing: 2, persistentPeers: [addr(9)] } });
    assert.equal(connectOutbound(pm), nid(9), 'the persistent peer ranks first');
    for (let n = 1; n <= 5; n++) pm.add(addr(n));
    assert.equal(drainDials(pm).length, 1, 'one outgoing slot left');
    pm.disconnected(nid(9));
    const other = connectOutbound(pm);
    assert.notEqual(other, nid(9), 'the persistent peer waits out its disconnect cooldown');
    assert.equal(pm.tryDialNext(), undefined, 'outgoing slots are full for ordinary peers');
    clock.advance(2000);
    assert.equal(pm.tryDialNext()?.nodeId, nid(9), 'a persistent peer is dialed beyond maxOutgoing');
  });

  it('never offers banned peers, and offers them again when the ban expires', async () => {
    const { pm, clock } = await harness();
    pm.add(addr(1));
    pm.report(nid(1), { kind: 'ban', durationMs: 10_000 });
    assert.equal(pm.tryDialNext(), undefined);
    assert.equal(pm.nextDialAt(), clock.now() + 10_000);
    clock.advance(10_000);
    assert.equal(pm.tryDialNext()?.nodeId, nid(1));
  });

  it('prefers the address with the fewest failures and moves on after a failure', async () => {
    const { pm, clock } = await harness();
    const a = addr(1, '8.8.8.1');
    const b = addr(1, '8.8.8.2');
    pm.add(a);
    pm.add(b);
    const first = pm.tryDialNext();
    assert.ok(first?.equals(a));
    pm.dialFailed(a, new Error('refused'));
    const second = pm.tryDialNext();
    assert.ok(second?.equals(b), 'the failed address waits out its delay, the other one is dialed now');
    pm.dialFailed(b);
    clock.advance(250);
    assert.ok(pm.tryDialNext() !== undefined);
  });
});

describe('PeerManager: retry delays', () => {
  async function failRepeatedly(options: object, persistent = false) {
    const h = await harness({ options: { ...(persistent ? { persistentPeers: [addr(1)] } : {}), ...options } });
    if (!persistent) h.pm.add(addr(1));
    /** Fails a dial now and returns how long until the address is offered again (undefined = never). */
    const failAndMeasure = (): number | undefined => {
      const a = h.pm.tryDialNext();
      assert.ok(a, 'dialable');
      h.pm.dialFailed(a, new Error('x'));
      assert.equal(h.pm.tryDialNext(), undefined, 'not offered right after a failure');
      const at = h.pm.nextDialAt();
      if (at === undefined) return undefined;
      const wait = at - h.clock.now();
      h.clock.advance(wait - 1);
      assert.equal(h.pm.tryDialNext(), undefined, 'not offered 1 ms before nextDialAt');
      h.clock.advance(1);
      return wait;
    };
    return { ...h, failAndMeasure };
  }

  it('grows exponentially from minRetryTimeMs and caps at maxRetryTimeMs', async () => {
    const { failAndMeasure } = await failRepeatedly({ minRetryTimeMs: 100, maxRetryTimeMs: 1000 });
    const waits = Array.from({ length: 7 }, () => failAndMeasure());
    assert.deepEqual(waits, [100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('adds random jitter in [0, retryJitterMs), within the cap', async () => {
    const h = await failRepeatedly({ minRetryTimeMs: 100, maxRetryTimeMs: 1000, retryJitterMs: 400 });
    h.random.value = 0.25;
    assert.equal(h.failAndMeasure(), 100 + 100);
    h.random.value = 0.999;
    const second = h.failAndMeasure();
    assert.ok(second !== undefined && Math.abs(second - (200 + 399.6)) < 1e-6, String(second));
    h.random.value = 0;
    assert.equal(h.failAndMeasure(), 400);
    h.random.value = 0.999;
    assert.equal(h.failAndMeasure(), 1000, '800 + 399.6 is capped');
  });

  it('caps persistent peers at maxRetryTimePersistentMs', async () => {
    const { failAndMeasure } = await failRepeatedly({ minRetryTimeMs: 100, maxRetryTimeMs: 10_000, maxRetryTimePersistentMs: 300 }, true);
    assert.deepEqual([failAndMeasure(), failAndMeasure(), failAndMeasure(), failAndMeasure()], [100, 200, 300, 300]);
  });

  it('never retries an ordinary peer when minRetryTimeMs is 0', async () => {
    const { failAndMeasure, pm, clock } = await failRepeatedly({ minRetryTimeMs: 0 });
    assert.equal(failAndMeasure(), undefined);
    clock.advance(365 * 24 * 3600_000);
    assert.equal(pm.tryDialNext(), undefined);
  });

  it('always retries persistent peers, even with minRetryTimeMs 0', async () => {
    const { failAndMeasure } = await failRepeatedly({ minRetryTimeMs: 0, maxRetryTimePersistentMs: 1000 }, true);
    assert.deepEqual([failAndMeasure(), failAndMeasure(), failAndMeasure(), failAndMeasure(), failAndMeasure()], [250, 500, 1000, 1000, 1000]);
  });

  it('resets the backoff after a successful dial whose connection outlived flapWindowMs', async () => {
    const { failAndMeasure, pm, clock } = await failRepeatedly({ minRetryTimeMs: 100, disconnectCooldownMs: 0, flapWindowMs: 5000 });
    failAndMeasure();
    failAndMeasure();
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.dialed(a);
    clock.advance(5000);
    pm.disconnected(a.nodeId);
    assert.equal(pm.snapshot()[0].dialFailures, 0);
    assert.equal(pm.metrics().flaps, 0);
    assert.equal(failAndMeasure(), 100);
  });

  it('counts a connection that ends within flapWindowMs of the dial as one more failed dial', async () => {
    const { failAndMeasure, pm, clock } = await failRepeatedly({ minRetryTimeMs: 100, maxRetryTimeMs: 60_000, disconnectCooldownMs: 0, flapWindowMs: 5000 });
    assert.deepEqual([failAndMeasure(), failAndMeasure()], [100, 200]);
    // The peer completes the handshake and hangs up at once (it is full), three times running.
    const flap = (): number => {
      const a = pm.tryDialNext();
      assert.ok(a);
      pm.dialed(a);
      clock.advance(4999);
      pm.disconnected(a.nodeId);
      assert.equal(pm.tryDialNext(), undefined, 'backed off, not redialed at once');
      const wait = pm.nextDialAt()! - clock.now();
      clock.advance(wait);
      return wait;
    };
    // Each flap is one failure more (3, 4, 5); without the flap window each redial would follow the 0 ms cooldown.
    assert.deepEqual([flap(), flap(), flap()], [400, 800, 1600]);
    assert.equal(pm.snapshot()[0].dialFailures, 5);
    assert.equal(pm.metrics().flaps, 3);
  });

  it('with flapWindowMs 0, a dial that connected resets the backoff however soon it ends', async () => {
    const { failAndMeasure, pm } = await failRepeatedly({ minRetryTimeMs: 100, disconnectCooldownMs: 0, flapWindowMs: 0 });
    failAndMeasure();
    failAndMeasure();
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.dialed(a);
    pm.disconnected(a.nodeId);
    assert.equal(pm.snapshot()[0].dialFailures, 0);
    assert.equal(failAndMeasure(), 100);
  });
});

describe('PeerManager: cooldowns and nextDialAt', () => {
  it('does not redial within disconnectCooldownMs of a disconnect', async () => {
    const { pm, clock } = await harness({ options: { disconnectCooldownMs: 2000 } });
    pm.add(addr(1));
    const id = connectOutbound(pm);
    pm.disconnected(id);
    assert.equal(pm.tryDialNext(), undefined);
    assert.equal(pm.nextDialAt(), clock.now() + 2000);
    clock.advance(1999);
    assert.equal(pm.tryDialNext(), undefined);
    clock.advance(1);
    assert.equal(pm.tryDialNext()?.nodeId, id);
  });

  it('is undefined with no peers, and with only dialable-now peers', async () => {
    const { pm } = await harness();
    assert.equal(pm.nextDialAt(), undefined);
    pm.add(addr(1));
    assert.equal(pm.nextDialAt(), undefined, 'dialable now is not a future event');
  });

  it('is the earliest of all pending retry, cooldown and ban times, always in the future', async () => {
    const { pm, clock } = await harness({ options: { minRetryTimeMs: 1000, disconnectCooldownMs: 5000 } });
    const t0 = clock.now();
    pm.add(addr(1));
    pm.add(addr(2));
    pm.add(addr(3));
    const [a, b, c] = drainDials(pm);
    pm.dialFailed(a); // retry at t0 + 1000
    pm.dialed(b);
    pm.disconnected(b.nodeId); // cooldown until t0 + 5000
    pm.dialFailed(c);
    pm.report(c.nodeId, { kind: 'ban', durationMs: 3000 }); // gated until t0 + 3000
    assert.equal(pm.nextDialAt(), t0 + 1000);
    clock.advance(1000);
    assert.equal(pm.tryDialNext()?.nodeId, a.nodeId);
    assert.equal(pm.nextDialAt(), t0 + 3000);
    clock.advance(2000);
    assert.equal(pm.tryDialNext()?.nodeId, c.nodeId);
    assert.equal(pm.nextDialAt(), t0 + 5000);
    clock.advance(2000);
    assert.equal(pm.tryDialNext()?.nodeId, b.nodeId);
    assert.equal(pm.nextDialAt(), undefined);
  });

  it('ignores peers that are dialing or connected', async () => {
    const { pm } = await harness({ options: { minRetryTimeMs: 1000 } });
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.dialFailed(a);
    const at = pm.nextDialAt();
    assert.ok(at !== undefined);
    pm.accepted(a.nodeId);
    assert.equal(pm.nextDialAt(), undefined);
  });
});

describe('PeerManager: inactive peers', () => {
  it('are not dialed and get no new addresses until inactiveCooldownMs passes', async () => {
    const { pm, clock } = await harness({ options: { inactiveCooldownMs: 60_000 } });
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.inactivate(a.nodeId, 'wrong network');
    pm.dialFailed(a, new Error('incompatible'));
    assert.equal(pm.state(a.nodeId), 'inactive');
    assert.equal(pm.add(addr(1, '7.7.7.7')), false, 'changed address refused during cooldown');
    assert.equal(pm.tryDialNext(), undefined);
    assert.equal(pm.nextDialAt(), clock.now() + 60_000);
    clock.advance(60_000);
    assert.equal(pm.add(addr(1, '7.7.7.7')), true, 'accepted after the cooldown');
    assert.equal(pm.tryDialNext()?.nodeId, nid(1));
  });

  it('are cleared by a successful connection', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    pm.inactivate(nid(1), 'x');
    pm.accepted(nid(1));
    assert.equal(pm.snapshot()[0].inactive, false);
  });

  it('inactivating an unknown peer does not invent it', async () => {
    const { pm } = await harness();
    pm.inactivate(nid(5) as NodeID, 'x');
    assert.equal(pm.state(nid(5)), undefined);
    assert.equal(pm.snapshot().length, 0);
  });
});

describe('PeerManager: nothing to dial when every known peer is busy', () => {
  it('answers at once while every known peer is connected or dialing, and dials the next one added', async () => {
    const { pm } = await harness({ options: { maxConnected: 100, maxOutgoing: 100 } });
    for (let i = 1; i <= 20; i++) pm.add(addr(i));
    const dialed = drainDials(pm);
    assert.equal(dialed.length, 20, 'every known peer is being dialed');
    for (const a of dialed.slice(0, 10)) pm.dialed(a);
    assert.equal(pm.tryDialNext(), undefined);
    assert.equal(pm.nextDialAt(), undefined);
    // A peer that connects to us while we dial it is one busy peer, not two.
    pm.accepted(nid(11));
    pm.add(addr(21));
    assert.equal(pm.tryDialNext()?.toString(), addr(21).toString(), 'the one idle peer is found');
  });
});
