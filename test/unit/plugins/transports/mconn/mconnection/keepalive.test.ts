import assert from 'node:assert/strict';
import { Keepalive } from '../../../../../../plugins/transports/mconn/mconnection/keepalive.js';
import { KeepaliveTicker } from '../../../../../../plugins/transports/mconn/mconnection/keepalive-ticker.js';
import { FakeTime } from './keepalive-ticker.test.js';

/** CometBFT's defaults: ping every 60 s, pong within 45 s. */
const INTERVAL = 60_000;
const TIMEOUT = 45_000;
const GRID = 1024;

function rig() {
  const time = new FakeTime();
  const ticker = new KeepaliveTicker(time.clock, time);
  const pings: number[] = [];
  const timeouts: number[] = [];
  let keepalive!: Keepalive;
  // As MConnection does: a requested ping is written (pingSent) at once.
  keepalive = new Keepalive(INTERVAL, TIMEOUT, () => {
    pings.push(time.now);
    keepalive.pingSent();
  }, () => timeouts.push(time.now), ticker);
  return { time, ticker, keepalive, pings, timeouts, start: time.now };
}

describe('Keepalive (on the shared ticker)', () => {
  it('pings on the interval cadence, never early and at most one grid late, while pongs come', () => {
    const { time, keepalive, pings, timeouts, start } = rig();
    const advanceTo = (t: number) => time.advance(t - time.now);
    for (let n = 1; n <= 5; n++) {
      advanceTo(start + n * INTERVAL - 1);
      assert.equal(pings.length, n - 1);
      advanceTo(start + n * INTERVAL + GRID);
      assert.equal(pings.length, n);
      const at = pings[n - 1]!;
      assert.ok(at >= start + n * INTERVAL && at < start + n * INTERVAL + GRID, `ping ${n} at +${at - start} ms`);
      time.advance(500);
      keepalive.pongReceived();
    }
    assert.deepEqual(timeouts, []);
  });

  it('times out when the pong does not come: not before the timeout, at most one grid after', () => {
    const { time, pings, timeouts } = rig();
    time.advance(INTERVAL + GRID);
    assert.equal(pings.length, 1);
    const sent = pings[0]!;
    time.advance(TIMEOUT - GRID - 1);
    assert.deepEqual(timeouts, []);
    time.advance(2 * GRID + 1);
    assert.equal(timeouts.length, 1);
    assert.ok(timeouts[0]! >= sent + TIMEOUT && timeouts[0]! < sent + TIMEOUT + GRID);
  });

  it('times out a ping someone else wrote (the send window) just the same', () => {
    const { time, keepalive, timeouts } = rig();
    time.advance(1_000);
    keepalive.pingSent();
    time.advance(TIMEOUT + GRID);
    assert.equal(timeouts.length, 1);
  });

  it('stops: nothing scheduled, no timer armed, no more pings', () => {
    const { time, ticker, keepalive, pings, timeouts } = rig();
    assert.equal(ticker.size, 1);
    keepalive.stop();
    assert.equal(ticker.size, 0);
    assert.equal(time.armed, 0);
    time.advance(10 * INTERVAL);
    assert.deepEqual([pings.length, timeouts.length], [0, 0]);
  });

  it('serves 5,000 connections with about one wake-up per grid tick, not one per ping', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    let pings = 0;
    const all: Keepalive[] = [];
    // Connections arrive over 6 s, as in the idle-connections bench; every peer answers within 50 ms.
    for (let i = 0; i < 5_000; i++) {
      if (i % 5 === 0) time.advance(6);
      const k: Keepalive = new Keepalive(INTERVAL, TIMEOUT, () => {
        pings++;
        k.pingSent();
      }, () => assert.fail('no timeout expected'), ticker);
      all.push(k);
    }
    const wakeupsBefore = time.wakeups;
    for (let s = 0; s < 130; s++) {
      time.advance(1_000);
      // Answer every outstanding ping (a pong with none outstanding is ignored).
      for (const k of all) k.pongReceived();
    }
    assert.equal(pings, 10_000, 'two pings per connection in 130 s');
    const wakeups = time.wakeups - wakeupsBefore;
    assert.ok(wakeups <= 140, `${wakeups} wake-ups for 10,000 pings`);
    for (const k of all) k.stop();
    assert.equal(time.armed, 0);
  });
});
