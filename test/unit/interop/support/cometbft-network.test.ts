import assert from 'node:assert/strict';
import { CometBFTNetwork } from '../../../interop/support/cometbft-network.js';
import { CometBFTHarnessError } from '../../../interop/support/errors.js';

describe('interop-support: CometBFT network', () => {
  for (const fullNodes of [-1, 1.5, 17]) {
    it(`refuses fullNodes = ${fullNodes} before starting anything`, async () => {
      await assert.rejects(CometBFTNetwork.start({ binary: '/nonexistent/cometbft', fullNodes }), (error: Error) => {
        assert.ok(error instanceof CometBFTHarnessError);
        assert.match(error.message, new RegExp(`fullNodes must be an integer in \\[0, 16\\], got ${fullNodes}`));
        return true;
      });
    });
  }

  it('reports a missing binary as a harness error and leaves nothing running', async () => {
    await assert.rejects(CometBFTNetwork.start({ binary: '/nonexistent/cometbft' }), (error: Error) => {
      assert.ok(error instanceof CometBFTHarnessError);
      assert.match(error.message, /\/nonexistent\/cometbft is missing or not executable/);
      return true;
    });
  });
});
