import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DelimitedReader } from '../../../../../../framework/transport/length-prefix.js';
import { Waiters } from '../../../../../../framework/util/waiters.js';
import { BatchWriter } from '../../../../../../plugins/transports/mconn/mconnection/batch-writer.js';
import { buildChannels, type ChannelState } from '../../../../../../plugins/transports/mconn/mconnection/channel-state.js';
import { RateLimiter } from '../../../../../../plugins/transports/mconn/mconnection/flow-rate.js';
import { decodePacket } from '../../../../../../plugins/transports/mconn/mconnection/packet-codec.js';
import { SendScheduler } from '../../../../../../plugins/transports/mconn/mconnection/scheduler.js';
import { SendWindow } from '../../../../../../plugins/transports/mconn/mconnection/send-window.js';
import { channel, patternBytes } from './helpers.js';

const PAYLOAD = 1024;

/** A Writable that keeps every chunk; a `stalled` one never finishes a write, like a peer that stopped reading. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];

  constructor(
    highWaterMark: number,
    private readonly stalled: boolean,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (!this.stalled) callback();
  }
}

/** The packets of one written batch, in order: 'ping', 'pong', or 'msg <channel> <bytes>[ eof]'. */
function packetsOf(batch: Buffer): string[] {
  const reader = new DelimitedReader(PAYLOAD + 64);
  reader.push(batch);
  const out: string[] = [];
  for (let body = reader.next(); body !== undefined; body = reader.next()) {
    const packet = decodePacket(body);
    out.push(packet.kind === 'msg' ? `msg ${packet.channelId} ${packet.data.length}${packet.eof ? ' eof' : ''}` : packet.kind);
  }
  assert.equal(reader.bufferedBytes, 0, 'the batch ends on a packet boundary');
  return out;
}

function rig(options: { windowMinBytes?: number; sendRate?: number; sendQueueCapacity?: number; stalled?: boolean } = {}) {
  const channels: ChannelState[] = buildChannels(
    [channel(0x20, 1, { sendQueueCapacity: options.sendQueueCapacity ?? 1000 }), channel(0x21, 1)],
    PAYLOAD,
  );
  const stream = options.stalled === true ? new Sink(512, true) : new Sink(1 << 20, false);
  const clock = () => 0;
  const window = new SendWindow({ minBytes: options.windowMinBytes ?? 0, maxBytes: 1 << 24 });
  const sendLimiter = new RateLimiter(options.sendRate ?? 0, clock, 10);
  const pings = { sent: 0, pingSent: () => void pings.sent++ };
  const anyWritable = new Waiters();
  const channelWritable = new Map<number, Waiters>();
  const writer = new BatchWriter({
    stream,
    options: { maxWriteBatchBytes: 65_536, maxPacketMsgPayloadSize: PAYLOAD },
    scheduler: new SendScheduler(channels, clock),
    sendLimiter,
    window,
    keepalive: pings,
    clock,
    anyWritable,
    channelWritable,
  });
  const [a, b] = channels as [ChannelState, ChannelState];
  return { writer, stream, window, pings, anyWritable, channelWritable, a, b };
}

describe('MConnection BatchWriter', () => {
  it('writes the pong first, the data next and a requested ping last, in one write', () => {
    const { writer, stream, window, pings, a } = rig();
    a.enqueue(patternBytes(1500));
    assert.equal(writer.write(Infinity, true, true), true);
    assert.equal(stream.chunks.length, 1);
    assert.deepEqual(packetsOf(stream.chunks[0]!), ['pong', 'msg 32 1024', 'msg 32 476 eof', 'ping']);
    assert.equal(writer.pongsSent, 1);
    assert.equal(writer.pingsSent, 1);
    assert.equal(writer.packetsSent, 4);
    assert.equal(writer.bytesSent, stream.chunks[0]!.length);
    assert.equal(pings.sent, 1, 'keepalive is told its ping went out');
    assert.equal(window.pingOutstanding, true, 'the ping clocks the send window');
    assert.equal(window.writtenBytes, writer.bytesSent);
  });

  it('writes no ping while one is outstanding, even when asked for one', () => {
    const { writer, stream, window, a } = rig();
    window.pingSent(0);
    assert.equal(writer.wantsPing(true), false);
    a.enqueue(patternBytes(10));
    writer.write(Infinity, false, true);
    assert.deepEqual(packetsOf(stream.chunks[0]!), ['msg 32 10 eof']);
    assert.equal(writer.pingsSent, 0);
  });

  it("adds a ping on the send window's clock once a quarter of the window is unacknowledged", () => {
    const { writer, stream, a } = rig({ windowMinBytes: 4096 });
    assert.equal(writer.wantsPing(false), false, 'nothing in flight yet');
    a.enqueue(patternBytes(900));
    writer.write(Infinity, false, false);
    assert.deepEqual(packetsOf(stream.chunks[0]!), ['msg 32 900 eof']);
    a.enqueue(patternBytes(900));
    writer.write(Infinity, false, false);
    assert.deepEqual(packetsOf(stream.chunks[1]!), ['msg 32 900 eof', 'ping'], 'past 1 KiB in flight');
  });

  it('stops the data at what the send window has room for', () => {
    const { writer, stream, window, a } = rig({ windowMinBytes: 2048 });
    a.enqueue(patternBytes(8 * PAYLOAD));
    writer.write(Infinity, false, false);
    const packets = packetsOf(stream.chunks[0]!);
    assert.deepEqual(packets.slice(0, 2), ['msg 32 1024', 'msg 32 1024']);
    assert.equal(packets.filter((p) => p.startsWith('msg')).length, 2, 'two packets fill a 2 KiB window');
    assert.ok(window.available() <= 0);
  });

  it('spends no more than the send rate allows in a batch (at least one packet)', () => {
    const { writer, stream, a } = rig({ sendRate: 100_000 }); // 1,000 bytes per 10 ms sample
    a.enqueue(patternBytes(4 * PAYLOAD));
    writer.write(Infinity, false, false);
    assert.deepEqual(packetsOf(stream.chunks[0]!), ['msg 32 1024']);
  });

  it('wakes writers waiting on a channel, and on any channel, once a full queue frees a slot', async () => {
    const { writer, a, b, anyWritable, channelWritable } = rig({ sendQueueCapacity: 1 });
    assert.equal(a.enqueue(patternBytes(10)), true);
    assert.equal(a.isFull, true);
    const onA = new Waiters();
    channelWritable.set(a.id, onA);
    const woke: string[] = [];
    const waits = [onA.wait().then(() => woke.push('a')), anyWritable.wait().then(() => woke.push('any'))];
    b.enqueue(patternBytes(10));
    writer.write(Infinity, false, false);
    await Promise.all(waits);
    assert.deepEqual(woke.sort(), ['a', 'any']);
  });

  it("returns the stream's verdict, false once it wants 'drain'", () => {
    const { writer, a } = rig({ stalled: true });
    a.enqueue(patternBytes(100));
    assert.equal(writer.write(Infinity, false, false), true);
    a.enqueue(patternBytes(2000));
    assert.equal(writer.write(Infinity, false, false), false, 'past the 512-byte highWaterMark');
  });
});
