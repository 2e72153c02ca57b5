import assert from 'node:assert/strict';
import { retryDelay } from '../../../../framework/peer/retry.js';

const opts = { minRetryTimeMs: 250, maxRetryTimeMs: 10_000, maxRetryTimePersistentMs: 2000 };

describe('retryDelay', () => {
  it('is 0 without failures', () => {
    assert.equal(retryDelay(0, false, 500, opts), 0);
  });

  it('doubles from minRetryTimeMs with each failure', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((f) => retryDelay(f, false, 0, opts)), [250, 500, 1000, 2000, 4000]);
  });

  it('adds the jitter and caps the total at maxRetryTimeMs', () => {
    assert.equal(retryDelay(2, false, 123, opts), 623);
    assert.equal(retryDelay(6, false, 0, opts), 8000);
    assert.equal(retryDelay(6, false, 2999, opts), 10_000);
    assert.equal(retryDelay(60, false, 0, opts), 10_000);
    assert.equal(retryDelay(100_000, false, 0, opts), 10_000);
  });

  it('caps persistent peers at maxRetryTimePersistentMs, or maxRetryTimeMs when that is 0', () => {
    assert.equal(retryDelay(10, true, 0, opts), 2000);
    assert.equal(retryDelay(10, true, 0, { ...opts, maxRetryTimePersistentMs: 0 }), 10_000);
  });

  it('is uncapped when maxRetryTimeMs is 0', () => {
    assert.equal(retryDelay(20, false, 0, { ...opts, maxRetryTimeMs: 0 }), 250 * 2 ** 19);
    const huge = retryDelay(5000, false, 0, { ...opts, maxRetryTimeMs: 0 });
    assert.ok(Number.isFinite(huge) && huge > 1e300, String(huge));
  });

  it('never retries non-persistent peers when minRetryTimeMs is 0, but still retries persistent ones', () => {
    const off = { ...opts, minRetryTimeMs: 0 };
    assert.equal(retryDelay(1, false, 0, off), Infinity);
    assert.equal(retryDelay(0, false, 0, off), 0);
    assert.equal(retryDelay(1, true, 0, off), 250);
    assert.equal(retryDelay(30, true, 0, off), 2000);
  });
});
