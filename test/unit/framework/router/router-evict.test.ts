import assert from 'node:assert/strict';
import { EchoChannel } from '../../../../reactors/echo/echo-channel.js';
import { fakePeer } from '../../../support/fake-transport.js';
import { RouterRig, settle, until } from '../../../support/router-rig.js';
import { sabotageOnce } from './helpers.js';

/**
 * The evict loop (Router doc comment, "evict loop"): it closes whatever
 * peer the PeerManager picks and tells the manager about peers it cannot
 * find, so the manager's state never sticks at "evicting".
 */
describe('Router evict loop', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  it('closes the peer the PeerManager evicts, with PeerEvictedError as the reason', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const { peer, connection } = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    rig.pm.errored(peer.nodeId, new Error('misbehaved'));
    const event = await down;
    assert.equal(event.nodeId, peer.nodeId);
    assert.equal(event.reason?.name, 'PeerEvictedError');
    assert.equal(connection.closedWith?.name, 'PeerEvictedError');
    assert.equal(rig.router.metrics().evictions, 1);
    assert.deepEqual(rig.router.connectedPeers(), []);
    assert.notEqual(rig.pm.state(peer.nodeId), 'evicting');
  });

  it('evicts a banned peer and leaves the others routed', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const banned = await rig.routeInbound();
    const kept = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    rig.pm.report(banned.peer.nodeId, { kind: 'ban', durationMs: 60_000, reason: 'test' });
    assert.equal((await down).nodeId, banned.peer.nodeId);
    assert.deepEqual(rig.router.connectedPeers(), [kept.peer.nodeId]);
    assert.equal(kept.connection.isClosed, false);
  });

  it('tells the PeerManager when the peer it evicts is not routed', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const ghost = fakePeer();
    // Connected as far as the manager knows, but never routed by this router.
    rig.pm.accepted(ghost.nodeId);
    rig.pm.errored(ghost.nodeId, new Error('misbehaved'));
    assert.equal(rig.pm.state(ghost.nodeId), 'evicting');
    await until(() => rig.pm.state(ghost.nodeId) === 'disconnected', 'the manager to learn it is gone');
    assert.equal(rig.router.metrics().evictions, 1);
  });

  it('survives a PeerManager that throws and evicts on the next wake-up', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const { peer } = await rig.routeInbound();
    sabotageOnce(rig.pm, 'tryEvictNext', new Error('peer manager bug'));
    const loopError = rig.nextEvent('loop-error');
    const down = rig.nextEvent('peer-down');
    rig.pm.errored(peer.nodeId, new Error('misbehaved'));
    const { loop, error } = await loopError;
    assert.equal(loop, 'evict');
    assert.equal(error.message, 'peer manager bug');
    assert.equal((await down).nodeId, peer.nodeId, 'the eviction happens after all');
    assert.deepEqual(rig.router.metrics().loopErrors, { evict: 1 });
  });

  it('lets the event loop turn while the PeerManager throws on every call', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const { peer } = await rig.routeInbound();
    let calls = 0;
    const real = rig.pm.tryEvictNext.bind(rig.pm);
    rig.pm.tryEvictNext = () => {
      if (++calls <= 1000) throw new Error('peer manager bug');
      return real();
    };
    const down = rig.nextEvent('peer-down');
    rig.pm.errored(peer.nodeId, new Error('misbehaved'));
    await settle(1);
    assert.ok(calls < 10, `the evict loop asked ${calls} times before the event loop could turn once`);
    calls = 1000;
    assert.equal((await down).nodeId, peer.nodeId);
  });
});
