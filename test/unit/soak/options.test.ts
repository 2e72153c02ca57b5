import assert from 'node:assert/strict';
import { DEFAULT_SOAK_OPTIONS, parseSoakArgs, resolveSoakOptions, SoakOptionsError } from '../../support/soak/options.js';

describe('soak options', () => {
  it('reads the flags, in both --flag value and --flag=value forms', () => {
    const { options, json } = parseSoakArgs(['--duration', '3600', '--nodes=6', '--seed', '7', '--json', '--idle-holds', '4', '--attack-pause=50']);
    assert.equal(json, true);
    assert.equal(options.durationS, 3600);
    assert.equal(options.nodes, 6);
    assert.equal(options.seed, 7);
    assert.equal(options.attack.idleHoldsPerNode, 4);
    assert.equal(options.attack.pauseMs, 50);
    assert.equal(options.attack.churnWorkers, DEFAULT_SOAK_OPTIONS.attack.churnWorkers);
    assert.equal(options.progress, false, '--json keeps stderr quiet too');
  });

  it('keeps the defaults for what is not given', () => {
    const { options, json } = parseSoakArgs([]);
    assert.equal(json, false);
    assert.deepEqual({ ...options, progress: DEFAULT_SOAK_OPTIONS.progress }, DEFAULT_SOAK_OPTIONS);
  });

  it('refuses unknown flags, missing or non-numeric values and values out of range, naming them', () => {
    const refuses = (argv: string[], pattern: RegExp) => assert.throws(() => parseSoakArgs(argv), (e: Error) => e instanceof SoakOptionsError && pattern.test(e.message));
    refuses(['--durations', '5'], /unknown option --durations/);
    refuses(['--duration'], /--duration needs a number, got nothing/);
    refuses(['--nodes', 'four'], /--nodes needs a number, got "four"/);
    refuses(['--nodes', '1'], /nodes must be an integer from 2 to 32, got 1/);
    refuses(['--nodes', '2.5'], /nodes must be an integer/);
    refuses(['--burst-messages', '0'], /attack.burstMessages must be an integer from 1/);
    assert.throws(() => resolveSoakOptions({ durationS: Number.POSITIVE_INFINITY }), SoakOptionsError);
  });
});
