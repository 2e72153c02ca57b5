import assert from 'node:assert/strict';

/**
 * Awaits `promise`, asserts it rejected with an instance of `type`, and
 * returns the error so the test can check what it says.
 */
export async function rejectsWith<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
    return error as E;
  }
  assert.fail(`expected a ${type.name}`);
}
