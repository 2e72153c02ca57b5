import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { PeerRejectedError, type PeerRejectionReason } from '../../../../framework/peer/errors.js';
import { FixedScoringStrategy } from '../../../../plugins/scoring/fixed.js';
import { addr, connectInbound, connectOutbound, drainDials, harness, nid, SELF } from './helpers.js';

function rejected(fn: () => void, reason: PeerRejectionReason): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PeerRejectedError, String(err));
    assert.equal(err.name, 'PeerRejectedError');
    assert.equal(err.reason, reason);
    return true;
  });
}

const fixed = (scores: Record<number, number>) => new FixedScoringStrategy(new Map(Object.entries(scores).map(([n, s]) => [nid(Number(n)), s])));

describe('PeerManager: dialed', () => {
  it('records an outbound connection and resets the dialed address', async () => {
    const { pm, clock } = await harness();
    pm.add(addr(1));
    let a = pm.tryDialNext();
    assert.ok(a);
    pm.dialFailed(a);
    clock.advance(250);
    a = pm.tryDialNext();
    assert.ok(a);
    pm.dialed(a);
    assert.equal(pm.state(nid(1)), 'connected-out');
    const [snap] = pm.snapshot();
    assert.equal(snap.dialFailures, 0);
    assert.equal(snap.direction, 'outbound');
    assert.equal(snap.lastConnected, clock.now());
    assert.equal(snap.addressDetails[0].lastDialSuccess, clock.now());
    assert.equal(pm.metrics().dials, 1);
    assert.deepEqual(pm.connectedPeers(), [], 'connected but not ready yet');
  });

  it('refuses self', async () => {
    const { pm } = await harness();
    rejected(() => pm.dialed(NodeAddress.parse(`mconn://${SELF}@1.2.3.4:26656`)), 'self');
    assert.equal(pm.metrics().rejected.self, 1);
  });

  it('refuses a peer that connected inbound meanwhile, freeing the dial slot', async () => {
    const { pm, wakes } = await harness({ options: { maxConnected: 1, maxOutgoing: 1, maxConnectedUpgrade: 0, maxPeers: 0 } });
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.accepted(nid(1));
    const before = wakes.dial;
    rejected(() => pm.dialed(a), 'already-connected');
    assert.ok(wakes.dial > before);
    assert.equal(pm.state(nid(1)), 'connected-in');
    assert.equal(pm.metrics().dialing, 0);
  });

  it('refuses a banned peer', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.report(nid(1), { kind: 'ban', durationMs: 1000 });
    rejected(() => pm.dialed(a), 'banned');
    assert.equal(pm.state(nid(1)), 'banned');
  });

  it('refuses at capacity when no lower-ranked peer can make room', async () => {
    const { pm } = await harness({ options: { maxConnected: 1, maxOutgoing: 1, maxConnectedUpgrade: 1, maxPeers: 0 } });
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.accepted(nid(2)); // fills the only regular slot while we dial; equal scores: no upgrade
    rejected(() => pm.dialed(a), 'max-connected');
    assert.equal(pm.metrics().rejected['max-connected'], 1);
  });

  it('accepts an unknown peer and learns its address', async () => {
    const { pm } = await harness();
    pm.dialed(addr(3));
    assert.equal(pm.state(nid(3)), 'connected-out');
    assert.deepEqual(pm.addresses(nid(3)).map(String), [addr(3).toString()]);
  });
});

