import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FullCollectionCounter } from '../../../bench/full-collections.js';

/** V8's gc() without starting the process with --expose-gc: a full collection, or a minor one with `{ type: 'minor' }`. */
function exposedGc(): (options?: { type: 'minor' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (options?: { type: 'minor' }) => void;
}

/** Observers report collections in a later turn of the event loop. */
const reported = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('bench FullCollectionCounter', () => {
  const gc = exposedGc();

  it('counts full collections from its creation, and not minor ones', async () => {
    gc();
    await reported();
    const counter = new FullCollectionCounter();
    try {
      assert.equal(counter.count, 0, 'collections before it was made are not counted');
      gc({ type: 'minor' });
      await reported();
      assert.equal(counter.count, 0, 'a minor collection is not a full one');
      gc();
      gc();
      await reported();
      assert.equal(counter.count, 2);
    } finally {
      counter.stop();
    }
  });

  it('stops counting once stopped', async () => {
    const counter = new FullCollectionCounter();
    counter.stop();
    gc();
    await reported();
    assert.equal(counter.count, 0);
  });
});
