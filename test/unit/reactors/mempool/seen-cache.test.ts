import assert from 'node:assert/strict';
import { SeenCache } from '../../../../reactors/mempool/seen-cache.js';

describe('SeenCache', () => {
  it('keeps at most its capacity, forgetting the least recently touched first, and counts evictions', () => {
    const cache = new SeenCache(3);
    for (const h of ['a', 'b', 'c']) cache.add(h);
    assert.ok(cache.touch('a'));
    cache.add('d'); // b is the least recent
    cache.add('e'); // then c
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].filter((h) => cache.has(h)), ['a', 'd', 'e']);
    assert.equal(cache.size, 3);
    assert.equal(cache.evictions, 2);
  });

  it('has() does not refresh an entry; touch() of an unknown hash is undefined', () => {
    const cache = new SeenCache(2);
    cache.add('a');
    cache.add('b');
    assert.equal(cache.has('a'), true);
    cache.add('c');
    assert.equal(cache.has('a'), false);
    assert.equal(cache.touch('zz'), undefined);
  });

  it('keeps who sent a tx and whom it was sent to with the entry', () => {
    const cache = new SeenCache(2);
    const entry = cache.add('a');
    entry.from.set('p1' as never, 7);
    entry.sentTo.add('p2' as never);
    assert.equal(cache.touch('a')?.from.get('p1' as never), 7);
    assert.equal(cache.touch('a')?.sentTo.has('p2' as never), true);
  });
});