describe('PeerManager: accepted', () => {
  it('records an inbound connection, creating the peer and remembering context.address', async () => {
    const { pm } = await harness();
    pm.accepted(nid(1), { address: addr(1) });
    assert.equal(pm.state(nid(1)), 'connected-in');
    assert.deepEqual(pm.addresses(nid(1)).map(String), [addr(1).toString()]);
    pm.accepted(nid(2), { address: addr(3) }); // address of another node: ignored
    assert.deepEqual(pm.addresses(nid(2)), []);
    assert.equal(pm.metrics().accepted, 2);
  });

  it('refuses self, duplicates, banned peers and malformed IDs', async () => {
    const { pm } = await harness();
    rejected(() => pm.accepted(SELF), 'self');
    pm.accepted(nid(1));
    rejected(() => pm.accepted(nid(1)), 'already-connected');
    pm.report(nid(2), { kind: 'ban', durationMs: 1 });
    rejected(() => pm.accepted(nid(2)), 'banned');
    assert.throws(() => pm.accepted('xyz' as NodeID), { name: 'InvalidArgumentError' });
    assert.deepEqual(pm.metrics().rejected, { self: 1, 'already-connected': 1, 'max-connected': 0, 'max-inbound': 0, banned: 1, closed: 0 });
  });

  it('resets dial failures of every address of the peer', async () => {
    const { pm } = await harness();
    pm.add(addr(1));
    pm.add(addr(1, '9.9.9.9'));
    pm.dialFailed(addr(1));
    pm.dialFailed(addr(1, '9.9.9.9'));
    assert.equal(pm.snapshot()[0].dialFailures, 2);
    pm.accepted(nid(1));
    assert.equal(pm.snapshot()[0].dialFailures, 0);
  });

  it('at maxConnected, admits a better peer by scheduling the worst for eviction', async () => {
    const { pm, wakes } = await harness({ options: { maxConnected: 2, maxOutgoing: 2, maxConnectedUpgrade: 1, maxPeers: 0 }, scoring: fixed({ 1: 5, 2: 1, 3: 10, 4: 0 }) });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    const before = wakes.evict;
    pm.accepted(nid(3));
    assert.ok(wakes.evict > before);
    assert.equal(pm.state(nid(2)), 'evicting');
    rejected(() => pm.accepted(nid(4)), 'max-connected'); // hard cap 3 reached
    assert.equal(pm.tryEvictNext(), nid(2));
    assert.equal(pm.tryEvictNext(), undefined);
    pm.disconnected(nid(2));
    assert.deepEqual(pm.connectedPeers().sort(), [nid(1)]);
    assert.equal(pm.state(nid(3)), 'connected-in');
  });

  it('at maxConnected, refuses a peer that ranks no better than every connected one', async () => {
    const { pm } = await harness({ options: { maxConnected: 2, maxOutgoing: 2, maxConnectedUpgrade: 2, maxPeers: 0 }, scoring: fixed({ 1: 5, 2: 5, 3: 5 }) });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    rejected(() => pm.accepted(nid(3)), 'max-connected');
  });

  it('never evicts a persistent peer for a non-persistent one', async () => {
    const { pm } = await harness({
      options: { maxConnected: 1, maxOutgoing: 1, maxConnectedUpgrade: 1, maxPeers: 0, persistentPeers: [addr(1)] },
      scoring: fixed({ 1: -100, 2: 100, 3: 100 }),
    });
    assert.equal(connectOutbound(pm), nid(1));
    rejected(() => pm.accepted(nid(2)), 'max-connected');
    pm.add(addr(3));
    assert.equal(pm.tryDialNext(), undefined, 'no upgrade dial either');
    assert.equal(pm.tryEvictNext(), undefined);
  });
});

describe('PeerManager: inbound budget', () => {
  it('refuses non-persistent inbound peers beyond maxInbound, keeping room for our dials and persistent peers', async () => {
    const { pm } = await harness({ options: { maxConnected: 6, maxInbound: 2, maxOutgoing: 2, maxConnectedUpgrade: 0, maxPeers: 0, persistentPeers: [addr(9)] } });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    rejected(() => pm.accepted(nid(3)), 'max-inbound');
    assert.equal(pm.metrics().rejected['max-inbound'], 1);
    assert.equal(pm.state(nid(3)), undefined, 'a refused stranger is not remembered');

    connectInbound(pm, nid(9)); // the persistent peer is exempt and does not count
    pm.add(addr(4));
    pm.add(addr(5));
    const dials = drainDials(pm);
    assert.deepEqual(dials.map((a) => a.nodeId).sort(), [nid(4), nid(5)]);
    for (const a of dials) pm.dialed(a);
    assert.equal(pm.metrics().connected, 5);
    rejected(() => pm.accepted(nid(3)), 'max-inbound');

    pm.disconnected(nid(1));
    connectInbound(pm, nid(3));
    assert.equal(pm.state(nid(3)), 'ready');
  });

  it('with maxInbound = 0 only maxConnected bounds inbound peers', async () => {
    const { pm } = await harness({ options: { maxConnected: 3, maxInbound: 0, maxOutgoing: 1, maxConnectedUpgrade: 0, maxPeers: 0 } });
    for (const n of [1, 2, 3]) connectInbound(pm, nid(n));
    rejected(() => pm.accepted(nid(4)), 'max-connected');
  });
});

