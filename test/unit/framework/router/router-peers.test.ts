import assert from 'node:assert/strict';
import { EchoChannel, EchoMessage, Ping, ECHO_CHANNEL_ID } from '../../../../reactors/echo/echo-channel.js';
import { defineChannel } from '../../../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../../../framework/router/message-type.js';
import type { InboundEnvelope } from '../../../../framework/router/envelope.js';
import type { PeerUpdate } from '../../../../framework/peer/types.js';
import { fakePeer } from '../../../support/fake-transport.js';
import { RouterRig, settle, until } from '../../../support/router-rig.js';
import { sabotageOnce } from './helpers.js';

function ping(content: string): Uint8Array {
  return EchoMessage.encode({ ping: { content } }).finish();
}

function pingOf(bytes: Uint8Array): string | null | undefined {
  return EchoMessage.decode(bytes).ping?.content;
}

/**
 * The per-peer send and receive loops as the router runs them (Router doc
 * comment, "per peer"; PeerConnection): what one peer does wrong ends at
 * most that peer, never the router or another peer.
 */
describe('Router per-peer loops', () => {
  let rig: RouterRig;

  afterEach(async () => {
    await rig?.stop();
  });

  function received(): InboundEnvelope<unknown>[] {
    const out: InboundEnvelope<unknown>[] = [];
    rig.router.channel(ECHO_CHANNEL_ID)!.inbound.subscribe((e) => out.push(e));
    return out;
  }

  const contents = (envelopes: InboundEnvelope<unknown>[]) => envelopes.map((e) => (e.message as Ping).content);

  it('delivers what a peer sends to the channel, and puts what the channel sends on the peer connection', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const inbox = received();
    const { peer, connection } = await rig.routeInbound();
    connection.deliver(ECHO_CHANNEL_ID, ping('hello'));
    await until(() => inbox.length === 1, 'the message to arrive');
    assert.equal(inbox[0]!.from, peer.nodeId);
    assert.ok(inbox[0]!.message instanceof Ping);

    const channel = rig.router.channel(ECHO_CHANNEL_ID)!;
    assert.equal(channel.send(peer.nodeId, Ping.create({ content: 'back' })), 'queued');
    await until(() => connection.sent.length === 1, 'the reply to be sent');
    assert.equal(connection.sent[0]!.channelId, ECHO_CHANNEL_ID);
    assert.equal(pingOf(connection.sent[0]!.bytes), 'back');
  });

  it('counts a message on an unknown channel as a non-fatal peer error and keeps reading', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const inbox = received();
    const { peer, connection } = await rig.routeInbound();
    const peerError = rig.nextEvent('peer-error');
    connection.deliver(0x42, ping('nobody listens'));
    connection.deliver(ECHO_CHANNEL_ID, ping('after'));
    const event = await peerError;
    assert.equal(event.error.name, 'UnknownChannelMessageError');
    assert.equal(event.fatal, false);
    await until(() => inbox.length === 1, 'the next message to arrive');
    assert.deepEqual(contents(inbox), ['after']);
    assert.deepEqual(rig.router.metrics().peerDrops, [{ nodeId: peer.nodeId, drops: { 'unknown-channel': 1 } }]);
    assert.deepEqual(rig.router.connectedPeers(), [peer.nodeId]);
  });

  it('disconnects a peer that sends undecodable bytes and keeps serving the others', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const inbox = received();
    const bad = await rig.routeInbound();
    const good = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    bad.connection.deliver(ECHO_CHANNEL_ID, Uint8Array.of(0x0a, 0xff, 0x01));
    assert.equal((await down).nodeId, bad.peer.nodeId);
    const fatal = rig.eventsOf('peer-error');
    assert.equal(fatal.length, 1);
    assert.equal(fatal[0]!.error.name, 'MessageDecodeError');
    assert.equal(fatal[0]!.fatal, true);

    good.connection.deliver(ECHO_CHANNEL_ID, ping('still here'));
    await until(() => inbox.length === 1, 'the honest peer to be heard');
    assert.deepEqual(rig.router.connectedPeers(), [good.peer.nodeId]);
  });

  it('ends a peer that sends a message over the channel limit', async () => {
    const small = defineChannel({ id: ECHO_CHANNEL_ID, name: 'small', messageType: EchoMessage, wrapper: oneofWrapper(EchoMessage, { ping: Ping }), recvMessageCapacity: 16 });
    rig = await RouterRig.start({ channels: [small] });
    const { peer, connection } = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    connection.deliver(ECHO_CHANNEL_ID, ping('x'.repeat(64)));
    const event = await down;
    assert.equal(event.nodeId, peer.nodeId);
    assert.equal(event.reason?.name, 'MessageTooLargeError');
    assert.equal(connection.closedWith?.name, 'MessageTooLargeError');
  });

  it('ends a peer whose connection fails to receive, reports it down, and keeps the others', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const inbox = received();
    const updates: PeerUpdate[] = [];
    rig.pm.subscribe().subscribe((u) => updates.push(u));
    const broken = await rig.routeInbound();
    const good = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    broken.connection.failReceive(new Error('ECONNRESET'));
    const event = await down;
    assert.equal(event.nodeId, broken.peer.nodeId);
    assert.equal(event.reason?.message, 'ECONNRESET');
    assert.equal(broken.connection.isClosed, true);
    assert.deepEqual(
      updates.filter((u) => u.status === 'down').map((u) => u.nodeId),
      [broken.peer.nodeId],
      'the PeerManager published its down',
    );

    good.connection.deliver(ECHO_CHANNEL_ID, ping('still here'));
    await until(() => inbox.length === 1, 'the other peer to be heard');
  });

  it('ends a peer whose connection throws on send, and keeps sending to the others', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const broken = await rig.routeInbound();
    const good = await rig.routeInbound();
    broken.connection.failSend(new Error('EPIPE'));
    const down = rig.nextEvent('peer-down');
    const channel = rig.router.channel(ECHO_CHANNEL_ID)!;
    assert.equal(channel.broadcast(Ping.create({ content: 'all' })), 2);
    const event = await down;
    assert.equal(event.nodeId, broken.peer.nodeId);
    assert.equal(event.reason?.message, 'EPIPE');
    await until(() => good.connection.sent.length === 1, 'the other peer to get the broadcast');
    channel.send(good.peer.nodeId, Ping.create({ content: 'more' }));
    await until(() => good.connection.sent.length === 2, 'the other peer to get a later send');
  });

  it('waits for a full connection instead of dropping, then sends in order', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const { peer, connection } = await rig.routeInbound();
    connection.blockSends();
    const channel = rig.router.channel(ECHO_CHANNEL_ID)!;
    for (let i = 0; i < 5; i++) assert.equal(channel.send(peer.nodeId, Ping.create({ content: `m${i}` })), 'queued');
    await settle();
    assert.equal(connection.sent.length, 0);
    connection.unblockSends();
    await until(() => connection.sent.length === 5, 'every message to be sent');
    assert.deepEqual(connection.sent.map((m) => pingOf(m.bytes)), ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(rig.router.metrics().peerDrops, [{ nodeId: peer.nodeId, drops: {} }]);
  });

  it('drops and counts sends once a stalled peer\'s queue is full, while sendWhenRoom waits for room', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { peerQueueCapacity: 2 } });
    const { peer, connection } = await rig.routeInbound();
    connection.blockSends();
    const channel = rig.router.channel(ECHO_CHANNEL_ID)!;
    assert.equal(channel.send(peer.nodeId, Ping.create({ content: 'm0' })), 'queued');
    await settle(); // the send loop takes m0 and parks on the full connection
    const outcomes = ['m1', 'm2', 'm3'].map((content) => channel.send(peer.nodeId, Ping.create({ content })));
    assert.deepEqual(outcomes, ['queued', 'queued', 'peer-queue-full'], 'm1 and m2 fill the queue');
    let waited: string | undefined;
    const waiting = channel.sendWhenRoom(peer.nodeId, Ping.create({ content: 'm4' })).then((o) => (waited = o));
    await settle();
    assert.equal(waited, undefined, 'sendWhenRoom waits while the queue is full');
    connection.unblockSends();
    assert.equal(await waiting, 'queued');
    await until(() => connection.sent.length === 4, 'everything queued to be sent');
    assert.deepEqual(connection.sent.map((m) => pingOf(m.bytes)), ['m0', 'm1', 'm2', 'm4']);
    assert.deepEqual(channel.stats().drops, { 'peer-queue-full': 1 });
  });

  it('counts sends to an unknown peer and to a peer that lacks the channel, sending nothing', async () => {
    const side = defineChannel({ id: 0x71, name: 'side', messageType: EchoMessage });
    rig = await RouterRig.start({ channels: [EchoChannel, side] });
    const { peer, connection } = await rig.routeInbound({ channels: [ECHO_CHANNEL_ID] });
    const sideChannel = rig.router.channel(0x71)!;
    assert.equal(sideChannel.send(peer.nodeId, EchoMessage.create({ ping: { content: 'x' } })), 'peer-lacks-channel');
    assert.equal(sideChannel.broadcast(EchoMessage.create({ ping: { content: 'x' } })), 0);
    assert.equal(rig.router.channel(ECHO_CHANNEL_ID)!.send(fakePeer().nodeId, Ping.create({ content: 'x' })), 'unknown-peer');
    await settle();
    assert.deepEqual(connection.sent, []);
    assert.deepEqual(sideChannel.stats().drops, { 'peer-lacks-channel': 1 });
    assert.deepEqual(rig.router.channel(ECHO_CHANNEL_ID)!.stats().drops, { 'unknown-peer': 1 });
  });

  it('reports a remote hang-up as the peer going down', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const { peer, connection } = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    connection.hangUp();
    const event = await down;
    assert.equal(event.nodeId, peer.nodeId);
    assert.equal(event.reason?.name, 'ConnectionClosedError');
    assert.equal(rig.pm.state(peer.nodeId), 'disconnected');
  });

  it('disconnects a peer past max_peer_errors non-fatal errors', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel], router: { maxPeerErrors: 2 } });
    const { peer, connection } = await rig.routeInbound();
    const down = rig.nextEvent('peer-down');
    for (let i = 0; i < 3; i++) connection.deliver(0x42, ping('nobody listens'));
    assert.equal((await down).nodeId, peer.nodeId);
    const errors = rig.eventsOf('peer-error');
    assert.deepEqual(errors.map((e) => e.fatal), [false, false, true]);
  });

  it('survives a PeerManager that throws while told about a peer error', async () => {
    rig = await RouterRig.start({ channels: [EchoChannel] });
    const inbox = received();
    const { connection } = await rig.routeInbound();
    sabotageOnce(rig.pm, 'report', new Error('peer manager bug'));
    const loopError = rig.nextEvent('loop-error');
    connection.deliver(0x42, ping('nobody listens'));
    assert.equal((await loopError).loop, 'peer-error');
    connection.deliver(ECHO_CHANNEL_ID, ping('after'));
    await until(() => inbox.length === 1, 'the peer to be heard again');
  });

  it('stops reading from a peer while the channel is full, and loses nothing', async () => {
    const narrow = defineChannel({ id: ECHO_CHANNEL_ID, name: 'narrow', messageType: EchoMessage, wrapper: oneofWrapper(EchoMessage, { ping: Ping }), recvQueueCapacity: 2 });
    rig = await RouterRig.start({ channels: [narrow] });
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    rig.router.channel(ECHO_CHANNEL_ID)!.consume(
      async (e) => {
        await gate;
        handled.push((e.message as Ping).content);
      },
      { concurrency: 1, buffer: 1, overflow: 'block' },
    );
    const { connection } = await rig.routeInbound();
    for (let i = 0; i < 20; i++) connection.deliver(ECHO_CHANNEL_ID, ping(`m${i}`));
    await settle(10);
    assert.ok(connection.unread > 0, 'the router stopped reading while the channel was full');
    const unreadWhileFull = connection.unread;
    await settle(10);
    assert.equal(connection.unread, unreadWhileFull, 'and stays stopped');

    release();
    await until(() => handled.length === 20, 'every message to be handled');
    assert.deepEqual(handled, Array.from({ length: 20 }, (_, i) => `m${i}`));
    assert.equal(connection.unread, 0);
  });
});
