import assert from 'node:assert/strict';
import { AbortError } from '../../../../../../framework/errors/base.js';
import { ConnectionClosedError } from '../../../../../../framework/transport/errors.js';
import { encodeDelimitedPacket, MConnection } from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { Recorder, channel, mconn, patternBytes, sleep, tcpPair } from './helpers.js';

function packets(count: number, size: number, channelId = 1): Buffer {
  const one = Buffer.from(encodeDelimitedPacket({ kind: 'msg', channelId, eof: true, data: new Uint8Array(size).fill(9) }));
  return Buffer.concat(new Array(count).fill(one));
}

describe('MConnection flow control', () => {
  it('trySend reports a full queue, writable() resolves when a slot frees', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(1, 1, { sendQueueCapacity: 2 }), channel(2, 1, { sendQueueCapacity: 1 })];
    const a = mconn(x, { channels, sendRate: 0 });
    const b = mconn(y, { channels, recvRate: 0 });
    assert.equal(a.conn.trySend(1, Uint8Array.of(1)), true);
    assert.equal(a.conn.trySend(1, Uint8Array.of(2)), true);
    assert.equal(a.conn.trySend(1, Uint8Array.of(3)), false, 'queue of 2 is full');
    assert.equal(a.conn.trySend(2, Uint8Array.of(4)), true, 'other channels are independent');
    assert.equal(a.conn.trySend(9, Uint8Array.of(5)), false, 'unknown channel');
    let resolved = false;
    const waiting = a.conn.writable(undefined, 1).then(() => (resolved = true));
    const waitingAny = a.conn.writable();
    assert.equal(resolved, false);
    await waiting;
    await waitingAny;
    assert.equal(a.conn.trySend(1, Uint8Array.of(3)), true);
    await b.recorder.waitFor(4);
    assert.deepEqual(
      b.recorder.messages.filter((m) => m.channelId === 1).map((m) => m.bytes[0]),
      [1, 2, 3],
    );
    await a.conn.writable(undefined, 1); // has room now: resolves at once
    a.conn.close();
    b.conn.close();
  });

  it('writable() rejects with AbortError when aborted and resolves on close', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(1, 1, { sendQueueCapacity: 1 })];
    // A flush throttle of a minute holds the one queued message back, so the queue stays full.
    const a = mconn(x, { channels, flushThrottleMs: 60_000 });
    assert.equal(a.conn.trySend(1, Uint8Array.of(1)), true);
    const ac = new AbortController();
    const aborted = a.conn.writable(ac.signal, 1);
    ac.abort();
    await assert.rejects(aborted, AbortError);
    assert.equal(a.conn.trySend(1, Uint8Array.of(2)), false, 'still full');
    const onClose = a.conn.writable(undefined, 1);
    a.conn.close();
    await onClose;
    y.destroy();
  });

  it('a producer driven by trySend/writable moves many messages through small queues', async () => {
    const [x, y] = await tcpPair();
    const channels = [channel(1, 1, { sendQueueCapacity: 3 })];
    const a = mconn(x, { channels, sendRate: 0 });
    const b = mconn(y, { channels, recvRate: 0 });
    const total = 5000;
    let fullCount = 0;
    for (let i = 0; i < total; ) {
      if (a.conn.trySend(1, patternBytes(300, i))) i++;
      else {
        fullCount++;
        await a.conn.writable(undefined, 1);
      }
    }
    await b.recorder.waitFor(total);
    assert.ok(fullCount > 0, 'the queue filled at least once');
    a.conn.close();
    b.conn.close();
  });

  it('pauseReading stops consuming the socket so the writer sees backpressure; resumeReading delivers everything', async () => {
    const [x, raw] = await tcpPair();
    const { conn, recorder } = mconn(x, { channels: [channel(1)], recvRate: 0 });
    conn.pauseReading();
    assert.equal(conn.readingPaused, true);
    const chunk = packets(64, 1000); // 64 messages, ~65 KB
    let written = 0;
    const send = (): boolean => {
      written += 64;
      return raw.write(chunk);
    };
    // write() turns false only once the kernel buffers on both ends are full.
    while (send());
    let drainedWhilePaused = false;
    const onEarlyDrain = () => (drainedWhilePaused = true);
    raw.once('drain', onEarlyDrain);
    await sleep(200);
    raw.off('drain', onEarlyDrain);
    assert.equal(drainedWhilePaused, false, 'the paused side did not consume');
    assert.ok(raw.writableLength > 0, 'writer still holds data it cannot hand to the kernel');
    assert.equal(recorder.messages.length, 0, 'nothing delivered while paused');
    const drained = new Promise((r) => raw.once('drain', r));
    conn.resumeReading();
    await drained;
    await recorder.waitFor(written);
    assert.equal(recorder.messages.length, written);
    conn.close();
    raw.destroy();
  });

  it('pausing from inside onMessage stops delivery mid-chunk until resumed', async () => {
    const [x, raw] = await tcpPair();
    let conn!: MConnection;
    const recorder = new Recorder();
    conn = new MConnection(x, {
      channels: [channel(1)],
      onMessage: (ch, bytes) => {
        recorder.onMessage(ch, bytes);
        conn.pauseReading();
      },
    });
    raw.write(packets(10, 10));
    await recorder.waitFor(1);
    await sleep(30);
    assert.equal(recorder.messages.length, 1);
    conn.resumeReading();
    await recorder.waitFor(2);
    await sleep(30);
    assert.equal(recorder.messages.length, 2, 'one message per resume');
    conn.close();
    raw.destroy();
  });

  it('delivers packets read before the peer hung up once the owner resumes, then closes', async () => {
    const [x, raw] = await tcpPair();
    let conn!: MConnection;
    const recorder = new Recorder();
    conn = new MConnection(x, {
      channels: [channel(1)],
      onMessage: (ch, bytes) => {
        recorder.onMessage(ch, bytes);
        if (recorder.messages.length === 1) conn.pauseReading();
      },
    });
    raw.end(packets(5, 10));
    await recorder.waitFor(1);
    await sleep(50); // the FIN has arrived by now
    assert.equal(conn.isClosed, false, 'stays open while the owner holds unread packets');
    conn.resumeReading();
    const reason = await conn.closed;
    assert.equal(recorder.messages.length, 5);
    assert.ok(reason instanceof ConnectionClosedError);
  });

  it('flushAndClose rejects with AbortError and closes when aborted before the queue drains', async () => {
    const [x, raw] = await tcpPair();
    const { conn } = mconn(x, { channels: [channel(1)], sendRate: 0 });
    raw.pause(); // never read: the queue cannot drain
    for (let i = 0; i < 100; i++) conn.trySend(1, new Uint8Array(1_000_000));
    const ac = new AbortController();
    const flushing = conn.flushAndClose(ac.signal);
    await sleep(20);
    ac.abort();
    await assert.rejects(flushing, AbortError);
    assert.ok((await conn.closed) instanceof AbortError);
    raw.destroy();
  });

  it('limits the receive rate by pausing the stream until the clock allows more', async () => {
    const [x, raw] = await tcpPair();
    let now = 0;
    const { conn, recorder } = mconn(x, { channels: [channel(1)], recvRate: 10_000, clock: () => now }); // 1000 B / sample
    raw.write(packets(2, 750));
    await recorder.waitFor(2);
    raw.write(packets(1, 10));
    await sleep(250); // real time passes, fake time does not
    assert.equal(recorder.messages.length, 2, 'third message held back while over the limit');
    assert.equal(x.isPaused(), true);
    now += 200; // the ~1.5 KB debt is paid after two samples
    await recorder.waitFor(3);
    assert.equal(x.isPaused(), false);
    conn.close();
    raw.destroy();
  });

  it('limits the send rate and resumes when the clock allows', async () => {
    const [x, raw] = await tcpPair();
    let now = 0;
    let received = 0;
    raw.on('data', (chunk: Buffer) => (received += chunk.length));
    const { conn } = mconn(x, { channels: [channel(1)], sendRate: 20_000, clock: () => now }); // 2000 B / sample
    conn.trySend(1, new Uint8Array(10_000));
    const wireTotal = 9 * 1034 + 796; // nine full packets and a 784-byte tail
    let samples = 0;
    while (received < wireTotal) {
      const before = received;
      while (received === before) await sleep(5);
      await sleep(20);
      // However the bytes are spread over real time, the fake clock caps the total:
      // one sample's allowance per elapsed sample, plus one packet of overshoot.
      assert.ok(received <= 2000 * (samples + 1) + 1034, `${received} bytes after ${samples} samples`);
      samples++;
      now += 100;
    }
    assert.equal(received, wireTotal);
    assert.ok(samples >= 5, `${samples} samples`);
    conn.close();
    raw.destroy();
  });
});
