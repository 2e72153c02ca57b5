import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { EchoChannel } from '../../../../reactors/echo/echo-channel.js';
import { DialError } from '../../../../framework/transport/errors.js';
import { systemClock } from '../../../../framework/peer/types.js';
import { FakeConnection, FakeTransport, HANG, fakePeer } from '../../../support/fake-transport.js';
import { RouterRig, settle, until } from '../../../support/router-rig.js';
import { sabotageOnce } from './helpers.js';

/**
 * The dial loop and its dial tasks (Router doc comment, "dial loop"): every
 * failure is counted under its error name, reported to the PeerManager and
 * published as `dial-failed`; none of them stops the next dial.
 */
describe('Router dial loop', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  it('dials what the PeerManager offers, presents its channels, and routes the peer', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = fakePeer();
    rig.transport.register(peer);
    const up = rig.nextEvent('peer-up');
    rig.pm.add(peer.address);
    assert.deepEqual(await up, { type: 'peer-up', nodeId: peer.nodeId, direction: 'outbound' });

    const connection = rig.transport.connections[0]!;
    assert.equal(connection.presented?.nodeId, rig.key.nodeId);
    assert.deepEqual([...connection.presented!.channels], [EchoChannel.id]);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
    assert.equal(rig.pm.state(peer.nodeId), 'ready');
    assert.equal(rig.router.metrics().dials, 1);
  });

  it('counts a dial that throws, backs the address off, and goes on to dial the next peer', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const [refusing, healthy] = [fakePeer(), fakePeer()];
    rig.transport.onNextDial(refusing.nodeId, () => {
      throw new DialError('connection refused');
    });
    rig.transport.register(healthy);

    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(refusing.address);
    const event = await failed;
    assert.equal(event.address, refusing.address.toString());
    assert.equal(event.error.name, 'DialError');

    const up = rig.nextEvent('peer-up');
    rig.pm.add(healthy.address);
    assert.equal((await up).nodeId, healthy.nodeId);

    const metrics = rig.router.metrics();
    assert.deepEqual(metrics.dialFailures, { DialError: 1 });
    assert.deepEqual(metrics.loopErrors, {});
    const snapshot = rig.pm.snapshot().find((p) => p.nodeId === refusing.nodeId)!;
    assert.equal(snapshot.dialFailures, 1, 'the PeerManager was told');
    assert.equal(snapshot.state, 'disconnected');
  });

  it('gives up on a dial that hangs after dial_timeout, closing nothing it did not get', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { dialTimeoutMs: 20 } });
    const peer = fakePeer();
    rig.transport.onNextDial(peer.nodeId, HANG);
    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(peer.address);
    const { error } = await failed;
    assert.equal(error.name, 'DialError');
    assert.match(error.message, /timed out after 20 ms/);
    assert.equal(rig.pm.snapshot().find((p) => p.nodeId === peer.nodeId)!.dialFailures, 1);
  });

  it('redials by itself once a retry delay expires', async () => {
    // The wall clock here, so the delay the dial loop sleeps towards really passes.
    rig = await RouterRig.start({ channels: [EchoChannel], clock: systemClock, peerManager: { minRetryTimeMs: 20 } });
    const peer = fakePeer();
    rig.transport.onNextDial(peer.nodeId, () => {
      throw new DialError('connection refused');
    });
    rig.transport.register(peer);
    const up = rig.nextEvent('peer-up');
    rig.pm.add(peer.address);
    assert.equal((await up).nodeId, peer.nodeId);
    assert.equal(rig.transport.dials.length, 2);
    assert.deepEqual(rig.router.metrics().dialFailures, { DialError: 1 });
  });

  it('keeps dialing other peers while one dial hangs', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { maxConcurrentDials: 2, dialTimeoutMs: 600_000 } });
    const [stuck, healthy] = [fakePeer(), fakePeer()];
    rig.transport.onNextDial(stuck.nodeId, HANG);
    rig.transport.register(healthy);
    rig.pm.add(stuck.address);
    await until(() => rig.transport.dials.length === 1, 'the hanging dial to start');
    const up = rig.nextEvent('peer-up');
    rig.pm.add(healthy.address);
    assert.equal((await up).nodeId, healthy.nodeId);
    assert.equal(rig.pm.state(stuck.nodeId), 'dialing', 'the hanging dial is still in flight');
  });

  for (const [label, script, errorName] of [
    ['throws', { kind: 'throw', error: new Error('handshake went wrong') }, 'Error'],
    ['hangs', { kind: 'hang' }, 'HandshakeTimeoutError'],
  ] as const) {
    it(`closes a dialed connection whose handshake ${label}, counts it, and dials on`, async () => {
      rig = await RouterRig.start({ channels: [EchoChannel], router: { handshakeTimeoutMs: 20 } });
      const [bad, healthy] = [fakePeer(), fakePeer()];
      const connection = new FakeConnection({ remote: bad, handshake: script });
      rig.transport.onNextDial(bad.nodeId, () => connection);
      rig.transport.register(healthy);
      const failed = rig.nextEvent('dial-failed');
      rig.pm.add(bad.address);
      assert.equal((await failed).error.name, errorName);
      assert.equal(connection.isClosed, true, 'the connection is closed');
      assert.equal(connection.closedWith?.name, errorName, 'with the error as the reason');

      const up = rig.nextEvent('peer-up');
      rig.pm.add(healthy.address);
      assert.equal((await up).nodeId, healthy.nodeId);
      assert.deepEqual(rig.router.metrics().dialFailures, { [errorName]: 1 });
    });
  }

  it('refuses a dialed remote that proves another identity than the address names', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const [dialed, impostor] = [fakePeer(), fakePeer()];
    const connection = new FakeConnection({ remote: impostor });
    rig.transport.onNextDial(dialed.nodeId, () => connection);
    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(dialed.address);
    assert.equal((await failed).error.name, 'DialedIdMismatchError');
    assert.equal(connection.isClosed, true);
    assert.deepEqual(rig.router.connectedPeers(), []);
  });

  it('marks an incompatible peer inactive in the PeerManager', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const stranger = fakePeer({ network: 'another-chain' });
    rig.transport.register(stranger);
    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(stranger.address);
    assert.equal((await failed).error.name, 'IncompatiblePeerError');
    assert.equal(rig.pm.state(stranger.nodeId), 'inactive');
  });

  it('counts an address that does not resolve, and dials on', async () => {
    const transport = new FakeTransport({ protocols: ['mconn'] });
    rig = await RouterRig.start({
      channels: [EchoChannel],
      transports: [transport],
      hostLookup: async (host) => {
        if (host === 'nowhere.example') throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        return ['203.0.113.7'];
      },
    });
    const [lost, found] = [fakePeer(), fakePeer()];
    transport.onNextDial('203.0.113.7', () => new FakeConnection({ remote: found }));
    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(NodeAddress.parse(`mconn://${lost.nodeId}@nowhere.example:26656`));
    assert.equal((await failed).error.name, 'AddressResolutionError');

    const up = rig.nextEvent('peer-up');
    rig.pm.add(NodeAddress.parse(`mconn://${found.nodeId}@somewhere.example:26656`));
    assert.equal((await up).nodeId, found.nodeId);
    assert.deepEqual(transport.dials, [{ protocol: 'mconn', ip: '203.0.113.7', port: 26656 }], 'only the resolved address was dialed');
  });

  it('fails a dial no transport can carry without dialing anything', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = fakePeer();
    const failed = rig.nextEvent('dial-failed');
    rig.pm.add(NodeAddress.parse(`mconn://${peer.nodeId}@203.0.113.9:26656`));
    assert.equal((await failed).error.name, 'NoTransportForEndpointError');
    assert.deepEqual(rig.transport.dials, []);
  });

  it('counts a gater refusal as a rejected outbound connection and backs the peer off', async () => {
    const blocked = fakePeer();
    rig = await RouterRig.start({
      channels: [EchoChannel],
      gaters: [{ name: 'deny-one', allowPeer: (peer) => peer.nodeId !== blocked.nodeId }],
    });
    rig.transport.register(blocked);
    const rejected = rig.nextEvent('connection-rejected');
    rig.pm.add(blocked.address);
    const event = await rejected;
    assert.equal(event.direction, 'outbound');
    assert.equal(event.error.name, 'ConnectionDeniedError');
    assert.deepEqual(rig.router.metrics().rejectedOutbound, { 'deny-one': 1 });
    assert.deepEqual(rig.transport.dials, [], 'refused before dialing');
    assert.equal(rig.pm.snapshot().find((p) => p.nodeId === blocked.nodeId)!.dialFailures, 1);
  });

  it('closes a dialed connection to a peer that connected to us meanwhile, once the grace period ends (its dial is the one both keep)', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { duplicateGraceMs: 20 } });
    // A peer that shares the rule, whose ID sorts below ours, so both ends keep its connection (router-duplicates.test.ts has the other cases).
    let peer = fakePeer({ version: 'tmp2p/0.0.0' });
    while (peer.nodeId > rig.key.nodeId) peer = fakePeer({ version: 'tmp2p/0.0.0' });
    let finishDial: (() => void) | undefined;
    const dialed = new FakeConnection({ remote: peer });
    rig.transport.onNextDial(peer.nodeId, () => new Promise((resolve) => (finishDial = () => resolve(dialed))));
    rig.pm.add(peer.address);
    await until(() => finishDial !== undefined, 'the dial to start');

    const up = rig.nextEvent('peer-up');
    rig.transport.incoming(peer);
    assert.equal((await up).direction, 'inbound');
    finishDial!();
    await until(() => dialed.isClosed, 'the dialed connection to be closed');
    assert.equal(dialed.closedWith?.name, 'DuplicateConnectionError');
    assert.deepEqual(rig.router.metrics().duplicateConnections, { held: 1, 'standby-refused': 1 });
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId], 'the inbound connection stays');
  });

  it('survives a PeerManager that throws inside the loop, without losing a dial slot', async () => {
    // One dial slot: a slot lost to the error would stop every later dial.
    rig = await RouterRig.start({ channels: [EchoChannel], router: { maxConcurrentDials: 1 } });
    const peer = fakePeer();
    rig.transport.register(peer);
    sabotageOnce(rig.pm, 'tryDialNext', new Error('peer manager bug'));
    const loopError = rig.nextEvent('loop-error');
    const up = rig.nextEvent('peer-up');
    rig.pm.add(peer.address);
    const { loop, error } = await loopError;
    assert.equal(loop, 'dial');
    assert.equal(error.message, 'peer manager bug');
    assert.equal((await up).nodeId, peer.nodeId, 'the loop asked again and dialed');
    assert.deepEqual(rig.router.metrics().loopErrors, { dial: 1 });
  });

  it('lets the event loop turn while the PeerManager throws on every call', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const peer = fakePeer();
    rig.transport.register(peer);
    // Throws on the first 1,000 calls: a loop that retried without pausing would make them
    // all before a single event-loop turn, and then go on to dial.
    let calls = 0;
    const real = rig.pm.tryDialNext.bind(rig.pm);
    rig.pm.tryDialNext = () => {
      if (++calls <= 1000) throw new Error('peer manager bug');
      return real();
    };
    const up = rig.nextEvent('peer-up');
    rig.pm.add(peer.address);
    await settle(1);
    assert.ok(calls < 10, `the dial loop asked ${calls} times before the event loop could turn once`);
    calls = 1000;
    assert.equal((await up).nodeId, peer.nodeId, 'and it asks again after the pause');
  });

  it('survives a PeerManager that throws while told about a failed dial', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const [refusing, healthy] = [fakePeer(), fakePeer()];
    rig.transport.onNextDial(refusing.nodeId, () => {
      throw new DialError('connection refused');
    });
    rig.transport.register(healthy);
    sabotageOnce(rig.pm, 'dialFailed', new Error('store on fire'));
    const loopError = rig.nextEvent('loop-error');
    rig.pm.add(refusing.address);
    assert.equal((await loopError).loop, 'dial');

    const up = rig.nextEvent('peer-up');
    rig.pm.add(healthy.address);
    assert.equal((await up).nodeId, healthy.nodeId);
    assert.equal(rig.router.metrics().dialFailures.DialError, 1);
  });
});
