import assert from 'node:assert/strict';
import { loadConfig } from '../../../../node/config/loader.js';
import { DEFAULT_PEX_OPTIONS, resolvePexOptions } from '../../../../reactors/pex/options.js';
import { PexOptionsError } from '../../../../reactors/pex/errors.js';
import { nid } from './helpers.js';

describe('PEX options', () => {
  it('has CometBFT-derived defaults', () => {
    const o = resolvePexOptions(undefined);
    assert.equal(o.requestIntervalMs, 30_000);
    assert.equal(o.needAddressThreshold, 1000);
    assert.equal(o.maxAddressesAccepted, 250);
    assert.equal(o.maxAddressesSent, 250);
    assert.equal(o.seedMode, false);
    assert.deepEqual(o.seeds, []);
    assert.equal(o.banDurationMs, 24 * 3_600_000);
    assert.equal(o.privateAddresses, 'from-private-peers');
    assert.equal(o.learnInboundListenAddr, true);
    assert.equal(DEFAULT_PEX_OPTIONS.seedDisconnectDelayMs, 500);
  });

  it('caps the need-address threshold, default or given, at the PeerManager maxPeers', () => {
    assert.equal(resolvePexOptions({}, 50).needAddressThreshold, 50);
    assert.equal(resolvePexOptions({}, 5000).needAddressThreshold, 1000);
    assert.equal(resolvePexOptions({ needAddressThreshold: 7 }, 50).needAddressThreshold, 7);
    assert.equal(resolvePexOptions({ needAddressThreshold: 1000 }, 50).needAddressThreshold, 50);
    assert.equal(resolvePexOptions({ needAddressThreshold: 0 }, 50).needAddressThreshold, 0);
  });

  it('takes every option from config.toml, where default.toml lists them all with their defaults', async () => {
    const config = await loadConfig({ set: { 'reactors.pex.request_interval_ms': '12s', 'reactors.pex.seeds': `${nid(1)}@10.0.0.1:26656`, 'reactors.pex.seed_mode': 'true' } });
    const o = resolvePexOptions(config.reactors.options.pex as never, config.p2p.maxPeers);
    assert.equal(o.requestIntervalMs, 12_000);
    assert.equal(o.seedMode, true);
    assert.deepEqual(o.seeds.map(String), [`mconn://${nid(1)}@10.0.0.1:26656`]);
    // Every default in default.toml is the reactor's own default.
    const defaults = resolvePexOptions((await loadConfig({})).reactors.options.pex as never, 0);
    assert.deepEqual(defaults, resolvePexOptions({}, 0));
  });

  it('accepts duration strings and parses seeds', () => {
    const o = resolvePexOptions({ requestIntervalMs: '1m', banDurationMs: '0', seeds: [`${nid(1)}@seed.example:26656`, `memory:${nid(2)}`] });
    assert.equal(o.requestIntervalMs, 60_000);
    assert.equal(o.banDurationMs, 0);
    assert.deepEqual(o.seeds.map(String), [`mconn://${nid(1)}@seed.example:26656`, `memory:${nid(2)}`]);
  });

  it('rejects bad values, naming the option', () => {
    const bad: Array<[object, RegExp]> = [
      [{ requestIntervalMs: 0 }, /requestIntervalMs.*at least 1/],
      [{ requestIntervalMs: 'soon' }, /requestIntervalMs.*invalid duration/],
      [{ maxAddressesAccepted: 0 }, /maxAddressesAccepted/],
      [{ maxAddressesSent: 1.5 }, /maxAddressesSent/],
      [{ seedMode: 'yes' }, /seedMode.*true or false/],
      [{ seeds: 'abc@host:1' }, /seeds.*list/],
      [{ seeds: ['not-an-address'] }, /seeds.*"not-an-address"/],
      [{ privateAddresses: 'sometimes' }, /privateAddresses.*accept, from-private-peers, reject/],
      [{ requestInterval: '30s' }, /unknown option/],
    ];
    for (const [input, message] of bad) {
      assert.throws(() => resolvePexOptions(input as never), (e: Error) => e instanceof PexOptionsError && message.test(e.message), JSON.stringify(input));
    }
  });
});
