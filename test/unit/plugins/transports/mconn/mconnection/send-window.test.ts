import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { SendWindow, WindowedExtreme } from '../../../../../../plugins/transports/mconn/mconnection/send-window.js';
import { hex, mconn, RawReader, tcpPair, channel } from './helpers.js';

const fromHex = (s: string) => Buffer.from(s, 'hex');

const KiB = 1024;

describe('MConnection send window', () => {
  describe('WindowedExtreme', () => {
    it('keeps the best value of the last span, one per bucket', () => {
      const max = new WindowedExtreme((a, b) => a > b, 10_000, 1_000);
      assert.equal(max.value(), undefined);
      max.add(0, 5);
      max.add(500, 9); // same bucket: replaces
      max.add(1_500, 3);
      assert.equal(max.value(), 9);
      max.add(11_200, 1); // the first bucket (0..1000) has left the span
      assert.equal(max.value(), 3);
      max.add(30_000, 2);
      assert.equal(max.value(), 2);
    });
  });

  it('limits what is in flight to the window and reopens on the pong of the outstanding ping', () => {
    const w = new SendWindow({ minBytes: 64 * KiB, maxBytes: 1024 * KiB });
    assert.equal(w.available(), 64 * KiB);
    w.wrote(10 * KiB);
    assert.equal(w.wantsPing(), false, 'below a quarter of the window a ping is not worth it');
    w.wrote(10 * KiB);
    assert.equal(w.wantsPing(), true);
    w.pingSent(0);
    assert.equal(w.wantsPing(), false, 'one ping outstanding at a time');
    w.wrote(44 * KiB);
    assert.equal(w.available(), 0, 'full');
    assert.equal(w.pongReceived(2), true);
    assert.equal(w.inFlight, 44 * KiB, 'what followed the ping is still in flight');
    assert.equal(w.pongReceived(3), false, 'a pong with no ping outstanding acknowledges nothing');
  });

  it('grows by half per round while it is the limit and nothing queues, up to maxBytes', () => {
    const w = new SendWindow({ minBytes: 64 * KiB, maxBytes: 1024 * KiB });
    // A 100 ms path that could carry far more than the window: each round trip delivers one window.
    let now = 0;
    const sizes: number[] = [];
    for (let round = 0; round < 8; round++) {
      w.wrote(w.available());
      w.blocked();
      w.pingSent(now);
      now += 100;
      w.pongReceived(now);
      sizes.push(Math.round(w.size / KiB));
    }
    assert.deepEqual(sizes, [96, 144, 216, 324, 486, 729, 1024, 1024]);
  });

  it('keeps its size over rounds in which it was not the limit', () => {
    const w = new SendWindow({ minBytes: 64 * KiB, maxBytes: 1024 * KiB });
    w.wrote(20 * KiB);
    w.pingSent(0);
    w.pongReceived(100);
    assert.equal(w.size, 64 * KiB);
  });

  it('settles where the queueing delay meets its target: a quarter of the base round trip on a long path', () => {
    const w = new SendWindow({ minBytes: 16 * KiB, maxBytes: 64 * 1024 * KiB });
    // 10 MB/s (10,000 bytes/ms) with a 20 ms round trip: one path-full is 200,000 bytes; what is more waits in buffers.
    let now = 0;
    const sizes: number[] = [];
    for (let round = 0; round < 100; round++) {
      const burst = Math.max(0, w.available());
      w.wrote(burst);
      w.blocked();
      w.pingSent(now);
      now += Math.max(20, w.inFlight / 10_000);
      w.pongReceived(now);
      sizes.push(w.size);
    }
    // Target queueing 5 ms: 25 ms × 10,000 bytes/ms; it hovers around that from round to round.
    const settled = sizes.slice(-40);
    const mean = settled.reduce((a, b) => a + b, 0) / settled.length;
    assert.ok(mean > 200_000 && mean < 300_000, `mean window ${mean}`);
    assert.ok(Math.min(...settled) > 100_000 && Math.max(...settled) < 400_000, `windows ${Math.min(...settled)}..${Math.max(...settled)}`);
  });

  it('shrinks when the round trip grows past the target (a receiver falling behind)', () => {
    const w = new SendWindow({ minBytes: 64 * KiB, maxBytes: 4096 * KiB });
    let now = 0;
    const round = (rtt: number) => {
      w.wrote(Math.max(0, w.available()));
      w.blocked();
      w.pingSent(now);
      now += rtt;
      w.pongReceived(now);
    };
    for (let i = 0; i < 6; i++) round(1);
    const grown = w.size;
    assert.ok(grown > 64 * KiB);
    round(10); // 9 ms queueing against a 1 ms target
    assert.equal(w.size, Math.round(grown * 0.5));
  });

  it('is off with minBytes 0, and rejects bad bounds', () => {
    const off = new SendWindow({ minBytes: 0, maxBytes: 0 });
    assert.equal(off.available(), Infinity);
    off.wrote(1e9);
    assert.equal(off.wantsPing(), false);
    assert.throws(() => new SendWindow({ minBytes: -1, maxBytes: 10 }), InvalidArgumentError);
    assert.throws(() => new SendWindow({ minBytes: 10, maxBytes: 5 }), InvalidArgumentError);
  });

  it('over TCP: a peer that never answers pings receives one window and no more; its pong releases the next', async () => {
    const [x, raw] = await tcpPair();
    const window = 32 * KiB;
    const { conn } = mconn(x, { channels: [channel(1)], sendRate: 0, sendWindowMinBytes: window, sendWindowMaxBytes: window });
    const reader = new RawReader(raw);
    conn.trySend(1, new Uint8Array(1_000_000).fill(0x55));
    let received = 0;
    let pings = 0;
    // Read until our ping shows up, then keep reading what the window still allows.
    const readUntilQuiet = async () => {
      for (;;) {
        const body = await Promise.race([reader.readFrame(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
        if (body === undefined) return;
        if (hex(body) === '0a00') pings++;
        else received += body.length;
      }
    };
    await readUntilQuiet();
    assert.equal(pings, 1, 'one ping outstanding');
    assert.ok(received >= window * 0.9 && received <= window + 66 * KiB, `${received} bytes arrived without a pong`);
    const held = conn.stats().sendWindow;
    assert.equal(held.inFlight > 0, true);
    assert.equal(held.written - held.acknowledged, held.inFlight);
    const before = received;
    raw.write(fromHex('021200')); // the pong
    await readUntilQuiet();
    assert.ok(received > before, 'the pong reopened the window');
    assert.ok(conn.stats().sendWindow.acknowledged >= held.written, 'the pong acknowledged all that preceded its ping');
    conn.close();
    raw.destroy();
  });
});
