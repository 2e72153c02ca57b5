import assert from 'node:assert/strict';
import { currentTurn } from '../../../../../../plugins/transports/mconn/mconnection/event-loop-turn.js';

describe('currentTurn', () => {
  it('stays the same within a turn (microtasks included) and changes in the next one', async () => {
    const first = currentTurn();
    assert.equal(currentTurn(), first);
    await Promise.resolve();
    assert.equal(currentTurn(), first, 'a microtask is still the same turn');
    await new Promise((resolve) => setImmediate(resolve));
    const second = currentTurn();
    assert.notEqual(second, first);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.notEqual(currentTurn(), second);
  });

  it('arms no immediate while nobody asks (an idle thread is left idle)', async () => {
    currentTurn();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing asked during the last turn: no immediate of ours is pending.
    const pending = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((r) => r === 'Immediate');
    assert.equal(pending.length, 0);
  });
});
