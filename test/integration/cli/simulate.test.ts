import assert from 'node:assert/strict';
import { tmp2p as run } from '../../support/cli.js';

const tmp2p = (args: string[]) => run(args, { timeoutMs: 90_000 });

describe('tmp2p simulate', function () {
  this.timeout(90_000);

  it('runs 30 nodes from 2 seeds and ends with one JSON summary line', async () => {
    const result = await tmp2p(['simulate', '--nodes', '30', '--seeds', '2', '--duration', '20', '--latency', '5ms', '--jitter', '5ms', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'with --json nothing but the summary goes to stdout');
    const s = JSON.parse(lines[0]!);
    assert.equal(s.nodes, 30);
    assert.equal(s.seeds, 2);
    assert.deepEqual(s.link, { latencyMs: 5, jitterMs: 5, lossPercent: 0 });
    assert.equal(s.convergence.converged, true, JSON.stringify(s.timeline));
    // At its outbound target, or connected to all 29 others (nobody left to dial).
    assert.equal(s.atConvergence.atOutboundTarget + s.atConvergence.saturated, 30);
    assert.equal(s.atConvergence.connected, true);
    assert.ok(s.atConvergence.diameterEstimate >= 1);
    assert.equal(s.broadcast.reached, 30);
    assert.ok(s.broadcast.timeMs >= 5, 'a flood over 5 ms links takes at least one hop of latency');
    assert.ok(s.heap.perNodeMB > 0);
    assert.equal(s.churn, null);
    assert.equal(s.final.connected, true);
    assert.ok(s.durationS >= 19.5);
    // How many samples fit in the run depends on how busy the machine is; what each says does not.
    assert.ok(s.timeline.length >= 1, 'connectivity was sampled');
    for (const [i, sample] of s.timeline.entries()) {
      assert.equal(sample.running, 30, `sample ${i}: every node runs (no churn)`);
      assert.equal(sample.joining, 0);
      assert.ok(i === 0 || sample.tS > s.timeline[i - 1].tS, 'samples are in time order');
    }
    assert.equal(s.messages.sent, s.messages.delivered + s.messages.lost + s.messages.discarded + s.messages.inFlight);
    assert.equal(s.loopErrors, 0);
  });

  it('rejects bad arguments with a clear message and exit code 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--nodes', 'lots'], /--nodes must be an integer from 2 to 5000, got "lots"/],
      [['--nodes', '1'], /--nodes must be an integer from 2 to 5000, got "1"/],
      [['--churn', '150'], /--churn must be a number from 0 to 100, got "150"/],
      [['--churn', '-1'], /--churn must be a number from 0 to 100/],
      [['--loss', 'some'], /--loss must be a number from 0 to 100/],
      [['--latency', 'slow'], /--latency must be a duration such as "50ms" or "2s", got "slow"/],
      [['--nodes', '5', '--seeds', '5'], /SimulationOptionsError: simulation option "seeds" = 5 is invalid: expected an integer from 1 to 4/],
      [['--nodes', '5', '--set', 'p2p.max_connections=many'], /ConfigError: --set p2p\.max_connections/],
    ];
    for (const [args, message] of cases) {
      const result = await tmp2p(['simulate', '--duration', '1', ...args]);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });
});
