import assert from 'node:assert/strict';
import { RateLimiter } from '../../../../../../plugins/transports/mconn/mconnection/index.js';

class FakeClock {
  now = 1000;
  readonly read = (): number => this.now;
}

describe('mconnection RateLimiter', () => {
  it('allows round(rate × 0.1 s) bytes per 100 ms sample', () => {
    assert.equal(new RateLimiter(5_120_000, () => 0).bytesPerSample, 512_000);
    assert.equal(new RateLimiter(512_000, () => 0).bytesPerSample, 51_200);
    assert.equal(new RateLimiter(15, () => 0).bytesPerSample, 2); // 1.5 rounds up
    assert.equal(new RateLimiter(1, () => 0).bytesPerSample, 1); // never zero
  });

  it('lets a transfer start while the sample is under its allowance, then waits for the next sample', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10_000, clock.read); // 1000 bytes / sample
    assert.equal(limiter.delayMs(), 0);
    assert.equal(limiter.allowance(), 1000);
    limiter.consume(600);
    assert.equal(limiter.delayMs(), 0);
    assert.equal(limiter.allowance(), 400);
    limiter.consume(400);
    assert.equal(limiter.delayMs(), 100);
    clock.now += 30;
    assert.equal(limiter.delayMs(), 70);
    clock.now += 70;
    assert.equal(limiter.delayMs(), 0);
    assert.equal(limiter.allowance(), 1000);
  });

  it('carries an overshoot into later samples so the long-run rate holds', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10_000, clock.read);
    limiter.consume(3500); // 3.5 samples' worth in one go
    assert.equal(limiter.delayMs(), 300);
    clock.now += 250;
    assert.equal(limiter.delayMs(), 50);
    clock.now += 50;
    assert.equal(limiter.delayMs(), 0);
    assert.equal(limiter.allowance(), 500);
  });

  it('moves at most rate × time bytes when driven by a greedy sender', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(50_000, clock.read);
    let sent = 0;
    const start = clock.now;
    while (clock.now - start < 10_000) {
      const delay = limiter.delayMs();
      if (delay > 0) {
        clock.now += delay;
        continue;
      }
      const n = Math.min(1034, limiter.allowance());
      limiter.consume(n);
      sent += n;
    }
    assert.ok(sent <= 50_000 * 10 + 5000, `sent ${sent}`);
    assert.ok(sent >= 50_000 * 10 - 5000, `sent ${sent}`);
  });

  it('forgets idle time beyond the current sample (no burst credit)', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(10_000, clock.read);
    clock.now += 60_000;
    assert.equal(limiter.allowance(), 1000);
    limiter.consume(1000);
    assert.ok(limiter.delayMs() > 0);
  });

  it('treats 0 as unlimited', () => {
    const limiter = new RateLimiter(0, () => 0);
    limiter.consume(1e12);
    assert.equal(limiter.unlimited, true);
    assert.equal(limiter.delayMs(), 0);
    assert.equal(limiter.allowance(), Infinity);
  });

  it('rejects negative or non-finite rates', () => {
    assert.throws(() => new RateLimiter(-1), RangeError);
    assert.throws(() => new RateLimiter(Number.NaN), RangeError);
    assert.throws(() => new RateLimiter(Infinity), RangeError);
  });
});
