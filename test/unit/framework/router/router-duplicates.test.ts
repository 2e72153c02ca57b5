import assert from 'node:assert/strict';
import { EchoChannel } from '../../../../reactors/echo/echo-channel.js';
import { FakeConnection, fakePeer, type FakePeer } from '../../../support/fake-transport.js';
import { RouterRig, until } from '../../../support/router-rig.js';

/**
 * Both ends of a pair dial each other at once, so two connections of
 * opposite directions join them. Each end used to keep whichever it admitted
 * first and refuse the other; when their orders differed, each closed the one
 * the other kept, both dropped, and they redialed into the same race (the
 * soak saw persistent peers take over 30 s to meet again after a restart).
 * Now both keep the connection the lower node ID dialed.
 */
describe('Router: two connections to one peer, one each way', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  /** A remote whose node ID sorts below (or above) the node under test's. */
  function peerOrdered(lower: boolean): FakePeer {
    for (;;) {
      const peer = fakePeer();
      if (peer.nodeId < rig.key.nodeId === lower) return peer;
    }
  }

  /** Starts a dial of `peer` that waits for the returned release before it connects. */
  function parkedDial(peer: FakePeer): { release: () => FakeConnection } {
    let connect!: (c: FakeConnection) => void;
    rig.transport.onNextDial(peer.nodeId, () => new Promise<FakeConnection>((resolve) => (connect = resolve)));
    rig.pm.add(peer.address);
    return {
      release: () => {
        const connection = new FakeConnection({ remote: peer, remoteEndpoint: { protocol: 'memory', path: peer.nodeId } });
        connect(connection);
        return connection;
      },
    };
  }

  const upDirections = (peer: FakePeer) => rig.eventsOf('peer-up').filter((e) => e.nodeId === peer.nodeId).map((e) => e.direction);
  const downReasons = (peer: FakePeer) => rig.eventsOf('peer-down').filter((e) => e.nodeId === peer.nodeId).map((e) => e.reason?.name);

  it('our dial completing after the peer connected to us: we are the lower ID, so ours replaces theirs', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(false);
    const dial = parkedDial(peer);
    await until(() => rig.transport.dials.length === 1, 'the dial started');
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(peer).length === 1, 'their connection routed');
    const ours = dial.release();
    await until(() => upDirections(peer).length === 2, 'our connection routed');

    assert.deepEqual(upDirections(peer), ['inbound', 'outbound']);
    assert.deepEqual(downReasons(peer), ['DuplicateConnectionError']);
    assert.equal(theirs.isClosed, true);
    assert.equal(ours.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    assert.equal(rig.pm.state(peer.nodeId), 'ready');
    assert.equal(rig.router.metrics().duplicatesReplaced, 1);
  });

  it('our dial completing after the peer connected to us: they are the lower ID, so ours is refused', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(true);
    const dial = parkedDial(peer);
    await until(() => rig.transport.dials.length === 1, 'the dial started');
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(peer).length === 1, 'their connection routed');
    const ours = dial.release();
    await until(() => ours.isClosed, 'our connection refused');

    assert.deepEqual(upDirections(peer), ['inbound']);
    assert.deepEqual(downReasons(peer), []);
    assert.equal(theirs.isClosed, false);
    assert.deepEqual(rig.router.metrics().rejectedOutbound, { 'already-connected': 1 });
    assert.equal(rig.router.metrics().duplicatesReplaced, 0);
  });

  it('the peer connecting after our dial was routed: they are the lower ID, so theirs replaces ours, with no flap backoff on our address', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(true);
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(peer).length === 1, 'our connection routed');
    const ours = rig.transport.connections[0]!;
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(peer).length === 2, 'their connection routed');

    assert.deepEqual(upDirections(peer), ['outbound', 'inbound']);
    assert.deepEqual(downReasons(peer), ['DuplicateConnectionError']);
    assert.equal(ours.isClosed, true);
    assert.equal(theirs.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    const snapshot = rig.pm.snapshot().find((p) => p.nodeId === peer.nodeId)!;
    assert.equal(snapshot.dialFailures, 0, 'a replaced connection is no flap: the address is not backed off');
  });

  it('the peer connecting after our dial was routed: we are the lower ID, so theirs is refused', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(false);
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(peer).length === 1, 'our connection routed');
    const ours = rig.transport.connections[0]!;
    const rejected = rig.nextEvent('connection-rejected');
    const theirs = rig.transport.incoming(peer);
    assert.equal((await rejected).error.name, 'PeerRejectedError');

    assert.equal(theirs.isClosed, true);
    assert.equal(ours.isClosed, false);
    assert.deepEqual(downReasons(peer), []);
  });
});
