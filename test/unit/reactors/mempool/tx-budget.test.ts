import assert from 'node:assert/strict';
import { TxBudget } from '../../../../reactors/mempool/tx-budget.js';
import { FakeClock } from '../../../support/fakes.js';

describe('TxBudget', () => {
  it('allows a burst at once, then the sustained rate', () => {
    const clock = new FakeClock();
    const budget = new TxBudget(10, 5, clock);
    assert.equal(budget.take(5), true);
    assert.equal(budget.take(1), false);
    clock.advance(100); // one token at 10 per second
    assert.equal(budget.take(1), true);
    assert.equal(budget.take(1), false);
  });

  it('never holds more than the burst however long it rests', () => {
    const clock = new FakeClock();
    const budget = new TxBudget(1000, 3, clock);
    clock.advance(3_600_000);
    assert.equal(budget.available(), 3);
    assert.equal(budget.take(4), false);
    assert.equal(budget.take(3), true);
  });

  it('takes nothing from a refused request', () => {
    const budget = new TxBudget(1, 4, new FakeClock());
    assert.equal(budget.take(5), false);
    assert.equal(budget.available(), 4);
  });

  it('refills nothing when the clock steps back', () => {
    const clock = new FakeClock(10_000);
    const budget = new TxBudget(1, 2, clock);
    budget.take(2);
    clock.t = 0;
    assert.equal(budget.take(1), false);
    clock.t = 1000;
    assert.equal(budget.take(1), true);
  });
});
