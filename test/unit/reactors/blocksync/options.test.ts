import assert from 'node:assert/strict';
import { DEFAULT_BLOCKSYNC_OPTIONS, resolveBlocksyncOptions } from '../../../../reactors/blocksync/options.js';

describe('resolveBlocksyncOptions', () => {
  it('fills in the documented defaults', () => {
    assert.deepEqual(resolveBlocksyncOptions(undefined), {
      startHeight: 'latest',
      maxBlockBytes: 4 * 1024 * 1024,
      maxRequestsInFlight: 16,
      requestTimeoutMs: 15_000,
      statusIntervalMs: 1_000,
    });
    assert.equal(DEFAULT_BLOCKSYNC_OPTIONS.maxBlockBytes, 4_194_304);
  });

  it('takes durations as strings, heights as numbers or "base"/"latest"', () => {
    const o = resolveBlocksyncOptions({ requestTimeoutMs: '2s', statusIntervalMs: 250, startHeight: 'base' });
    assert.deepEqual([o.requestTimeoutMs, o.statusIntervalMs, o.startHeight], [2_000, 250, 'base']);
    assert.equal(resolveBlocksyncOptions({ startHeight: 1200 }).startHeight, 1200);
    assert.equal(resolveBlocksyncOptions({ startHeight: '1200' as never }).startHeight, 1200, 'as --set gives it');
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ['an unknown key', { maxBlocks: 3 }],
    ['a start height of 0', { startHeight: 0 }],
    ['a start height that is a word', { startHeight: 'first' }],
    ['a block limit above CometBFT’s largest block', { maxBlockBytes: 104_857_601 }],
    ['a block limit below 1 KiB', { maxBlockBytes: 10 }],
    ['an empty window', { maxRequestsInFlight: 0 }],
    ['a timeout of 0', { requestTimeoutMs: 0 }],
    ['a duration that does not parse', { statusIntervalMs: 'soon' }],
  ];
  for (const [what, input] of bad) {
    it(`refuses ${what}, naming the option`, () => {
      assert.throws(() => resolveBlocksyncOptions(input as never), (error: Error) => error.name === 'BlocksyncOptionsError' && error.message.includes(`"${Object.keys(input)[0]}"`));
    });
  }
});
