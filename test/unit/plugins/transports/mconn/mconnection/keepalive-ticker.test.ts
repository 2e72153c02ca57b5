import assert from 'node:assert/strict';
import { KeepaliveTicker, MAX_GRID_MS, gridFor, type TickerEntry, type TickerTimers } from '../../../../../../plugins/transports/mconn/mconnection/keepalive-ticker.js';

/** Fake time: timers run when advance() passes their time, in time order; counts wake-ups. */
export class FakeTime implements TickerTimers {
  now = 1_000;
  wakeups = 0;
  created = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  readonly clock = (): number => this.now;

  set(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.created++;
    this.pending.set(id, { at: this.now + delayMs, callback });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      this.pending.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      this.wakeups++;
      next[1].callback();
    }
    this.now = end;
  }
}

class Recorder implements TickerEntry {
  tickerSlot: number | undefined = undefined;
  readonly ticks: number[] = [];
  constructor(private readonly then: (now: number) => void = () => {}) {}
  onTick(now: number): void {
    this.ticks.push(now);
    this.then(now);
  }
}

describe('KeepaliveTicker', () => {
  it('rounds deadlines to a power-of-two grid of at most 1/32 of the duration, within 1..1024 ms', () => {
    assert.equal(gridFor(60_000), MAX_GRID_MS);
    assert.equal(gridFor(45_000), MAX_GRID_MS);
    assert.equal(gridFor(3_200), 64);
    assert.equal(gridFor(40), 1);
    assert.equal(gridFor(1), 1);
    for (const d of [1, 7, 33, 100, 999, 5_000, 31_000, 1e9]) {
      const g = gridFor(d);
      assert.ok(g >= 1 && g <= MAX_GRID_MS && (g === 1 || g <= d / 32), `grid ${g} for ${d} ms`);
      assert.equal(g & (g - 1), 0, 'a power of two');
    }
  });

  it('fires every deadline of one grid tick in one wake-up, never before its time and at most one grid late', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    const entries = Array.from({ length: 100 }, () => new Recorder());
    const due = entries.map((_, i) => time.now + 5_000 + i * 7); // spread over 700 ms
    entries.forEach((e, i) => ticker.schedule(e, due[i]!, 1024));
    assert.equal(time.armed, 1, 'one timer for all of them');
    time.advance(10_000);
    entries.forEach((e, i) => {
      assert.equal(e.ticks.length, 1);
      assert.ok(e.ticks[0]! >= due[i]!, 'not early');
      assert.ok(e.ticks[0]! < due[i]! + 1024, 'at most one grid late');
    });
    assert.ok(time.wakeups <= 2, `${time.wakeups} wake-ups for 100 deadlines within 700 ms`);
    assert.equal(ticker.size, 0);
    assert.equal(time.armed, 0, 'no timer armed while nothing is scheduled');
  });

  it('disarms when the last entry is cancelled and re-arms for an earlier deadline', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    const a = new Recorder();
    const b = new Recorder();
    ticker.schedule(a, time.now + 10_000, 1);
    ticker.schedule(b, time.now + 2_000, 1);
    assert.equal(time.armed, 1);
    time.advance(2_000);
    assert.deepEqual([a.ticks.length, b.ticks.length], [0, 1]);
    ticker.cancel(a);
    ticker.cancel(a); // idempotent
    assert.equal(ticker.size, 0);
    assert.equal(ticker.armed, false);
    assert.equal(time.armed, 0);
    time.advance(20_000);
    assert.equal(a.ticks.length, 0);
  });

  it('moves an entry rather than filing it twice', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    const a = new Recorder();
    for (let i = 0; i < 1_000; i++) ticker.schedule(a, time.now + 1_000 + (i % 50) * 10, 1);
    assert.equal(ticker.size, 1);
    time.advance(5_000);
    assert.equal(a.ticks.length, 1);
  });

  it('skips an entry cancelled by an earlier callback of the same tick, and keeps ticking after a callback throws', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    const victim = new Recorder();
    const canceller = new Recorder(() => ticker.cancel(victim));
    const thrower = new Recorder(() => {
      throw new Error('boom');
    });
    const after = new Recorder();
    ticker.schedule(canceller, time.now + 100, 64);
    ticker.schedule(thrower, time.now + 100, 64);
    ticker.schedule(victim, time.now + 100, 64);
    ticker.schedule(after, time.now + 100, 64);
    const later = new Recorder();
    ticker.schedule(later, time.now + 5_000, 64);
    assert.throws(() => time.advance(1_000), /boom/);
    assert.deepEqual([canceller.ticks.length, thrower.ticks.length, victim.ticks.length, after.ticks.length], [1, 1, 0, 1]);
    assert.equal(ticker.size, 1, 'the later entry is still scheduled');
    assert.equal(time.armed, 1, 'and the timer re-armed for it');
    time.advance(5_000);
    assert.equal(later.ticks.length, 1);
  });

  it('never asks for a timer beyond 2^31-1 ms (Node would fire it after 1 ms)', () => {
    const time = new FakeTime();
    const delays: number[] = [];
    const ticker = new KeepaliveTicker(time.clock, { set: (cb, ms) => (delays.push(ms), time.set(cb, ms)), clear: (h) => time.clear(h) });
    const e = new Recorder();
    ticker.schedule(e, time.now + 2_147_483_647, 1024);
    time.advance(2_147_483_647);
    assert.equal(e.ticks.length, 0);
    time.advance(1024);
    assert.equal(e.ticks.length, 1);
    assert.ok(delays.every((d) => d >= 1 && d <= 2_147_483_647), `delays ${delays.join(', ')}`);
    assert.equal(delays.length, 2, 'one step to the limit, one for the rest');
  });

  it('sends an entry rescheduled at or before the running tick to a later tick', () => {
    const time = new FakeTime();
    const ticker = new KeepaliveTicker(time.clock, time);
    let again = true;
    const e: Recorder = new Recorder((now) => {
      if (again) ticker.schedule(e, now - 50, 16);
      again = false;
    });
    ticker.schedule(e, 1_100, 16); // the tick at 1,104
    time.advance(104);
    assert.deepEqual(e.ticks, [1_104], 'not run twice in one tick');
    time.advance(16);
    assert.deepEqual(e.ticks, [1_104, 1_120]);
    assert.equal(e.ticks.length, 2);
  });
});
