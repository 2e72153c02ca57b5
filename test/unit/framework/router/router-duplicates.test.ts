import assert from 'node:assert/strict';
import { EchoChannel, ECHO_CHANNEL_ID } from '../../../../reactors/echo/echo-channel.js';
import { MessageDecodeError } from '../../../../framework/router/message-type.js';
import { FakeConnection, fakePeer, type FakePeer } from '../../../support/fake-transport.js';
import { RouterRig, until } from '../../../support/router-rig.js';

/**
 * Both ends of a pair dial each other at once, so two connections of
 * opposite directions join them, and both ends must keep the same one
 * (framework/router/duplicate-connections.ts). Each end used to keep whichever
 * it admitted first and refuse the other; when their orders differed, each
 * closed the one the other kept, both dropped, and they redialed into the same
 * race (the soak saw persistent peers take over 30 s to meet again).
 * A peer that shares the rule (NodeInfo.version "tmp2p/…") and this node both
 * keep the connection the lower node ID dialed; any other peer (CometBFT
 * keeps whichever finished its handshake first) chooses, and this node keeps
 * the second connection as a standby until it sees the choice.
 */
const SHARED_RULE_VERSION = 'tmp2p/0.0.0';
const COMETBFT_VERSION = '0.38.17';

/** A remote whose node ID sorts below (or above) that of the node under `rig`, announcing `version`. */
function peerOrdered(rig: RouterRig, lower: boolean, version: string): FakePeer {
  for (;;) {
    const peer = fakePeer({ version });
    if (peer.nodeId < rig.key.nodeId === lower) return peer;
  }
}

const upDirections = (rig: RouterRig, peer: FakePeer) => rig.eventsOf('peer-up').filter((e) => e.nodeId === peer.nodeId).map((e) => e.direction);
const downReasons = (rig: RouterRig, peer: FakePeer) => rig.eventsOf('peer-down').filter((e) => e.nodeId === peer.nodeId).map((e) => e.reason?.name);

describe('Router: two connections to one peer, one each way (a peer that shares the rule)', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

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


  it('our dial completing after the peer connected to us: we are the lower ID, so ours replaces theirs', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, false, SHARED_RULE_VERSION);
    const dial = parkedDial(peer);
    await until(() => rig.transport.dials.length === 1, 'the dial started');
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(rig, peer).length === 1, 'their connection routed');
    const ours = dial.release();
    await until(() => upDirections(rig, peer).length === 2, 'our connection routed');

    assert.deepEqual(upDirections(rig, peer), ['inbound', 'outbound']);
    assert.deepEqual(downReasons(rig, peer), ['DuplicateConnectionError']);
    assert.equal(theirs.isClosed, true);
    assert.equal(ours.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    assert.equal(rig.pm.state(peer.nodeId), 'ready');
    assert.deepEqual(rig.router.metrics().duplicateConnections, { replaced: 1, promoted: 1 });
  });

  it('our dial completing after the peer connected to us: they are the lower ID, so ours is held, not closed, until the peer closes it', async () => {
    // The peer may still route our connection until its copy of the one it dialed finishes the
    // handshake; closing ours first would drop the pair there for a moment. It closes ours itself.
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, true, SHARED_RULE_VERSION);
    const dial = parkedDial(peer);
    await until(() => rig.transport.dials.length === 1, 'the dial started');
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(rig, peer).length === 1, 'their connection routed');
    const ours = dial.release();
    await until(() => rig.router.metrics().duplicateConnections?.['held'] === 1, 'our connection held');
    assert.equal(ours.isClosed, false);

    ours.hangUp(); // the peer replaced it with the one it dialed
    await until(() => rig.router.metrics().duplicateConnections?.['standby-closed-by-peer'] === 1, 'the standby dropped');
    assert.deepEqual(upDirections(rig, peer), ['inbound']);
    assert.deepEqual(downReasons(rig, peer), []);
    assert.equal(theirs.isClosed, false);
    assert.deepEqual(rig.router.metrics().rejectedOutbound, {});
  });

  it('the peer connecting after our dial was routed: they are the lower ID, so theirs replaces ours, with no flap backoff on our address', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, true, SHARED_RULE_VERSION);
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(rig, peer).length === 1, 'our connection routed');
    const ours = rig.transport.connections[0]!;
    const theirs = rig.transport.incoming(peer);
    await until(() => upDirections(rig, peer).length === 2, 'their connection routed');

    assert.deepEqual(upDirections(rig, peer), ['outbound', 'inbound']);
    assert.deepEqual(downReasons(rig, peer), ['DuplicateConnectionError']);
    assert.equal(ours.isClosed, true);
    assert.equal(theirs.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    const snapshot = rig.pm.snapshot().find((p) => p.nodeId === peer.nodeId)!;
    assert.equal(snapshot.dialFailures, 0, 'a replaced connection is no flap: the address is not backed off');
  });

  it('the peer connecting after our dial was routed: we are the lower ID, so theirs is held, and closed by us when both ends already route ours', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { duplicateGraceMs: 20 } });
    const peer = peerOrdered(rig, false, SHARED_RULE_VERSION);
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(rig, peer).length === 1, 'our connection routed');
    const ours = rig.transport.connections[0]!;
    const theirs = rig.transport.incoming(peer);
    // The peer routes ours too and holds its own: nobody closes it until the grace period ends.
    await until(() => theirs.isClosed, 'the grace period ended');

    assert.equal(theirs.closedWith?.name, 'DuplicateConnectionError');
    assert.equal(ours.isClosed, false);
    assert.deepEqual(downReasons(rig, peer), []);
    assert.deepEqual(rig.router.metrics().duplicateConnections, { held: 1, 'standby-refused': 1 });
  });
});

