import assert from 'node:assert/strict';
import { AttemptWindow } from '../../../../plugins/gating/attempt-window.js';
import { FakeClock } from '../../../support/fakes.js';

describe('gating: incoming connection window', () => {
  let clock: FakeClock;
  beforeEach(() => (clock = new FakeClock()));

  it('refuses a reconnect within the window once the IP has nothing open, and admits it after the window', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 10 }, clock);
    assert.equal(window.admit('10.0.0.1'), undefined);
    window.release('10.0.0.1');
    clock.advance(40);
    const denial = window.admit('10.0.0.1');
    assert.equal(denial?.reason, 'attempt-window');
    assert.match(denial!.message, /10\.0\.0\.1 connected 40 ms ago; once per 100 ms/);
    clock.advance(59);
    assert.equal(window.admit('10.0.0.1')?.reason, 'attempt-window', 'still inside the window at 99 ms');
    clock.advance(1);
    assert.equal(window.admit('10.0.0.1'), undefined, 'allowed at 100 ms');
  });

  it('does not restart the window on refused attempts: a flood is locked out for one window, not forever', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 10 }, clock);
    window.admit('10.0.0.1');
    window.release('10.0.0.1');
    for (let t = 0; t < 99; t += 3) {
      clock.t = 1_000_000 + t;
      assert.equal(window.admit('10.0.0.1')?.reason, 'attempt-window');
    }
    clock.t = 1_000_100;
    assert.equal(window.admit('10.0.0.1'), undefined);
  });

  it('does not hold an IP that already has an inbound connection open to the window (Tendermint v0.35)', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 10 }, clock);
    assert.equal(window.admit('10.0.0.1'), undefined);
    clock.advance(1);
    assert.equal(window.admit('10.0.0.1'), undefined, 'a second node behind the same address');
    window.release('10.0.0.1');
    clock.advance(1);
    assert.equal(window.admit('10.0.0.1'), undefined, 'one is still open');
    window.release('10.0.0.1');
    window.release('10.0.0.1');
    clock.advance(1);
    assert.equal(window.admit('10.0.0.1')?.reason, 'attempt-window', 'all closed: the window since the last admission applies');
  });

  it('windows IPs independently', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 10 }, clock);
    window.admit('10.0.0.1');
    window.release('10.0.0.1');
    assert.equal(window.admit('10.0.0.2'), undefined);
    assert.equal(window.admit('10.0.0.1')?.reason, 'attempt-window');
  });

  it('is off with a window of 0 and remembers nothing', () => {
    const window = new AttemptWindow({ windowMs: 0, maxTrackedIps: 10 }, clock);
    for (let i = 0; i < 5; i++) {
      assert.equal(window.admit('10.0.0.1'), undefined);
      window.release('10.0.0.1');
    }
    assert.equal(window.stats().tracked, 0);
  });

  it('drops an entry on release once its window has passed', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 10 }, clock);
    window.admit('10.0.0.1');
    clock.advance(500);
    window.release('10.0.0.1');
    assert.equal(window.stats().tracked, 0);
  });

  it('stays within max_tracked_ips while addresses cycle, dropping expired entries first and counting evictions', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 50 }, clock);
    for (let i = 0; i < 10_000; i++) {
      const ip = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
      assert.equal(window.admit(ip), undefined);
      window.release(ip);
      assert.ok(window.stats().tracked! <= 50);
    }
    assert.deepEqual(window.stats(), { tracked: 50, capacity: 50, evictions: 10_000 - 50 });

    // Expired entries make room without an eviction.
    const fresh = new AttemptWindow({ windowMs: 100, maxTrackedIps: 3 }, clock);
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      fresh.admit(ip);
      fresh.release(ip);
    }
    clock.advance(100);
    fresh.admit('4.4.4.4');
    assert.deepEqual(fresh.stats(), { tracked: 1, capacity: 3, evictions: 0 });
  });

  it('an evicted IP simply starts over (a missed window, never a wrong refusal)', () => {
    const window = new AttemptWindow({ windowMs: 100, maxTrackedIps: 2 }, clock);
    window.admit('1.1.1.1');
    window.release('1.1.1.1');
    window.admit('2.2.2.2');
    window.admit('3.3.3.3'); // forgets 1.1.1.1
    assert.equal(window.stats().evictions, 1);
    assert.equal(window.admit('1.1.1.1'), undefined);
    window.release('9.9.9.9'); // releasing an unknown IP is harmless
  });
});