describe('PeerManager: upgrade dials', () => {
  it('dials a better peer into an upgrade slot and evicts the worst connected one', async () => {
    const { pm } = await harness({ options: { maxConnected: 2, maxOutgoing: 0, maxConnectedUpgrade: 1, maxPeers: 0 }, scoring: fixed({ 1: 1, 2: 2, 3: 3, 4: 4 }) });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    pm.add(addr(3));
    pm.add(addr(4));
    const up = pm.tryDialNext();
    assert.equal(up?.nodeId, nid(4), 'best first');
    assert.equal(pm.tryDialNext(), undefined, 'the single upgrade slot is taken');
    assert.ok(up);
    pm.dialed(up);
    assert.equal(pm.state(nid(1)), 'evicting', 'the lowest-ranked peer makes room');
    assert.equal(pm.tryEvictNext(), nid(1));
    pm.disconnected(nid(1));
    assert.equal(pm.tryDialNext()?.nodeId, nid(3), 'now 3 can upgrade over 2');
  });

  it('does not dial peers that cannot replace anyone', async () => {
    const { pm } = await harness({ options: { maxConnected: 2, maxOutgoing: 0, maxConnectedUpgrade: 2, maxPeers: 0 }, scoring: fixed({ 1: 5, 2: 5, 3: 5, 4: 6 }) });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    pm.add(addr(3));
    assert.equal(pm.tryDialNext(), undefined);
    pm.add(addr(4));
    const up = pm.tryDialNext();
    assert.equal(up?.nodeId, nid(4));
    assert.equal(pm.tryDialNext(), undefined, '3 still ranks no better than anyone connected');
  });

  it('gives each upgrade dial its own victim', async () => {
    const { pm } = await harness({ options: { maxConnected: 2, maxOutgoing: 0, maxConnectedUpgrade: 2, maxPeers: 0 }, scoring: fixed({ 1: 1, 2: 2, 3: 10, 4: 10 }) });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    pm.add(addr(3));
    pm.add(addr(4));
    const [a, b] = drainDials(pm);
    assert.ok(a && b);
    pm.dialed(a);
    pm.dialed(b);
    assert.deepEqual([pm.tryEvictNext(), pm.tryEvictNext()].sort(), [nid(1), nid(2)]);
  });
});

describe('PeerManager: ready, eviction and disconnection', () => {
  it('ready publishes one up; ready for an unknown connection is ignored with a warning', async () => {
    const { pm, updates, log } = await harness();
    pm.accepted(nid(1));
    const channels = new Set([1, 2]);
    pm.ready(nid(1), channels);
    pm.ready(nid(1), new Set([3]));
    channels.add(99);
    assert.equal(updates.length, 1);
    assert.deepEqual(updates[0], { nodeId: nid(1), status: 'up', channels: new Set([1, 2]) });
    assert.deepEqual(pm.peerChannels(nid(1)), new Set([1, 2]));
    assert.deepEqual(pm.connectedPeers(), [nid(1)]);
    assert.equal(pm.state(nid(1)), 'ready');
    pm.ready(nid(2), new Set([1]));
    assert.equal(updates.length, 1);
    assert.ok(log.at('warn').some((l) => /not connected/.test(l.msg ?? '')));
  });

  it('disconnected publishes down, records the time, frees the slot and is idempotent', async () => {
    const { pm, updates, clock, wakes } = await harness();
    pm.accepted(nid(1));
    pm.ready(nid(1), new Set([1]));
    clock.advance(500);
    const before = wakes.dial;
    pm.disconnected(nid(1));
    pm.disconnected(nid(1));
    assert.deepEqual(updates.map((u) => u.status), ['up', 'down']);
    assert.deepEqual(updates[1].channels, new Set());
    assert.equal(wakes.dial, before + 1);
    assert.equal(pm.state(nid(1)), 'disconnected');
    assert.equal(pm.snapshot()[0].lastDisconnected, clock.now());
    assert.equal(pm.peerChannels(nid(1)), undefined);
  });

  it('a peer that disconnects before ready gets neither up nor down', async () => {
    const { pm, updates } = await harness();
    pm.accepted(nid(1));
    pm.disconnected(nid(1));
    assert.deepEqual(updates, []);
  });

  it('errored schedules eviction once; unknown peers are ignored', async () => {
    const { pm, wakes } = await harness();
    connectInbound(pm, nid(1));
    const before = wakes.evict;
    pm.errored(nid(1), new Error('boom'));
    assert.equal(wakes.evict, before + 1);
    assert.equal(pm.state(nid(1)), 'evicting');
    assert.equal(pm.tryEvictNext(), nid(1));
    pm.errored(nid(1), new Error('again'));
    assert.equal(pm.tryEvictNext(), undefined, 'already being evicted');
    pm.errored(nid(7), new Error('who?'));
    assert.equal(pm.state(nid(7)), undefined);
    assert.equal(pm.metrics().evictions, 1);
  });

  it('tryEvictNext skips queued peers that already disconnected', async () => {
    const { pm } = await harness();
    connectInbound(pm, nid(1));
    pm.errored(nid(1), new Error('x'));
    pm.disconnected(nid(1));
    assert.equal(pm.tryEvictNext(), undefined);
  });

  it('inactivating a connected peer evicts it', async () => {
    const { pm } = await harness();
    connectInbound(pm, nid(1));
    pm.inactivate(nid(1), 'incompatible');
    assert.equal(pm.tryEvictNext(), nid(1));
  });
});
