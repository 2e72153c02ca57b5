import assert from 'node:assert/strict';
import { DEFAULT_SIMULATION_OPTIONS, resolveSimulationOptions } from '../../../../node/simulation/options.js';
import { virtualIpOf } from '../../../../node/simulation/simulated-network.js';

describe('simulation options', () => {
  it('fills in defaults: 10 outbound and 40 inbound slots, CometBFT PEX pacing, no churn', () => {
    const o = resolveSimulationOptions({ nodes: 50 });
    assert.equal(o.nodes, 50);
    assert.equal(o.outbound, 10);
    assert.equal(o.inbound, 40);
    assert.equal(o.pexIntervalMs, 30_000);
    assert.equal(o.churnPercent, 0);
    assert.equal(resolveSimulationOptions().nodes, DEFAULT_SIMULATION_OPTIONS.nodes);
  });

  it('rejects out-of-range and unknown options, naming them', () => {
    const bad: Array<[object, RegExp]> = [
      [{ nodes: 1 }, /"nodes" = 1 is invalid: expected an integer from 2 to 5000/],
      [{ nodes: 2.5 }, /"nodes" = 2.5 is invalid/],
      [{ nodes: 10, seeds: 10 }, /"seeds" = 10 is invalid: expected an integer from 1 to 9/],
      [{ seeds: 0 }, /"seeds" = 0/],
      [{ churnPercent: 101 }, /"churnPercent" = 101 is invalid: expected a number from 0 to 100/],
      [{ lossPercent: -5 }, /"lossPercent" = -5/],
      [{ durationS: 0 }, /"durationS" = 0/],
      [{ latencyMs: Number.NaN }, /"latencyMs" = null/],
      [{ set: { 'p2p.laddr': 5 } }, /"set" must map config keys to string values/],
      [{ reactors: ['EchoReactor'] }, /"reactors" must be a list of reactor classes/],
      [{ churn: 5 }, /simulation option "churn" is unknown; known options: nodes, seeds/],
    ];
    for (const [input, message] of bad) {
      assert.throws(() => resolveSimulationOptions(input as never), { name: 'SimulationOptionsError', message }, JSON.stringify(input));
    }
  });

  it('gives every node its own virtual IP in 10.0.0.0/8', () => {
    assert.equal(virtualIpOf(0), '10.0.0.1');
    assert.equal(virtualIpOf(254), '10.0.0.255');
    assert.equal(virtualIpOf(255), '10.0.1.0');
    assert.equal(virtualIpOf(4999), '10.0.19.136');
    const ips = new Set(Array.from({ length: 5000 }, (_, i) => virtualIpOf(i)));
    assert.equal(ips.size, 5000);
  });
});
