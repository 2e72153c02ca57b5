import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import {
  ChannelState,
  DEFAULT_MCONNECTION_OPTIONS,
  SendScheduler,
  decodePacket,
  resolveChannelDescriptor,
  resolveMConnectionOptions,
} from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { channel, patternBytes } from './helpers.js';
import { DelimitedReader } from '../../../../../../framework/transport/length-prefix.js';
import { MessageTooLargeError } from '../../../../../../framework/transport/errors.js';

/** Sends everything queued on `sender` and feeds the packets to `receiver`; returns delivered messages. */
function transfer(sender: ChannelState, receiver: ChannelState): { messages: Uint8Array[]; packets: number } {
  const out = new Uint8Array(64 * 1024);
  const reader = new DelimitedReader(1034);
  const messages: Uint8Array[] = [];
  let packets = 0;
  while (sender.hasPending) {
    const end = sender.writeNextPacket(out, 0);
    reader.push(out.slice(0, end));
    const frame = reader.next()!;
    assert.ok(frame.length <= 1034, `packet of ${frame.length} bytes`);
    const p = decodePacket(frame);
    assert.equal(p.kind, 'msg');
    assert.equal(p.channelId, sender.id);
    packets++;
    const msg = receiver.receive(p.data, p.eof);
    if (msg) messages.push(msg);
  }
  return { messages, packets };
}

