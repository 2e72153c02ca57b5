import assert from 'node:assert/strict';
import { EchoChannel, EchoMessage, ECHO_CHANNEL_ID } from '../../../../reactors/echo/echo-channel.js';
import { defineChannel, type ChannelDefinition } from '../../../../framework/router/channel-definition.js';
import { ChannelRuntime } from '../../../../framework/router/channel.js';
import { PeerConnection, type OutboundItem } from '../../../../framework/router/peer-connection.js';
import type { PeerError } from '../../../../framework/router/envelope.js';
import { FifoQueue, FifoQueueFactory } from '../../../../plugins/queues/fifo.js';
import { FakeConnection, fakePeer, type FakePeer } from '../../../support/fake-transport.js';
import { settle, until } from '../../../support/router-rig.js';
import { RecordingRoutes } from './helpers.js';
import { MessageTooLargeError } from '../../../../framework/transport/errors.js';
import { PeerFaultLog } from '../../../../framework/logging/peer-faults.js';
import { silentLogger } from '../../../../framework/logging/logger.js';

function ping(content: string): Uint8Array {
  return EchoMessage.encode({ ping: { content } }).finish();
}

/**
 * PeerConnection: one routed peer's send loop (queue → connection) and
 * receive loop (connection → channel queue). Whichever ends first tears the
 * whole peer down; run() resolves with the reason the peer went away.
 */
describe('PeerConnection', () => {
  let remote: FakePeer;
  let connection: FakeConnection;
  let channels: Map<number, ChannelRuntime<unknown, unknown>>;
  let peerErrors: PeerError[];
  let queue: FifoQueue<OutboundItem>;
  let peer: PeerConnection;

  function build(definitions: readonly ChannelDefinition<any, any>[] = [EchoChannel]): void {
    remote = fakePeer();
    connection = new FakeConnection({ remote });
    channels = new Map();
    for (const definition of definitions) {
      const channel = new ChannelRuntime<unknown, unknown>(definition, new RecordingRoutes(), new FifoQueueFactory(), () => {});
      channels.set(channel.id, channel);
    }
    peerErrors = [];
    queue = new FifoQueue<OutboundItem>({ capacity: 16 });
    peer = new PeerConnection(remote.nodeId, 'inbound', connection, remote.nodeInfo, queue, {
      channel: (id) => channels.get(id),
      peerError: (error) => peerErrors.push(error),
    }, new PeerFaultLog(silentLogger()).connection({ peer: remote.nodeId }));
  }

  afterEach(async () => {
    peer.close();
    for (const channel of channels.values()) await channel.close();
  });

  it('sends queued messages in order, waiting while the connection is full', async () => {
    build();
    const run = peer.run();
    connection.blockSends();
    for (let i = 0; i < 4; i++) queue.tryEnqueue({ channelId: ECHO_CHANNEL_ID, bytes: ping(`m${i}`), size: 1 });
    await settle();
    assert.equal(connection.sent.length, 0);
    connection.unblockSends();
    await until(() => connection.sent.length === 4, 'all four sent');
    assert.deepEqual(connection.sent.map((m) => EchoMessage.decode(m.bytes).ping?.content), ['m0', 'm1', 'm2', 'm3']);
    assert.equal(peer.messagesSent, 4);
    peer.close();
    await run;
  });

  it('puts what the peer sends on the channel queue, decoded', async () => {
    build();
    const run = peer.run();
    connection.deliver(ECHO_CHANNEL_ID, ping('hello'));
    const channelQueue = channels.get(ECHO_CHANNEL_ID)!.queue;
    await until(() => channelQueue.length === 1, 'the message to reach the channel');
    const envelope = channelQueue.tryDequeue()!;
    assert.equal(envelope.from, remote.nodeId);
    assert.equal(peer.messagesReceived, 1);
    peer.close();
    await run;
  });

  it('reports unknown channels and undecodable bytes, counts them, and keeps reading', async () => {
    build();
    const run = peer.run();
    connection.deliver(0x42, ping('x'));
    connection.deliver(ECHO_CHANNEL_ID, Uint8Array.of(0x0a, 0xff, 0x01));
    connection.deliver(ECHO_CHANNEL_ID, ping('fine'));
    await until(() => peer.messagesReceived === 1, 'the good message');
    assert.deepEqual(
      peerErrors.map((e) => [e.error.name, e.fatal ?? false]),
      [
        ['UnknownChannelMessageError', false],
        ['MessageDecodeError', true],
      ],
    );
    assert.deepEqual(peer.drops.snapshot(), { 'unknown-channel': 1, undecodable: 1 });
    assert.equal(connection.isClosed, false, 'whether to disconnect is the router’s decision');
    peer.close();
    await run;
  });

  it('ends with MessageTooLargeError before decoding an oversized message', async () => {
    build([defineChannel({ id: ECHO_CHANNEL_ID, messageType: EchoMessage, recvMessageCapacity: 8 })]);
    const run = peer.run();
    connection.deliver(ECHO_CHANNEL_ID, ping('much too long'));
    const reason = await run;
    assert.ok(reason instanceof MessageTooLargeError, String(reason));
    assert.deepEqual([reason.size, reason.limit, reason.channelId], [ping('much too long').length, 8, ECHO_CHANNEL_ID]);
    assert.equal(connection.closedWith?.name, 'MessageTooLargeError');
    assert.equal(queue.isClosed, true);
    assert.equal(peerErrors.length, 0);
  });

  it('resolves run() with the reason given to close(), closing connection and queue and leaving no call parked', async () => {
    build();
    const run = peer.run();
    await settle();
    assert.ok(connection.parkedCalls > 0, 'the receive loop waits on the connection');
    peer.close(new Error('evicted'));
    assert.equal((await run)?.message, 'evicted');
    assert.equal(connection.closedWith?.message, 'evicted');
    assert.equal(queue.tryEnqueue({ channelId: ECHO_CHANNEL_ID, bytes: ping('late'), size: 1 }), 'closed');
    assert.equal(connection.parkedCalls, 0);
  });

  it('resolves run() with what closed the connection when the remote hangs up', async () => {
    build();
    const run = peer.run();
    connection.hangUp(new Error('remote said goodbye'));
    assert.equal((await run)?.message, 'remote said goodbye');
  });

  it('ends with the error a failing send throws', async () => {
    build();
    const run = peer.run();
    connection.failSend(new Error('EPIPE'));
    queue.tryEnqueue({ channelId: ECHO_CHANNEL_ID, bytes: ping('x'), size: 1 });
    assert.equal((await run)?.message, 'EPIPE');
    assert.equal(connection.isClosed, true);
  });

  it('goes down with its channel when the node closes the channel under a waiting receive', async () => {
    build([defineChannel({ id: ECHO_CHANNEL_ID, messageType: EchoMessage, recvQueueCapacity: 1 })]);
    const run = peer.run();
    connection.deliver(ECHO_CHANNEL_ID, ping('fills the queue'));
    connection.deliver(ECHO_CHANNEL_ID, ping('waits for room'));
    await settle();
    await channels.get(ECHO_CHANNEL_ID)!.close();
    const reason = await run;
    assert.equal(reason?.name, 'ConnectionClosedError');
    assert.equal(connection.isClosed, true);
  });
});