describe('Router: the simultaneous dial the peer settles first (both ends routed the losing connection)', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  const upFlags = (peer: FakePeer) => rig.eventsOf('peer-up').filter((e) => e.nodeId === peer.nodeId).map((e) => e.afterSimultaneousDial === true);

  /** We are the higher ID and our dial (the loser) is routed; returns it. */
  async function loserRouted(peer: FakePeer): Promise<FakeConnection> {
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(rig, peer).length === 1, 'our (losing) connection routed');
    return rig.transport.connections.find((c) => c.remote === peer)!;
  }

  it('reports the winner that arrives after the peer closed the routed loser as the end of that swap, and counts it', async () => {
    // The peer finished its copy of the winner first and closed the loser under us; ours of the winner
    // (the connection the peer, the lower ID, dialed) was still in its handshake.
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, true, SHARED_RULE_VERSION);
    const ours = await loserRouted(peer);
    ours.hangUp();
    await until(() => downReasons(rig, peer).length === 1, 'the loser went down');
    rig.transport.incoming(peer);
    await until(() => upDirections(rig, peer).length === 2, 'the winner routed');

    assert.deepEqual(upDirections(rig, peer), ['outbound', 'inbound']);
    assert.deepEqual(upFlags(peer), [false, true]);
    assert.equal(rig.router.metrics().duplicateConnections?.['loser-closed-by-peer'], 1);
  });

  it('does not flag a return that is no such swap: the same direction again, a peer without the rule, or a loser we closed', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    // The routed connection is the one the lower ID dialed (ours, we are lower): its close is no swap.
    const lowerUs = peerOrdered(rig, false, SHARED_RULE_VERSION);
    rig.transport.register(lowerUs);
    rig.pm.add(lowerUs.address);
    await until(() => upDirections(rig, lowerUs).length === 1, 'routed');
    rig.transport.connections.find((c) => c.remote === lowerUs)!.hangUp();
    await until(() => downReasons(rig, lowerUs).length === 1, 'down');
    rig.transport.incoming(lowerUs);
    await until(() => upDirections(rig, lowerUs).length === 2, 'back');
    assert.deepEqual(upFlags(lowerUs), [false, false]);

    // A peer that does not announce the rule: CometBFT closes connections for its own reasons.
    const cometbft = peerOrdered(rig, true, COMETBFT_VERSION);
    (await loserRouted(cometbft)).hangUp();
    await until(() => downReasons(rig, cometbft).length === 1, 'down');
    rig.transport.incoming(cometbft);
    await until(() => upDirections(rig, cometbft).length === 2, 'back');
    assert.deepEqual(upFlags(cometbft), [false, false]);

    // A loser this side closed (here: evicting it) is no swap the peer made.
    const evicted = peerOrdered(rig, true, SHARED_RULE_VERSION);
    const loser = await loserRouted(evicted);
    rig.router.peer(evicted.nodeId)!.close(new Error('closed here'));
    await until(() => loser.isClosed && downReasons(rig, evicted).length === 1, 'down');
    rig.transport.incoming(evicted);
    await until(() => upDirections(rig, evicted).length === 2, 'back');
    assert.deepEqual(upFlags(evicted), [false, false]);
    assert.equal(rig.router.metrics().duplicateConnections?.['loser-closed-by-peer'], undefined);
  });
});