describe('mconnection config and channel state', () => {
  describe('resolveMConnectionOptions', () => {
    it('fills the documented defaults', () => {
      assert.deepEqual(resolveMConnectionOptions(), {
        maxPacketMsgPayloadSize: 1024,
        sendRate: 5_120_000,
        recvRate: 5_120_000,
        pingIntervalMs: 60_000,
        pongTimeoutMs: 45_000,
        flushThrottleMs: 0,
        maxWriteBatchBytes: 65_536,
        sendWindowMinBytes: 131_072,
        sendWindowMaxBytes: 16_777_216,
        busyPollUs: 0,
      });
      assert.deepEqual(resolveMConnectionOptions({}), DEFAULT_MCONNECTION_OPTIONS);
    });

    const invalid: Array<[string, Record<string, unknown>]> = [
      ['maxPacketMsgPayloadSize', { maxPacketMsgPayloadSize: 0 }],
      ['maxPacketMsgPayloadSize', { maxPacketMsgPayloadSize: 1.5 }],
      ['sendRate', { sendRate: -1 }],
      ['recvRate', { recvRate: '5' }],
      ['pingIntervalMs', { pingIntervalMs: 0 }],
      ['flushThrottleMs', { flushThrottleMs: -5 }],
      ['maxWriteBatchBytes', { maxWriteBatchBytes: 0 }],
      ['sendWindowMinBytes', { sendWindowMinBytes: -1 }],
      ['sendWindowMaxBytes', { sendWindowMinBytes: 4096, sendWindowMaxBytes: 1024 }],
      ['pongTimeoutMs', { pingIntervalMs: 1000, pongTimeoutMs: 1000 }],
    ];
    for (const [name, opts] of invalid) {
      it(`rejects a bad ${name} and names it (${JSON.stringify(opts)})`, () => {
        assert.throws(
          () => resolveMConnectionOptions(opts as never),
          (e: unknown) => e instanceof InvalidArgumentError && e.message.includes(name),
        );
      });
    }
  });

  describe('resolveChannelDescriptor', () => {
    it('applies CometBFT FillDefaults to zero fields', () => {
      const d = resolveChannelDescriptor({ id: 0x30, priority: 5, sendQueueCapacity: 0, recvBufferCapacity: 0, recvMessageCapacity: 0 });
      assert.deepEqual(d, { id: 0x30, priority: 5, sendQueueCapacity: 1, recvBufferCapacity: 4096, recvMessageCapacity: 22_020_096 });
    });

    it('rejects ids outside 0..255, priority <= 0 and negative capacities', () => {
      assert.throws(() => resolveChannelDescriptor(channel(256)), InvalidArgumentError);
      assert.throws(() => resolveChannelDescriptor(channel(-1)), InvalidArgumentError);
      assert.throws(() => resolveChannelDescriptor(channel(1, 0)), /priority/);
      assert.throws(() => resolveChannelDescriptor(channel(1, 1, { sendQueueCapacity: -1 })), /sendQueueCapacity/);
    });
  });

  describe('splitting and reassembly', () => {
    for (const size of [0, 1, 1023, 1024, 1025, 2048, 2049, 5 * 1024 * 1024]) {
      it(`round-trips a ${size}-byte message in ${Math.max(1, Math.ceil(size / 1024))} packet(s)`, () => {
        const sender = new ChannelState(resolveChannelDescriptor(channel(0x21)), 1024);
        const receiver = new ChannelState(resolveChannelDescriptor(channel(0x21)), 1024);
        const message = patternBytes(size, size);
        assert.equal(sender.enqueue(message), true);
        const { messages, packets } = transfer(sender, receiver);
        assert.equal(packets, Math.max(1, Math.ceil(size / 1024)));
        assert.equal(messages.length, 1);
        assert.ok(Buffer.from(messages[0]).equals(Buffer.from(message)));
        assert.equal(sender.sentMessages, 1);
        assert.equal(sender.pendingPayloadBytes, 0);
      });
    }

    it('delivers back-to-back messages separately and reuses nothing the owner holds', () => {
      const sender = new ChannelState(resolveChannelDescriptor(channel(1)), 1024);
      const receiver = new ChannelState(resolveChannelDescriptor(channel(1, 1, { recvBufferCapacity: 16 })), 1024);
      const sent = [3000, 10, 0, 2500, 1].map((n, i) => patternBytes(n, i + 7));
      for (const m of sent) sender.enqueue(m);
      const { messages } = transfer(sender, receiver);
      assert.deepEqual(messages.map((m) => Buffer.from(m).toString('hex')), sent.map((m) => Buffer.from(m).toString('hex')));
    });

    it('throws MessageTooLargeError naming channel and sizes once capacity would be exceeded', () => {
      const receiver = new ChannelState(resolveChannelDescriptor(channel(0x22, 1, { recvMessageCapacity: 1500 })), 1024);
      assert.equal(receiver.receive(new Uint8Array(1024), false), undefined);
      assert.throws(
        () => receiver.receive(new Uint8Array(477), true),
        (e: unknown) =>
          e instanceof MessageTooLargeError &&
          e.channelId === 0x22 &&
          e.size === 1501 &&
          e.limit === 1500 &&
          /0x22/.test(e.message) &&
          /1501/.test(e.message) &&
          /1500/.test(e.message),
      );
      const exact = new ChannelState(resolveChannelDescriptor(channel(0x22, 1, { recvMessageCapacity: 1500 })), 1024);
      exact.receive(new Uint8Array(1024), false);
      assert.equal(exact.receive(new Uint8Array(476), true)?.length, 1500);
    });

    it('bounds the send queue at sendQueueCapacity messages and reports a freed slot', () => {
      const ch = new ChannelState(resolveChannelDescriptor(channel(1, 1, { sendQueueCapacity: 2 })), 1024);
      assert.equal(ch.enqueue(new Uint8Array(1)), true);
      assert.equal(ch.enqueue(new Uint8Array(1)), true);
      assert.equal(ch.enqueue(new Uint8Array(1)), false);
      assert.equal(ch.isFull, true);
      ch.writeNextPacket(new Uint8Array(100), 0);
      assert.equal(ch.slotFreed, true);
      assert.equal(ch.isFull, false);
      assert.equal(ch.enqueue(new Uint8Array(1)), true);
    });
  });

  describe('SendScheduler', () => {
    const make = (id: number, priority: number) => new ChannelState(resolveChannelDescriptor(channel(id, priority)), 1024);

    it('picks the least recentlySent/priority and breaks ties by registration order', () => {
      const a = make(1, 1);
      const b = make(2, 5);
      const c = make(3, 5);
      const s = new SendScheduler([a, b, c]);
      assert.equal(s.pick(), undefined);
      for (const ch of [a, b, c]) ch.enqueue(new Uint8Array(10));
      assert.equal(s.pick(), a); // all zero: first registered
      a.recentlySent = 10; // 10
      b.recentlySent = 60; // 12
      c.recentlySent = 60; // 12
      assert.equal(s.pick(), a);
      a.recentlySent = 13;
      assert.equal(s.pick(), b);
      b.recentlySent = 61;
      assert.equal(s.pick(), c);
    });

    it('gives bandwidth in proportion to priority', () => {
      const low = make(1, 1);
      const high = make(2, 4);
      const s = new SendScheduler([low, high]);
      for (let i = 0; i < 2000; i++) {
        low.enqueue(new Uint8Array(1000));
        high.enqueue(new Uint8Array(1000));
      }
      const out = new Uint8Array(2048);
      for (let i = 0; i < 1000; i++) s.pick()!.writeNextPacket(out, 0);
      assert.ok(Math.abs(high.sentPackets - 800) <= 2, `high sent ${high.sentPackets}`);
    });

    it('decays recentlySent by 0.8, truncating', () => {
      const a = make(1, 1);
      a.recentlySent = 1001;
      new SendScheduler([a]).decay();
      assert.equal(a.recentlySent, 800);
    });

    it('catches up one truncating decay per whole 2 s period that passed, with no timer', () => {
      let now = 10_000;
      const a = make(1, 1);
      const s = new SendScheduler([a], () => now);
      a.recentlySent = 1001;
      now += 1999;
      s.catchUpDecay();
      assert.equal(a.recentlySent, 1001, 'no period has ended yet');
      now += 1;
      s.catchUpDecay();
      assert.equal(a.recentlySent, 800);
      now += 3 * 2000 + 500; // three more periods; the half period carries over
      s.catchUpDecay();
      assert.equal(a.recentlySent, Math.trunc(Math.trunc(Math.trunc(800 * 0.8) * 0.8) * 0.8));
      const after = a.recentlySent;
      now += 1500;
      s.catchUpDecay();
      assert.equal(a.recentlySent, Math.trunc(after * 0.8), 'the carried half period completes the next one');
      now += 3_600_000; // an hour idle: decays to 0 and stops early
      s.catchUpDecay();
      assert.equal(a.recentlySent, 0);
    });

    it('bounds the wire bytes of everything pending', () => {
      const a = make(1, 1);
      const s = new SendScheduler([a]);
      for (const n of [0, 1, 1024, 1025, 5000]) a.enqueue(new Uint8Array(n));
      const bound = s.pendingWireBytes();
      const out = new Uint8Array(bound);
      let off = 0;
      while (a.hasPending) off = a.writeNextPacket(out, off);
      assert.ok(off <= bound);
    });
  });
});
