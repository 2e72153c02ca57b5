import assert from 'node:assert/strict';
import { BoundedTable } from '../../../../framework/gating/bounded-table.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';

describe('gating: bounded per-IP table', () => {
  it('evicts the least recently used entry when full, counting it', () => {
    const table = new BoundedTable<string, number>(3, 'evict-oldest');
    table.set('a', 1);
    table.set('b', 2);
    table.set('c', 3);
    table.touch('a'); // b is now the least recently used
    assert.equal(table.set('d', 4), true);
    assert.equal(table.size, 3);
    assert.equal(table.peek('b'), undefined);
    assert.deepEqual([...table].map(([k]) => k), ['c', 'a', 'd']);
    assert.equal(table.evictions, 1);
    assert.equal(table.refusals, 0);
  });

  it('refuses new keys when full under the refuse policy, but still updates existing ones', () => {
    const table = new BoundedTable<string, number>(2, 'refuse');
    assert.equal(table.set('a', 1), true);
    assert.equal(table.set('b', 1), true);
    assert.equal(table.set('c', 1), false);
    assert.equal(table.peek('c'), undefined);
    assert.equal(table.set('a', 2), true);
    assert.equal(table.peek('a'), 2);
    assert.equal(table.refusals, 1);
    assert.equal(table.evictions, 0);
    table.delete('b');
    assert.equal(table.set('c', 1), true);
  });

  it('never grows past its capacity however many keys arrive', () => {
    const table = new BoundedTable<string, number>(100, 'evict-oldest');
    for (let i = 0; i < 10_000; i++) table.set(`10.0.${i >> 8}.${i & 255}`, i);
    assert.equal(table.size, 100);
    assert.equal(table.evictions, 9_900);
  });

  it('rejects a capacity below 1', () => {
    assert.throws(() => new BoundedTable(0, 'refuse'), InvalidArgumentError);
    assert.throws(() => new BoundedTable(1.5, 'refuse'), InvalidArgumentError);
  });
});
