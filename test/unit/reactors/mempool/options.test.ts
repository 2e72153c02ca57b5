import assert from 'node:assert/strict';
import { loadConfig } from '../../../../node/config/loader.js';
import { DEFAULT_MEMPOOL_OPTIONS, resolveMempoolOptions } from '../../../../reactors/mempool/options.js';
import { MempoolOptionsError } from '../../../../reactors/mempool/errors.js';

describe('mempool options', () => {
  it('has CometBFT-derived defaults', () => {
    const o = resolveMempoolOptions(undefined);
    assert.equal(o.maxTxBytes, 1_048_576);
    assert.equal(o.seenCacheSize, 10_000);
    assert.equal(o.relay, false);
    assert.equal(o.maxTxsPerSecond, 1_000);
    assert.equal(o.maxTxsBurst, 10_000);
    assert.equal(o.banDurationMs, 0);
    assert.equal(DEFAULT_MEMPOOL_OPTIONS.banDurationMs, 0);
  });

  it('takes every option from config.toml, where default.toml lists them all with their defaults', async () => {
    const config = await loadConfig({ set: { 'reactors.mempool.max_txs_burst': '20', 'reactors.mempool.relay': 'true', 'reactors.mempool.ban_duration_ms': '"5m"' } });
    const o = resolveMempoolOptions(config.reactors.options['mempool'] as never);
    assert.equal(o.maxTxsBurst, 20);
    assert.equal(o.relay, true);
    assert.equal(o.banDurationMs, 300_000);
    const defaults = resolveMempoolOptions((await loadConfig({})).reactors.options['mempool'] as never);
    assert.deepEqual(defaults, resolveMempoolOptions({}));
  });

  it('rejects bad values, naming the option', () => {
    const bad: Array<[object, RegExp]> = [
      [{ maxTxBytes: 1_048_577 }, /maxTxBytes.*from 1 to 1048576/],
      [{ maxTxBytes: 0 }, /maxTxBytes/],
      [{ seenCacheSize: 1.5 }, /seenCacheSize/],
      [{ relay: 'yes' }, /relay.*true or false/],
      [{ maxTxsPerSecond: 0 }, /maxTxsPerSecond/],
      [{ maxTxsBurst: -1 }, /maxTxsBurst/],
      [{ banDurationMs: 'forever' }, /banDurationMs.*invalid duration/],
      [{ maxTxs: 5 }, /unknown option/],
    ];
    for (const [input, message] of bad) {
      assert.throws(() => resolveMempoolOptions(input as never), (e: Error) => e instanceof MempoolOptionsError && message.test(e.message), JSON.stringify(input));
    }
  });
});
