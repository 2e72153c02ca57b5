import assert from 'node:assert/strict';
import { pollUntil, sleep } from '../../../interop/support/poll.js';

describe('interop-support: pollUntil', () => {
  it('resolves with the first defined value, treating thrown errors as "not yet"', async () => {
    let calls = 0;
    const value = await pollUntil(
      async () => {
        calls++;
        if (calls === 1) throw new Error('RPC not up yet');
        return calls === 3 ? 'ready' : undefined;
      },
      () => 'unused',
      { intervalMs: 1, timeoutMs: 10_000 },
    );
    assert.equal(value, 'ready');
    assert.equal(calls, 3);
  });

  it('times out with the description and the last probe error as cause', async () => {
    const last = new Error('connection refused');
    await assert.rejects(
      pollUntil(async () => Promise.reject(last), (e) => `node never answered (${(e as Error).message})`, { intervalMs: 5, timeoutMs: 20 }),
      (e: Error) => e.name === 'CometBFTWaitTimeoutError' && /node never answered \(connection refused\)/.test(e.message) && e.cause === last,
    );
  });

  it('stops with AbortError when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = pollUntil(async () => undefined, () => 'x', { intervalMs: 1000, timeoutMs: 60_000, signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(sleep(10, AbortSignal.abort()), { name: 'AbortError' });
  });
});
