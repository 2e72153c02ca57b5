import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { ConnectionClosedError } from '../../../../../../framework/transport/errors.js';
import { encodeDelimitedPacket, type MConnection } from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { RawReader, Recorder, channel, hex, mconn, patternBytes, pipePair, tcpPair } from './helpers.js';

const UNLIMITED = { sendRate: 0, recvRate: 0 };

type PairMaker = () => Promise<[Duplex, Duplex]>;
const transports: Array<[string, PairMaker]> = [
  ['loopback TCP', tcpPair],
  ['an in-process pipe cut into 7-byte pieces', async () => pipePair(() => 7)],
  ['an in-process pipe cut into random pieces', async () => pipePair(() => 1 + Math.floor(Math.random() * 3000))],
];

const opened: MConnection[] = [];

function track<T extends { conn: MConnection }>(x: T): T {
  opened.push(x.conn);
  return x;
}

describe('MConnection transfer', () => {
  afterEach(() => {
    for (const c of opened.splice(0)) c.close();
  });

  for (const [name, makePair] of transports) {
    describe(`over ${name}`, () => {
      it('delivers messages of 0, 1, 1023, 1024, 1025 bytes and 5 MB intact, both ways', async () => {
        const [x, y] = await makePair();
        const channels = [channel(0x20, 1), channel(0x21, 2)];
        const a = track(mconn(x, { channels, ...UNLIMITED }));
        const b = track(mconn(y, { channels, ...UNLIMITED }));
        const sizes = [0, 1, 1023, 1024, 1025, 5 * 1024 * 1024];
        const payloads = sizes.map((n, i) => patternBytes(n, i + 1));
        for (const p of payloads) {
          assert.equal(a.conn.trySend(0x21, p), true);
          assert.equal(b.conn.trySend(0x20, p), true);
        }
        await Promise.all([a.recorder.waitFor(sizes.length), b.recorder.waitFor(sizes.length)]);
        for (const [who, rec, ch] of [['b', b.recorder, 0x21], ['a', a.recorder, 0x20]] as const) {
          assert.deepEqual(rec.messages.map((m) => m.channelId), sizes.map(() => ch), who);
          rec.messages.forEach((m, i) => assert.ok(Buffer.from(m.bytes).equals(Buffer.from(payloads[i])), `${who} #${i}`));
        }
        const stats = a.conn.stats();
        const ch21 = stats.channels.find((c) => c.channelId === 0x21)!;
        assert.equal(ch21.sentMessages, sizes.length);
        assert.equal(ch21.sentPackets, 1 + 1 + 1 + 1 + 2 + 5 * 1024);
        assert.equal(stats.channels.find((c) => c.channelId === 0x20)!.receivedMessages, sizes.length);
      });

      it('keeps each channel in FIFO order while channels interleave', async () => {
        const [x, y] = await makePair();
        const ids = [0x20, 0x21, 0x22];
        const channels = ids.map((id, i) => channel(id, i + 1));
        const a = track(mconn(x, { channels, ...UNLIMITED }));
        const b = track(mconn(y, { channels, ...UNLIMITED }));
        const perChannel = 300;
        for (let i = 0; i < perChannel; i++) {
          for (const id of ids) {
            const msg = patternBytes((i * 997 + id * 31) % 3500, i);
            const tagged = new Uint8Array(msg.length + 4);
            new DataView(tagged.buffer).setUint32(0, i);
            tagged.set(msg, 4);
            assert.equal(a.conn.trySend(id, tagged), true);
          }
        }
        await b.recorder.waitFor(perChannel * ids.length);
        for (const id of ids) {
          const seq = b.recorder.messages
            .filter((m) => m.channelId === id)
            .map((m) => new DataView(m.bytes.buffer, m.bytes.byteOffset).getUint32(0));
          assert.deepEqual(seq, Array.from({ length: perChannel }, (_, i) => i), `channel ${id}`);
        }
        // The channels really were interleaved, not sent one after another.
        const order = b.recorder.messages.map((m) => m.channelId);
        assert.notDeepEqual(order, [...order].sort((p, q) => p - q));
      });
    });
  }

  it('lets small high-priority messages overtake a 5 MB message on a low-priority channel', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(0x40, 1), channel(0x20, 10)];
    const a = track(mconn(x, { channels, ...UNLIMITED }));
    const b = track(mconn(y, { channels, ...UNLIMITED }));
    assert.equal(a.conn.trySend(0x40, patternBytes(5 * 1024 * 1024, 9)), true);
    // Queue the small ones after the big one has started going out.
    await new Promise((r) => setImmediate(r));
    assert.ok(a.conn.stats().channels[0].sentPackets > 0, 'big message started');
    for (let i = 0; i < 20; i++) assert.equal(a.conn.trySend(0x20, Uint8Array.of(i)), true);
    await b.recorder.waitFor(21);
    const order = b.recorder.messages.map((m) => m.channelId);
    assert.deepEqual(order.slice(0, 20), new Array(20).fill(0x20));
    assert.equal(order[20], 0x40);
    assert.deepEqual(b.recorder.messages.slice(0, 20).map((m) => m.bytes[0]), Array.from({ length: 20 }, (_, i) => i));
  });

  it('puts byte-exact packets on the wire', async () => {
    const [x, raw] = await tcpPair();
    const a = track(mconn(x, { channels: [channel(0x00), channel(0x20)], ...UNLIMITED }));
    const reader = new RawReader(raw);
    a.conn.trySend(0x20, new TextEncoder().encode('hello'));
    assert.equal(hex(await reader.read(14)), '0d1a0b082010011a0568656c6c6f');
    a.conn.trySend(0x00, new Uint8Array(0));
    assert.equal(hex(await reader.read(5)), '041a021001');
    const big = patternBytes(1025, 3);
    a.conn.trySend(0x20, big);
    const first = await reader.read(2 + 1034 - 2);
    assert.equal(hex(first.subarray(0, 8)), '88081a850808201a'); // 1032-byte body, no eof
    assert.equal(hex(first.subarray(8, 10)), '8008');
    assert.ok(first.subarray(10).equals(Buffer.from(big.subarray(0, 1024))));
    const second = await reader.read(10);
    assert.equal(hex(second), '091a07082010011a01' + hex(big.subarray(1024)));
    assert.equal(hex(encodeDelimitedPacket({ kind: 'msg', channelId: 0x20, eof: true, data: big.subarray(1024) })), hex(second));
  });

  it('sends full messages on channel ids >= 0x80 in packets a 1034-byte limit accepts', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(0x80), channel(0xff)];
    const a = track(mconn(x, { channels, ...UNLIMITED }));
    const b = track(mconn(y, { channels, ...UNLIMITED }));
    const msg = patternBytes(10_000, 5);
    a.conn.trySend(0xff, msg);
    await b.recorder.waitFor(1);
    assert.ok(Buffer.from(b.recorder.messages[0].bytes).equals(Buffer.from(msg)));
    assert.equal(a.conn.stats().channels[1].sentPackets, Math.ceil(10_000 / 1023));
  });

  it('delivers with a flush throttle timer too', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(1)];
    const a = track(mconn(x, { channels, ...UNLIMITED, flushThrottleMs: 5 }));
    const b = track(mconn(y, { channels, ...UNLIMITED }));
    for (let i = 0; i < 100; i++) a.conn.trySend(1, patternBytes(i * 50, i));
    a.conn.trySend(1, patternBytes(300_000, 1));
    await b.recorder.waitFor(101);
    assert.equal(b.recorder.messages[100].bytes.length, 300_000);
  });

  it('parses initialBytes before the stream', async () => {
    const [x, raw] = await tcpPair();
    const rec = new Recorder();
    const first = encodeDelimitedPacket({ kind: 'msg', channelId: 1, eof: true, data: Uint8Array.of(1) });
    const second = encodeDelimitedPacket({ kind: 'msg', channelId: 1, eof: true, data: Uint8Array.of(2) });
    // initialBytes ends in the middle of the second packet; the stream carries the rest.
    const initial = Buffer.concat([first, second.subarray(0, 2)]);
    track(mconn(x, { channels: [channel(1)], ...UNLIMITED, initialBytes: initial }, rec));
    raw.write(second.subarray(2));
    await rec.waitFor(2);
    assert.deepEqual(rec.messages.map((m) => m.bytes[0]), [1, 2]);
  });

  it('flushAndClose sends everything queued, then ends the stream', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(1)];
    const a = track(mconn(x, { channels, ...UNLIMITED }));
    const b = track(mconn(y, { channels, ...UNLIMITED }));
    for (let i = 0; i < 50; i++) a.conn.trySend(1, patternBytes(20_000, i));
    const done = a.conn.flushAndClose();
    assert.equal(a.conn.trySend(1, Uint8Array.of(1)), false, 'no new sends while flushing');
    await done;
    assert.equal(await a.conn.closed, undefined);
    const reason = await b.conn.closed;
    assert.equal(b.recorder.messages.length, 50);
    assert.ok(reason instanceof ConnectionClosedError);
  });

  it('closes with ConnectionClosedError when the remote hangs up', async () => {
    const [x, raw] = await tcpPair();
    const a = track(mconn(x, { channels: [channel(1)] }));
    raw.end();
    const reason = await a.conn.closed;
    assert.ok(reason instanceof ConnectionClosedError);
    assert.equal(a.conn.isClosed, true);
    assert.equal(a.conn.trySend(1, Uint8Array.of(1)), false);
  });

  it('rejects bad construction arguments', async () => {
    const [x, y] = pipePair();
    assert.throws(() => mconn(x, { channels: [] }), /at least one channel/);
    assert.throws(() => mconn(x, { channels: [channel(1), channel(1)] }), /registered twice/);
    assert.throws(() => mconn(x, { channels: [channel(1)], pongTimeoutMs: 60_000 }), /pongTimeoutMs/);
    x.destroy();
    y.destroy();
  });
});
