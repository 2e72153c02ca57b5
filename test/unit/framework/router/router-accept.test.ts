import assert from 'node:assert/strict';
import { EchoChannel } from '../../../../reactors/echo/echo-channel.js';
import { ConnectionDeniedError } from '../../../../framework/gating/errors.js';
import { FakeTransport, fakePeer } from '../../../support/fake-transport.js';
import { RouterRig, settle, until } from '../../../support/router-rig.js';
import { trackTimers } from '../../../support/timer-tracker.js';

const PUBLIC_IP = { protocol: 'memory', ip: '198.51.100.4', port: 40000 } as const;

/**
 * The accept loop and its handshake tasks (Router doc comment, "accept
 * loop"): a refused or failed inbound connection is closed, counted under
 * its reason and published as `connection-rejected`; the loop goes on
 * accepting.
 */
describe('Router accept loop', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  it('handshakes an inbound connection and routes the peer', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    const connection = rig.transport.incoming(peer);
    assert.deepEqual(await up, { type: 'peer-up', nodeId: peer.nodeId, direction: 'inbound' });
    assert.equal(connection.presented?.nodeId, rig.key.nodeId);
    assert.equal(rig.pm.state(peer.nodeId), 'ready');
    assert.equal(rig.router.metrics().accepted, 1);
  });

  it('survives accept() throwing and accepts the next connection', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const loopError = rig.nextEvent('loop-error');
    const up = rig.nextEvent('peer-up');
    rig.transport.failAccept(new Error('EMFILE: too many open files'));
    const peer = fakePeer();
    rig.transport.incoming(peer);
    const { loop, error } = await loopError;
    assert.equal(loop, 'accept:fake');
    assert.match(error.message, /EMFILE/);
    assert.equal((await up).nodeId, peer.nodeId);
    assert.deepEqual(rig.router.metrics().loopErrors, { 'accept:fake': 1 });
  });

  it('keeps accepting on one transport while another fails every accept', async () => {
    const [broken, healthy] = [new FakeTransport({ name: 'broken' }), new FakeTransport({ name: 'healthy' })];
    rig = await RouterRig.start({ channels: [EchoChannel], transports: [broken, healthy] });
    for (let i = 0; i < 3; i++) broken.failAccept(new Error(`accept failure ${i}`));
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    healthy.incoming(peer);
    assert.equal((await up).nodeId, peer.nodeId);
    await until(() => (rig.router.metrics().loopErrors['accept:broken'] ?? 0) === 3, 'the broken transport to fail three times');
  });

  for (const [label, script, errorName] of [
    ['throws', { kind: 'throw', error: new Error('bad hello') }, 'Error'],
    ['hangs', { kind: 'hang' }, 'HandshakeTimeoutError'],
  ] as const) {
    it(`closes an inbound connection whose handshake ${label}, counts it, and accepts on`, async () => {
      rig = await RouterRig.start({ channels: [EchoChannel], router: { handshakeTimeoutMs: 20 } });
      const rejected = rig.nextEvent('connection-rejected');
      const bad = rig.transport.incoming(fakePeer(), { handshake: script });
      const event = await rejected;
      assert.equal(event.direction, 'inbound');
      assert.equal(event.error.name, errorName);
      assert.equal(bad.closedWith?.name, errorName, 'closed with the error as the reason');

      const peer = fakePeer();
      const up = rig.nextEvent('peer-up');
      rig.transport.incoming(peer);
      assert.equal((await up).nodeId, peer.nodeId);
      assert.deepEqual(rig.router.metrics().rejectedInbound, { [errorName]: 1 });
    });
  }

  it('routes other inbound peers while a handshake hangs', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { handshakeTimeoutMs: 600_000 } });
    const stuck = rig.transport.incoming(fakePeer(), { handshake: { kind: 'hang' } });
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    rig.transport.incoming(peer);
    assert.equal((await up).nodeId, peer.nodeId);
    assert.equal(stuck.isClosed, false, 'the hanging handshake is still waiting');
  });

  it('closes connections over the inbound handshake cap before any handshake, and frees the slot when a handshake ends', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { handshakeTimeoutMs: 600_000 }, gating: { maxConcurrentInboundHandshakes: 1 } });
    const stuck = rig.transport.incoming(fakePeer(), { handshake: { kind: 'hang' } });
    const rejected = rig.nextEvent('connection-rejected');
    const excess = rig.transport.incoming(fakePeer());
    const event = await rejected;
    assert.ok(event.error instanceof ConnectionDeniedError);
    assert.equal(event.error.reason, 'handshake-capacity');
    assert.equal(excess.isClosed, true);
    assert.equal(excess.presented, undefined, 'no handshake was started');

    stuck.hangUp();
    await until(() => rig.router.metrics().gating?.inboundHandshakes.inProgress === 0, 'the stuck handshake to end');
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    rig.transport.incoming(peer);
    assert.equal((await up).nodeId, peer.nodeId);
    assert.equal(rig.router.metrics().rejectedInbound['handshake-capacity'], 1);
  });

  it('asks the gaters about the remote IP before the handshake', async () => {
    rig = await RouterRig.start({
      channels: [EchoChannel],
      gaters: [{ name: 'no-198', allowConnection: (attempt) => !attempt.ip.startsWith('198.') }],
    });
    const rejected = rig.nextEvent('connection-rejected');
    const denied = rig.transport.incoming(fakePeer(), { remoteEndpoint: PUBLIC_IP });
    assert.equal((await rejected).error.name, 'ConnectionDeniedError');
    assert.equal(denied.isClosed, true);
    assert.equal(denied.presented, undefined, 'refused before the handshake');
    assert.deepEqual(rig.router.metrics().rejectedInbound, { 'no-198': 1 });
  });

  it('denies, and keeps serving, when a gater throws on the proven node ID', async () => {
    const suspect = fakePeer();
    rig = await RouterRig.start({
      channels: [EchoChannel],
      gaters: [
        {
          name: 'buggy',
          allowPeer: (peer) => {
            if (peer.nodeId === suspect.nodeId) throw new TypeError('gater bug');
            return true;
          },
        },
      ],
    });
    const rejected = rig.nextEvent('connection-rejected');
    const connection = rig.transport.incoming(suspect);
    assert.equal((await rejected).error.name, 'ConnectionDeniedError');
    assert.equal(connection.isClosed, true);
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    rig.transport.incoming(peer);
    assert.equal((await up).nodeId, peer.nodeId);
    assert.deepEqual(rig.router.metrics().rejectedInbound, { 'gater-error': 1 });
  });

  it('refuses a second connection from a peer already routed, keeping the first', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = fakePeer();
    const up = rig.nextEvent('peer-up');
    const first = rig.transport.incoming(peer);
    await up;
    const rejected = rig.nextEvent('connection-rejected');
    const second = rig.transport.incoming(peer);
    assert.equal((await rejected).error.name, 'PeerRejectedError');
    assert.equal(second.isClosed, true);
    assert.equal(first.isClosed, false);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
  });

  it('refuses a remote whose NodeInfo names another node than its key proves', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const [liar, other] = [fakePeer(), fakePeer()];
    const rejected = rig.nextEvent('connection-rejected');
    const connection = rig.transport.incoming(liar, { handshake: { kind: 'answer', nodeInfo: other.nodeInfo } });
    assert.equal((await rejected).error.name, 'NodeIdMismatchError');
    assert.equal(connection.isClosed, true);
    await settle();
    assert.deepEqual(rig.router.connectedPeers(), []);
    assert.equal(rig.pm.state(other.nodeId), undefined, 'the PeerManager never heard of it');
  });

  it('pauses after a transport reports itself closed, leaving no timer once stopped', async () => {
    const timers = trackTimers();
    try {
      rig = await RouterRig.start({ channels: [EchoChannel] });
      const loopError = rig.nextEvent('loop-error');
      await rig.transport.close();
      assert.equal((await loopError).error.name, 'TransportClosedError');
      await settle(10);
      assert.deepEqual(rig.router.metrics().loopErrors, { 'accept:fake': 1 }, 'a closed transport is not asked again at once');
      await rig.stop();
      assert.deepEqual(timers.live(), [], 'no timer outlives stop()');
    } finally {
      timers.restore();
    }
  });
});
