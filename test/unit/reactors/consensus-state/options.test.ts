import assert from 'node:assert/strict';
import { resolveConsensusStateOptions } from '../../../../reactors/consensus-state/options.js';

describe('resolveConsensusStateOptions', () => {
  it('fills in the documented defaults', () => {
    assert.deepEqual(resolveConsensusStateOptions(undefined), { initialHeight: 1, announce: true, minAnnounceIntervalMs: 200 });
  });

  it('takes a duration string', () => {
    assert.equal(resolveConsensusStateOptions({ minAnnounceIntervalMs: '1s' }).minAnnounceIntervalMs, 1_000);
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['an unknown key', { announceHeight: 3 }],
    ['an initial height of 0', { initialHeight: 0 }],
    ['announce that is not a boolean', { announce: 'yes' }],
    ['an interval that does not parse', { minAnnounceIntervalMs: true }],
  ];
  for (const [what, input] of bad) {
    it(`refuses ${what}, naming the option`, () => {
      assert.throws(() => resolveConsensusStateOptions(input as never), (error: Error) => error.name === 'ConsensusStateOptionsError' && error.message.includes(`"${Object.keys(input)[0]}"`));
    });
  }
});
