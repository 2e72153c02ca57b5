import assert from 'node:assert/strict';
import { abortOnSignals } from '../../../../node/cli/interrupt.js';

describe('cli/interrupt: abortOnSignals', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`aborts on the first ${signal} and leaves the next one to Node's default`, () => {
      const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
      const interrupt = abortOnSignals();
      assert.equal(interrupt.signal.aborted, false);
      // Our listener's `once` wrapper, run as a signal would run it, without touching the test runner's own listeners.
      const wrapper = process.rawListeners(signal).at(-1) as () => void;
      wrapper();
      assert.equal(interrupt.signal.aborted, true);
      assert.equal(process.listenerCount(signal), before[signal], 'its listener for that signal is gone after one use');
      interrupt.dispose();
      assert.deepEqual({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }, before);
    });
  }

  it('dispose() removes both listeners when no signal came', () => {
    const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const interrupt = abortOnSignals();
    assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), before + 2);
    interrupt.dispose();
    assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), before);
    assert.equal(interrupt.signal.aborted, false);
  });
});