describe('Router: two connections to one peer, one each way (a peer that does not share the rule, like CometBFT)', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  /** Our dial routed, then the peer's own connection to us handshaken: returns both. */
  async function routedThenHeld(peer: FakePeer): Promise<{ ours: FakeConnection; theirs: FakeConnection }> {
    rig.transport.register(peer);
    rig.pm.add(peer.address);
    await until(() => upDirections(rig, peer).length === 1, 'our connection routed');
    const ours = rig.transport.connections[0]!;
    const theirs = rig.transport.incoming(peer);
    await until(() => rig.router.metrics().duplicateConnections?.['held'] === 1, 'their connection held as a standby');
    return { ours, theirs };
  }

  it('holds the second connection instead of refusing it, and routes it at once when the peer closes the one we routed, with no flap backoff', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, false, COMETBFT_VERSION);
    const { ours, theirs } = await routedThenHeld(peer);
    assert.equal(theirs.isClosed, false, 'the standby is not refused');
    assert.deepEqual(upDirections(rig, peer), ['outbound'], 'the standby is not routed while ours is up');

    ours.hangUp(); // the peer kept its own connection, as CometBFT does when it finished that handshake first
    await until(() => upDirections(rig, peer).length === 2, 'the standby routed');

    assert.deepEqual(upDirections(rig, peer), ['outbound', 'inbound']);
    assert.deepEqual(downReasons(rig, peer), ['ConnectionClosedError']);
    assert.equal(theirs.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    assert.equal(rig.pm.state(peer.nodeId), 'ready');
    const snapshot = rig.pm.snapshot().find((p) => p.nodeId === peer.nodeId)!;
    assert.equal(snapshot.dialFailures, 0, 'the address is not backed off');
    assert.deepEqual(rig.router.metrics().duplicateConnections, { held: 1, promoted: 1 });
    assert.equal(rig.transport.dials.length, 1, 'no redial');
  });

  it('drops the standby, and changes nothing else, when the peer closes it', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, true, COMETBFT_VERSION);
    const { ours, theirs } = await routedThenHeld(peer);
    theirs.hangUp(); // the peer kept the connection we dialed
    await until(() => rig.router.metrics().duplicateConnections?.['standby-closed-by-peer'] === 1, 'the standby dropped');

    assert.equal(ours.isClosed, false);
    assert.deepEqual(upDirections(rig, peer), ['outbound']);
    assert.deepEqual(downReasons(rig, peer), []);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
  });

  for (const [weAreLower, kept] of [[true, 'ours'], [false, 'theirs']] as const) {
    it(`applies the shared rule when the peer keeps both past the grace period (we are the ${weAreLower ? 'lower' : 'higher'} ID: ${kept} kept)`, async () => {
      rig = await RouterRig.start({ channels: [EchoChannel], router: { duplicateGraceMs: 20 } });
      const peer = peerOrdered(rig, !weAreLower, COMETBFT_VERSION);
      const { ours, theirs } = await routedThenHeld(peer);
      const closed = kept === 'ours' ? theirs : ours;
      await until(() => closed.isClosed, 'the grace period ended');
      assert.equal(closed.closedWith?.name, 'DuplicateConnectionError');
      if (kept === 'theirs') await until(() => upDirections(rig, peer).length === 2, 'their connection routed');
      assert.deepEqual(upDirections(rig, peer), kept === 'ours' ? ['outbound'] : ['outbound', 'inbound']);
      assert.equal((kept === 'ours' ? ours : theirs).isClosed, false);
      assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
      assert.deepEqual(rig.router.metrics().duplicateConnections, kept === 'ours' ? { held: 1, 'standby-refused': 1 } : { held: 1, replaced: 1, promoted: 1 });
    });
  }

  it('refuses a third connection while a standby is held', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, false, COMETBFT_VERSION);
    const { ours, theirs } = await routedThenHeld(peer);
    const rejected = rig.nextEvent('connection-rejected');
    const third = rig.transport.incoming(peer);
    assert.equal((await rejected).error.name, 'PeerRejectedError');
    assert.equal(third.isClosed, true);
    assert.equal(ours.isClosed, false);
    assert.equal(theirs.isClosed, false);
  });

  it('does not bring a faulted peer back through its standby', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, false, COMETBFT_VERSION);
    const { theirs } = await routedThenHeld(peer);
    rig.router.channel(ECHO_CHANNEL_ID)!.errors.next({ nodeId: peer.nodeId, error: new MessageDecodeError('garbage'), fatal: true });
    await until(() => theirs.isClosed, 'the standby closed with the faulted connection');

    assert.deepEqual(upDirections(rig, peer), ['outbound']);
    assert.deepEqual(rig.router.connectedPeers(), []);
    assert.equal(rig.router.metrics().duplicateConnections?.['promoted'], undefined);
  });

  it('closes a held standby when the router stops', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = peerOrdered(rig, false, COMETBFT_VERSION);
    const { theirs } = await routedThenHeld(peer);
    await rig.router.stop();
    assert.equal(theirs.isClosed, true);
  });
});
