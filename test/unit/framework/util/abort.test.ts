import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { deadlineSignal, raceSignal, reasonOf, sleepUnlessAborted } from '../../../../framework/util/abort.js';

const HOUR_MS = 3_600_000;

describe('util/abort', () => {
  describe('sleepUnlessAborted', () => {
    it('resolves at once on a signal aborted before the call, leaving no timer or listener', async () => {
      const controller = new AbortController();
      controller.abort();
      // An hour-long timer left behind would also keep mocha's process alive.
      await sleepUnlessAborted(HOUR_MS, controller.signal);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    });

    it('resolves when the signal aborts mid-sleep, and removes its listener', async () => {
      const controller = new AbortController();
      const sleeping = sleepUnlessAborted(HOUR_MS, controller.signal);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
      controller.abort(new Error('stop'));
      await sleeping;
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    });

    it('resolves after the pause when nothing aborts, removing its listener', async () => {
      const controller = new AbortController();
      await sleepUnlessAborted(1, controller.signal);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    });
  });

  describe('deadlineSignal', () => {
    it('aborts with the parent reason, and dispose() detaches from the parent', () => {
      const parent = new AbortController();
      const { signal, dispose } = deadlineSignal(parent.signal, HOUR_MS, () => new Error('late'));
      const reason = new Error('parent stopped');
      parent.abort(reason);
      assert.equal(signal.reason, reason);
      dispose();
      assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
    });

    it('aborts with the timeout error when the deadline passes first', async () => {
      const late = new Error('late');
      const { signal, dispose } = deadlineSignal(undefined, 1, () => late);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      assert.equal(signal.reason, late);
      dispose();
    });
  });

  describe('raceSignal', () => {
    it('rejects with the reason of an aborted signal, and otherwise settles as the promise does', async () => {
      const aborted = new AbortController();
      const reason = new Error('gone');
      aborted.abort(reason);
      await assert.rejects(raceSignal(new Promise(() => {}), aborted.signal), (err) => err === reason);
      const open = new AbortController();
      assert.equal(await raceSignal(Promise.resolve(7), open.signal), 7);
      assert.equal(getEventListeners(open.signal, 'abort').length, 0);
    });

    it('reasonOf wraps a non-Error reason in an AbortError carrying it as cause', () => {
      const controller = new AbortController();
      controller.abort('a string');
      const error = reasonOf(controller.signal);
      assert.equal(error.name, 'AbortError');
      assert.equal(error.cause, 'a string');
    });
  });
});
