import assert from 'node:assert/strict';
import { EchoChannel, EchoMessage, Ping, ECHO_CHANNEL_ID } from '../../../../reactors/echo/echo-channel.js';
import { defineChannel } from '../../../../framework/router/channel-definition.js';
import { RouterStateError } from '../../../../framework/router/errors.js';
import { DialError } from '../../../../framework/transport/errors.js';
import { FakeTransport, HANG, fakePeer } from '../../../support/fake-transport.js';
import { RouterRig, settle, until } from '../../../support/router-rig.js';
import { trackTimers } from '../../../support/timer-tracker.js';
import { rejectsWith } from '../../../support/rejects-with.js';

const SIDE_CHANNEL = defineChannel({ id: 0x71, name: 'side', messageType: EchoMessage });

function timeoutCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Start, stop and the state rules of the Router's doc comments. */
describe('Router lifecycle', () => {
  let rig: RouterRig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('stop() with every loop busy ends them all and leaves no timer, listener or parked call behind', async () => {
    await settle(1); // mocha arms its own timeout timer once the test function has returned
    const timeoutsBefore = timeoutCount();
    const timers = trackTimers();
    try {
      const r = (rig = await RouterRig.start({
        channels: [EchoChannel],
        router: { dialTimeoutMs: 600_000, handshakeTimeoutMs: 600_000, peerQueueCapacity: 2 },
      }));
      const channel = r.router.channel(ECHO_CHANNEL_ID)!;
      let completed = false;
      channel.inbound.subscribe({ complete: () => (completed = true) });
      let eventsCompleted = false;
      r.router.events$.subscribe({ complete: () => (eventsCompleted = true) });

      // A reactor handler that never returns, holding the channel's delivery.
      channel.consume(() => new Promise(() => {}), { concurrency: 1, buffer: 0, overflow: 'block' });
      // A routed peer whose connection is full: its send loop waits on writable(), its queue is
      // full, and a sendWhenRoom waits for room.
      const full = await r.routeInbound();
      full.connection.blockSends();
      for (let i = 0; i < 3; i++) channel.send(full.peer.nodeId, Ping.create({ content: `m${i}` }));
      let waited: unknown;
      const waiting = channel.sendWhenRoom(full.peer.nodeId, Ping.create({ content: 'later' })).then(
        (outcome) => (waited = outcome),
        (error: unknown) => (waited = error),
      );
      // A routed peer whose receive loop waits, and one whose messages fill the held channel.
      const idle = await r.routeInbound();
      for (let i = 0; i < 3; i++) idle.connection.deliver(ECHO_CHANNEL_ID, EchoMessage.encode({ ping: { content: `in${i}` } }).finish());
      // A dial that hangs, an inbound handshake that hangs, and a failed dial whose retry the dial loop sleeps towards.
      const [stuckDial, retrying] = [fakePeer(), fakePeer()];
      r.transport.onNextDial(stuckDial.nodeId, HANG);
      r.pm.add(stuckDial.address);
      r.transport.incoming(fakePeer(), { handshake: { kind: 'hang' } });
      r.transport.onNextDial(retrying.nodeId, () => {
        throw new DialError('refused');
      });
      const failed = r.nextEvent('dial-failed');
      r.pm.add(retrying.address);
      await failed;
      await until(() => r.transport.dials.length === 2 && r.transport.connections.every((c) => c.presented !== undefined), 'every task to be under way');
      await settle();

      await r.router.stop();
      rig = undefined;
      await settle();

      assert.deepEqual(timers.live(), [], 'every timer the router created is cleared');
      assert.ok(timeoutCount() <= timeoutsBefore, `no Timeout handle left (${timeoutCount()} now, ${timeoutsBefore} before)`);
      assert.equal(r.transport.closes, 1);
      assert.equal(r.transport.parkedAccepts, 0, 'no accept() left waiting');
      for (const connection of r.transport.connections) {
        assert.equal(connection.isClosed, true, 'every connection is closed');
        assert.equal(connection.parkedCalls, 0, 'no receive() or writable() left waiting');
      }
      assert.notEqual(waited, undefined, 'the waiting sendWhenRoom settled');
      await waiting;
      assert.equal(completed, true, 'channel subscribers complete');
      assert.equal(eventsCompleted, true, 'events$ completes');
      assert.deepEqual(r.router.connectedPeers(), []);
      assert.deepEqual(r.router.metrics().loopErrors, {}, 'stopping is not an error');
      assert.equal(r.router.isRunning, false);
      await r.pm.close();
    } finally {
      timers.restore();
    }
  });

  it('stop() is idempotent, and a stopped router can neither start nor open channels', async () => {
    const r = (rig = await RouterRig.start({ channels: [EchoChannel] }));
    await r.router.stop();
    await r.router.stop();
    await rejectsWith(r.router.start(), RouterStateError);
    assert.throws(() => r.router.openChannel(SIDE_CHANNEL), RouterStateError);
  });

  it('refuses a second start()', async () => {
    const r = (rig = await RouterRig.start({ channels: [EchoChannel] }));
    await rejectsWith(r.router.start(), RouterStateError);
    assert.equal(r.router.isRunning, true);
  });

  it('stops cleanly when it was never started', async () => {
    const timers = trackTimers();
    try {
      const r = (rig = await RouterRig.start({ channels: [EchoChannel], start: false }));
      await r.router.stop();
      assert.deepEqual(timers.live(), []);
      assert.throws(() => r.router.openChannel(SIDE_CHANNEL), RouterStateError);
    } finally {
      timers.restore();
    }
  });

  it('rejects start() when a transport cannot listen, and stop() then closes the ones that did', async () => {
    const [good, bad] = [new FakeTransport({ name: 'good' }), new FakeTransport({ name: 'bad' })];
    bad.listenFailure = new Error('EADDRINUSE');
    const r = (rig = await RouterRig.start({ channels: [EchoChannel], transports: [good, bad], start: false }));
    await assert.rejects(r.router.start(), /EADDRINUSE/);
    await r.router.stop();
    assert.equal(good.closes, 1);
    assert.equal(good.parkedAccepts, 0);
  });

  it('advertises the channels open at handshake time, including ones opened while running', async () => {
    const r = (rig = await RouterRig.start({ channels: [EchoChannel] }));
    const before = await r.routeInbound();
    r.router.openChannel(SIDE_CHANNEL);
    const after = await r.routeInbound();
    assert.deepEqual([...before.connection.presented!.channels], [ECHO_CHANNEL_ID]);
    assert.deepEqual([...after.connection.presented!.channels].sort(), [ECHO_CHANNEL_ID, SIDE_CHANNEL.id]);
    assert.deepEqual([...r.router.nodeInfo().channels].sort(), [ECHO_CHANNEL_ID, SIDE_CHANNEL.id]);
  });

  it('delivers on a channel opened while running', async () => {
    const r = (rig = await RouterRig.start({ channels: [EchoChannel] }));
    const side = r.router.openChannel(SIDE_CHANNEL);
    const inbox: unknown[] = [];
    side.inbound.subscribe((e) => inbox.push(e.message));
    const peer = fakePeer({ channels: [ECHO_CHANNEL_ID, SIDE_CHANNEL.id] });
    const up = r.nextEvent('peer-up');
    const connection = r.transport.incoming(peer);
    await up;
    connection.deliver(SIDE_CHANNEL.id, EchoMessage.encode({ ping: { content: 'side' } }).finish());
    await until(() => inbox.length === 1, 'the side message');
    assert.equal(side.send(peer.nodeId, EchoMessage.create({ ping: { content: 'back' } })), 'queued');
    await until(() => connection.sent.length === 1, 'the reply');
    assert.equal(connection.sent[0]!.channelId, SIDE_CHANNEL.id);
  });

  it('advertises the port a transport bound when configured with port 0', async () => {
    const transport = new FakeTransport({ protocols: ['mconn'], endpoint: { protocol: 'mconn', ip: '::1', port: 43210 } });
    const r = (rig = new RouterRig({ channels: [EchoChannel], transports: [transport], listenAddr: 'tcp://0.0.0.0:0' }));
    await r.pm.start();
    assert.equal(r.router.nodeInfo().listenAddr, 'tcp://0.0.0.0:0', 'nothing bound yet');
    await r.router.start();
    assert.equal(r.router.nodeInfo().listenAddr, 'tcp://[::1]:43210');
  });
});
