import assert from 'node:assert/strict';
import { loadConfig } from '../../../../node/config/loader.js';
import { DEFAULT_MEMPOOL_OPTIONS, resolveMempoolOptions } from '../../../../reactors/mempool/options.js';
import { MempoolOptionsError } from '../../../../reactors/mempool/errors.js';
import { ConfigError } from '../../../../node/config/errors.js';
import { rejectsWith } from '../../../support/rejects-with.js';

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

  it('has its keys checked when the config loads, a bad one a ConfigError naming the key', async () => {
    const tooBig = await rejectsWith(loadConfig({ set: { 'reactors.mempool.max_tx_bytes': '200000000' } }), ConfigError);
    assert.match(tooBig.message, /"reactors\.mempool\.max_tx_bytes" = 200000000 is invalid: expected an integer from 1 to 104857600/);
    const typo = await rejectsWith(loadConfig({ set: { 'reactors.mempool.max_tx_byte': '1' } }), ConfigError);
    assert.match(typo.message, /unknown config key "reactors\.mempool\.max_tx_byte"/);
    const relay = await rejectsWith(loadConfig({ values: { reactors: { mempool: { relay: 'yes' } } } }), ConfigError);
    assert.match(relay.message, /reactors\.mempool\.relay.*expected true or false/);
  });

  it('rejects bad values, naming the option', () => {
    const bad: Array<[object, RegExp]> = [
      [{ maxTxBytes: 104_857_601 }, /maxTxBytes.*from 1 to 104857600/],
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
