import assert from 'node:assert/strict';
import { PongTimeoutError } from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { sharedKeepaliveTicker } from '../../../../../../plugins/transports/mconn/mconnection/keepalive-ticker.js';
import { RawReader, channel, hex, mconn, sleep, tcpPair } from './helpers.js';

const fromHex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

type TimerKind = 'timeout' | 'interval' | 'immediate';

/** Records every timer created through the globals so a test can check none outlives close(). */
function trackTimers() {
  const live = new Map<unknown, TimerKind>();
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
    clearImmediate: globalThis.clearImmediate,
  };
  const g = globalThis as Record<string, unknown>;
  g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const h: unknown = original.setTimeout(
      (...a: unknown[]) => {
        live.delete(h);
        fn(...a);
      },
      ms,
      ...args,
    );
    live.set(h, 'timeout');
    return h;
  };
  g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const h = original.setInterval(fn, ms, ...args);
    live.set(h, 'interval');
    return h;
  };
  g.setImmediate = (fn: (...a: unknown[]) => void, ...args: unknown[]) => {
    const h: unknown = original.setImmediate((...a: unknown[]) => {
      live.delete(h);
      fn(...a);
    }, ...args);
    live.set(h, 'immediate');
    return h;
  };
  const clear = (name: 'clearTimeout' | 'clearInterval' | 'clearImmediate') => (h: unknown) => {
    live.delete(h);
    (original[name] as (h: unknown) => void)(h);
  };
  g.clearTimeout = clear('clearTimeout');
  g.clearInterval = clear('clearInterval');
  g.clearImmediate = clear('clearImmediate');
  return {
    live,
    restore: () => Object.assign(globalThis, original),
  };
}

describe('MConnection ping / pong', () => {
  it('answers a ping 02 0a 00 with a pong 02 12 00', async () => {
    const [x, raw] = await tcpPair();
    const { conn } = mconn(x, { channels: [channel(1)] });
    const reader = new RawReader(raw);
    raw.write(fromHex('020a00'));
    assert.equal(hex(await reader.read(3)), '021200');
    raw.write(fromHex('020a00'));
    assert.equal(hex(await reader.read(3)), '021200');
    assert.equal(conn.stats().pingsReceived, 2);
    assert.equal(conn.stats().pongsSent, 2);
    conn.close();
    raw.destroy();
  });

  it('answers a ping even while a large message is streaming out', async () => {
    const [x, raw] = await tcpPair();
    const { conn } = mconn(x, { channels: [channel(1)], sendRate: 0 });
    const reader = new RawReader(raw);
    conn.trySend(1, new Uint8Array(2_000_000).fill(0x55));
    for (let i = 0; i < 10; i++) assert.equal((await reader.readFrame())[0], 0x1a);
    raw.write(fromHex('020a00'));
    // The big message is still going out; the pong must show up among its packets, not after them
    // (our own send-window pings, 0a 00, may be among them too).
    let dataPackets = 0;
    for (;;) {
      const body = await reader.readFrame();
      if (hex(body) === '1200') break;
      if (hex(body) === '0a00') continue;
      assert.equal(body[0], 0x1a, 'only data packets (and our pings) before the pong');
      dataPackets++;
    }
    assert.ok(dataPackets < 1900, `pong came after ${dataPackets} more data packets`);
    conn.close();
    raw.destroy();
  });

  it('ignores unsolicited pongs', async () => {
    const [x, raw] = await tcpPair();
    const { conn, recorder } = mconn(x, { channels: [channel(1)] });
    raw.write(Buffer.concat([fromHex('021200'), fromHex('021200'), fromHex('061a0408011001')]));
    await recorder.waitFor(1);
    assert.equal(conn.isClosed, false);
    assert.equal(conn.stats().pongsReceived, 2);
    conn.close();
    raw.destroy();
  });

  it('pings every pingInterval and closes with PongTimeoutError when no pong comes', async () => {
    const [x, raw] = await tcpPair();
    const { conn } = mconn(x, { channels: [channel(1)], pingIntervalMs: 40, pongTimeoutMs: 20 });
    const reader = new RawReader(raw);
    assert.equal(hex(await reader.read(3)), '020a00');
    const reason = await conn.closed;
    assert.ok(reason instanceof PongTimeoutError, `got ${reason?.name}`);
    assert.match(reason.message, /20 ms/);
    raw.destroy();
  });

  it('stays open across many ping intervals when the peer answers', async () => {
    const [x, y] = await tcpPair();
    const opts = { channels: [channel(1)], pingIntervalMs: 50, pongTimeoutMs: 40 };
    const a = mconn(x, opts);
    const b = mconn(y, opts);
    while (a.conn.stats().pongsReceived < 3 || b.conn.stats().pongsReceived < 3) await sleep(20);
    assert.equal(a.conn.isClosed, false);
    assert.equal(b.conn.isClosed, false);
    a.conn.close();
    b.conn.close();
    await Promise.all([a.conn.closed, b.conn.closed]);
  });

  it('clears every timer it created on close and sends no ping afterwards', async () => {
    const [x, raw] = await tcpPair();
    raw.on('error', () => {});
    const reader = new RawReader(raw);
    const timers = trackTimers();
    // Keepalive deadlines live in the thread's shared ticker: one timer for every connection.
    const scheduledBefore = sharedKeepaliveTicker.size;
    let conn;
    try {
      conn = mconn(x, { channels: [channel(1)], pingIntervalMs: 30, pongTimeoutMs: 20, flushThrottleMs: 1000, recvRate: 1000 }).conn;
      // Pings from the peer push the receive side over its 100-bytes-per-sample allowance,
      // which arms the receive rate-limit timer.
      raw.write(Buffer.from(fromHex('020a00'.repeat(1000))));
      while (conn.stats().bytesReceived < 3000) await sleep(5);
      conn.trySend(1, new Uint8Array(10)); // arms the flush throttle timer
      assert.ok(timers.live.size >= 2, `timers armed: ${timers.live.size}`); // receive rate limit, flush throttle
      assert.equal(sharedKeepaliveTicker.size, scheduledBefore + 1, 'keepalive scheduled in the shared ticker');
      assert.ok(sharedKeepaliveTicker.armed);
      conn.close(new Error('test close'));
    } finally {
      timers.restore();
    }
    assert.equal(sharedKeepaliveTicker.size, scheduledBefore, 'keepalive unscheduled on close');
    // The ticker's one timer stays only while other connections (of other tests) are scheduled.
    const tickerTimer = sharedKeepaliveTicker.armed ? 1 : 0;
    assert.ok(timers.live.size <= tickerTimer, `timers still live after close: ${[...timers.live.values()].join(', ')}`);
    if (scheduledBefore === 0) assert.equal(sharedKeepaliveTicker.armed, false, 'no timer armed while nothing is scheduled');
    assert.equal((await conn.closed)?.message, 'test close');
    // No write may happen after close: bytesSent stays put while pings would have fired
    // (30 ms interval), and the peer never sees more than was written before close.
    const sentAtClose = conn.stats().bytesSent;
    const peerClosed = new Promise((r) => raw.once('close', r));
    await sleep(100);
    assert.equal(conn.stats().bytesSent, sentAtClose);
    await peerClosed;
    assert.ok(reader.received.length <= sentAtClose, `peer got ${reader.received.length} > ${sentAtClose} bytes`);
    raw.destroy();
  });
});
