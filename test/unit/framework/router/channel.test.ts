import assert from 'node:assert/strict';
import { config as rxConfig } from 'rxjs';
import { EchoChannel, EchoMessage, Ping, Pong, ECHO_CHANNEL_ID } from '../../../../reactors/echo/echo-channel.js';
import { ChannelRuntime } from '../../../../framework/router/channel.js';
import { FifoQueueFactory } from '../../../../plugins/queues/fifo.js';
import { nid } from '../peer/ids.js';
import { settle, until } from '../../../support/router-rig.js';
import { RecordingRoutes, sabotageOnce } from './helpers.js';

type Inner = Ping | Pong;

const PEER = nid(1);

function pingBytes(content: string): Uint8Array {
  return EchoMessage.encode({ ping: { content } }).finish();
}

/**
 * ChannelRuntime, the router-owned runtime of one channel: synchronous outbound
 * routing that counts every message not queued, and a deliver loop
 * (queue → subscribers) that survives whatever a handler or the queue throws.
 */
describe('ChannelRuntime', () => {
  let routes: RecordingRoutes;
  let loopErrors: Error[];
  let channel: ChannelRuntime<unknown, Inner>;

  beforeEach(() => {
    routes = new RecordingRoutes();
    loopErrors = [];
    channel = new ChannelRuntime(EchoChannel, routes, new FifoQueueFactory(), (error) => loopErrors.push(error));
  });

  afterEach(async () => {
    await channel.close();
  });

  /** Puts a decoded message from PEER on the channel queue, as a peer's receive loop does. */
  function arrive(content: string): void {
    assert.equal(channel.queue.tryEnqueue(channel.decode(PEER, pingBytes(content))), 'accepted');
  }

  describe('outbound', () => {
    it('encodes through the wrapper once per send and counts what was queued', () => {
      assert.equal(channel.send(PEER, Ping.create({ content: 'hi' })), 'queued');
      assert.equal(routes.unicasts.length, 1);
      assert.equal(routes.unicasts[0]!.to, PEER);
      assert.equal(EchoMessage.decode(routes.unicasts[0]!.bytes).ping?.content, 'hi');
      assert.equal(channel.broadcast(Pong.create({ content: 'all' })), 3);
      assert.equal(EchoMessage.decode(routes.broadcasts[0]!).pong?.content, 'all');
      assert.equal(channel.stats().sent, 4);
    });

    it('counts every message not queued as a drop under its reason', () => {
      for (const outcome of ['unknown-peer', 'peer-lacks-channel', 'peer-queue-full', 'peer-queue-full'] as const) {
        routes.outcome = outcome;
        assert.equal(channel.send(PEER, Ping.create({ content: 'x' })), outcome);
      }
      assert.deepEqual(channel.stats().drops, { 'unknown-peer': 1, 'peer-lacks-channel': 1, 'peer-queue-full': 2 });
      assert.equal(channel.stats().sent, 0);
    });

    it('counts sendWhenRoom outcomes and passes its abort through', async () => {
      assert.equal(await channel.sendWhenRoom(PEER, Ping.create({ content: 'x' })), 'queued');
      const aborted = new AbortController();
      aborted.abort();
      await assert.rejects(channel.sendWhenRoom(PEER, Ping.create({ content: 'x' }), aborted.signal));
      assert.equal(channel.stats().sent, 1);
    });

    it('routes envelopes pushed on outbound like send() and broadcast()', () => {
      channel.outbound.next({ to: PEER, message: Ping.create({ content: 'one' }) });
      channel.outbound.next({ broadcast: true, message: Ping.create({ content: 'all' }) });
      assert.equal(routes.unicasts.length, 1);
      assert.equal(routes.broadcasts.length, 1);
    });

    it('counts an outbound envelope it cannot encode, and routes the next one', async () => {
      const unhandled = captureUnhandledRxErrors();
      try {
        channel.outbound.next({ to: PEER, message: { content: 'not a Ping' } as unknown as Ping });
        channel.outbound.next({ to: PEER, message: Ping.create({ content: 'fine' }) });
        await afterRxReports();
        assert.equal(routes.unicasts.length, 1);
        assert.deepEqual(channel.stats().drops, { unencodable: 1 });
        assert.equal(loopErrors.length, 1);
        assert.equal(loopErrors[0]!.name, 'InvalidArgumentError');
        assert.deepEqual(unhandled.errors, [], 'nothing escapes to RxJS (where it would be rethrown as an uncaught exception)');
      } finally {
        unhandled.restore();
      }
    });

    it('refuses to send once closed, without asking the router', async () => {
      await channel.close();
      assert.equal(channel.send(PEER, Ping.create({ content: 'x' })), 'channel-closed');
      assert.equal(await channel.sendWhenRoom(PEER, Ping.create({ content: 'x' })), 'channel-closed');
      assert.equal(channel.broadcast(Ping.create({ content: 'x' })), 0);
      assert.deepEqual(routes.unicasts, []);
      assert.deepEqual(routes.broadcasts, []);
      assert.deepEqual(channel.stats().drops, { 'channel-closed': 3 });
    });

    it('passes reported peer errors to the router with the channel id', () => {
      channel.errors.next({ nodeId: PEER, error: new Error('bad block') });
      assert.equal(routes.peerErrors.length, 1);
      assert.equal(routes.peerErrors[0]!.channelId, ECHO_CHANNEL_ID);
      assert.equal(routes.peerErrors[0]!.nodeId, PEER);
    });
  });

  describe('decoding', () => {
    it('unwraps bytes into the inner message with its sender', () => {
      const envelope = channel.decode(PEER, pingBytes('hi'));
      assert.ok(envelope.message instanceof Ping);
      assert.equal(envelope.from, PEER);
      assert.equal(envelope.channelId, ECHO_CHANNEL_ID);
      assert.equal(envelope.size, pingBytes('hi').length);
    });

    it('counts undecodable bytes and an unknown oneof as decode errors', () => {
      assert.throws(() => channel.decode(PEER, Uint8Array.of(0x0a, 0xff, 0x01)), { name: 'MessageDecodeError' });
      assert.throws(() => channel.decode(PEER, Uint8Array.of(0x1a, 0x00)), { name: 'UnwrapError' });
      assert.equal(channel.stats().decodeErrors, 2);
    });
  });

  describe('deliver loop', () => {
    it('delivers queued messages in order to every subscriber', async () => {
      const [a, b]: string[][] = [[], []];
      channel.inbound.subscribe((e) => a.push((e.message as Ping).content));
      channel.inbound.subscribe((e) => b.push((e.message as Ping).content));
      channel.start();
      for (const m of ['1', '2', '3']) arrive(m);
      await until(() => b.length === 3, 'delivery');
      assert.deepEqual(a, ['1', '2', '3']);
      assert.deepEqual(b, ['1', '2', '3']);
      assert.equal(channel.stats().received, 3);
    });

    it('counts a consumer handler that throws or rejects, and goes on delivering', async () => {
      const seen: string[] = [];
      channel.consume(async (e) => {
        const content = (e.message as Ping).content;
        seen.push(content);
        if (content === 'throw') throw new Error('handler bug');
        if (content === 'reject') return Promise.reject(new Error('async handler bug'));
      });
      channel.start();
      for (const m of ['throw', 'reject', 'fine']) arrive(m);
      await until(() => seen.length === 3 && loopErrors.length === 2, 'all three handled');
      assert.equal(channel.stats().handlerErrors, 2);
      assert.deepEqual(loopErrors.map((e) => e.message), ['handler bug', 'async handler bug']);
    });

    it('goes on delivering to other subscribers and later messages when a plain subscriber throws', async () => {
      const unhandled = captureUnhandledRxErrors();
      try {
        const others: string[] = [];
        channel.inbound.subscribe((e) => {
          if ((e.message as Ping).content === 'boom') throw new Error('subscriber bug');
        });
        channel.inbound.subscribe((e) => others.push((e.message as Ping).content));
        channel.start();
        arrive('boom');
        arrive('after');
        await until(() => others.length === 2, 'delivery to go on');
        await afterRxReports();
        assert.deepEqual(others, ['boom', 'after']);
        // A plain RxJS subscriber's throw is RxJS's unhandled error (see ChannelHandle.inbound); consume() counts it instead.
        assert.deepEqual(unhandled.errors.map((e) => (e as Error).message), ['subscriber bug']);
      } finally {
        unhandled.restore();
      }
    });

    it('survives a queue whose dequeue throws', async () => {
      const seen: string[] = [];
      channel.inbound.subscribe((e) => seen.push((e.message as Ping).content));
      sabotageOnce(channel.queue, 'dequeue', new Error('queue plugin bug'));
      channel.start();
      await until(() => loopErrors.length === 1, 'the loop error');
      arrive('after');
      await until(() => seen.length === 1, 'delivery to go on');
      assert.equal(loopErrors[0]!.message, 'queue plugin bug');
    });

    it('lets the event loop turn while the queue throws on every dequeue', async () => {
      let calls = 0;
      const queue = channel.queue;
      const real = queue.dequeue.bind(queue);
      queue.dequeue = (signal?: AbortSignal) => {
        if (++calls <= 1000) return Promise.reject(new Error('queue plugin bug'));
        return real(signal);
      };
      channel.start();
      await settle(1);
      assert.ok(calls < 10, `the deliver loop dequeued ${calls} times before the event loop could turn once`);
      calls = 1000;
      const seen: unknown[] = [];
      channel.inbound.subscribe((e) => seen.push(e));
      arrive('after');
      await until(() => seen.length === 1, 'delivery to go on');
    });

    it('holds delivery while a blocking consumer is full, and resumes when it unsubscribes', async () => {
      let release!: () => void;
      const consumer = channel.consume(() => new Promise<void>((resolve) => (release = resolve)), { concurrency: 1, buffer: 0, overflow: 'block' });
      const seen: string[] = [];
      channel.inbound.subscribe((e) => seen.push((e.message as Ping).content));
      channel.start();
      for (const m of ['1', '2', '3']) arrive(m);
      await settle();
      assert.deepEqual(seen, ['1'], 'the full consumer holds delivery for everyone');
      assert.equal(channel.stats().queueLength, 2);
      consumer.unsubscribe();
      await until(() => seen.length === 3, 'delivery to resume');
      release();
    });

    it('on close drops what is queued, counted, and completes subscribers', async () => {
      let completed = false;
      channel.inbound.subscribe({ complete: () => (completed = true) });
      channel.consume(() => new Promise(() => {}), { concurrency: 1, buffer: 0, overflow: 'block' });
      channel.start();
      for (const m of ['1', '2', '3']) arrive(m);
      await settle();
      await channel.close();
      assert.equal(completed, true);
      assert.equal(channel.stats().queueLength, 0);
      assert.deepEqual(channel.stats().drops, { 'channel-closed': 2 });
    });
  });
});

/** RxJS reports an unhandled error from a timer it sets at once; one set after it fires after it. */
function afterRxReports(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/** Routes RxJS's unhandled errors (thrown by subscribers) into a list for the duration of a test. */
function captureUnhandledRxErrors(): { errors: unknown[]; restore(): void } {
  const errors: unknown[] = [];
  const previous = rxConfig.onUnhandledError;
  rxConfig.onUnhandledError = (error) => errors.push(error);
  return { errors, restore: () => (rxConfig.onUnhandledError = previous) };
}
