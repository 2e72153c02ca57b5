import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Socket } from 'node:net';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { BufferRecycler, RELEASES_WRITTEN_CHUNKS, releasesWrittenChunks, sharedRecycler } from '../../../../framework/util/buffer-recycler.js';

describe('BufferRecycler', () => {
  it('hands back recycled buffers of its size and allocates otherwise', () => {
    const recycler = new BufferRecycler(1024, 2);
    const a = recycler.take(1000);
    assert.equal(a.length, 1024);
    recycler.recycle(a);
    assert.equal(recycler.take(10), a, 'the recycled buffer is reused');
    const big = recycler.take(5000);
    assert.equal(big.length, 5000);
    recycler.recycle(big); // another size: dropped
    assert.equal(recycler.stats().free, 0);
    assert.deepEqual(recycler.stats(), { free: 0, recycled: 1, allocated: 2 });
  });

  it('keeps at most maxFree buffers and never the same buffer twice', () => {
    const recycler = new BufferRecycler(64, 2);
    const [a, b, c] = [recycler.take(64), recycler.take(64), recycler.take(64)];
    recycler.recycle(a);
    recycler.recycle(a);
    assert.equal(recycler.stats().free, 1, 'a double recycle would give one buffer to two writers');
    recycler.recycle(b);
    recycler.recycle(c);
    assert.equal(recycler.stats().free, 2);
    const taken = new Set([recycler.take(1), recycler.take(1), recycler.take(1)]);
    assert.equal(taken.size, 3);
  });

  it('rejects bad sizes and bounds', () => {
    assert.throws(() => new BufferRecycler(0, 1), InvalidArgumentError);
    assert.throws(() => new BufferRecycler(1.5, 1), InvalidArgumentError);
    assert.throws(() => new BufferRecycler(16, -1), InvalidArgumentError);
  });

  it('shares one recycler per size in a thread', () => {
    assert.equal(sharedRecycler(4321), sharedRecycler(4321));
    assert.notEqual(sharedRecycler(4321), sharedRecycler(4322));
  });

  it('reuses write buffers only on streams that release them: sockets and streams that say so', () => {
    assert.equal(releasesWrittenChunks(new Socket()), true);
    assert.equal(releasesWrittenChunks(new PassThrough()), false, 'a PassThrough hands the very chunk to its reader');
    const declared = Object.assign(new PassThrough(), { [RELEASES_WRITTEN_CHUNKS]: true });
    assert.equal(releasesWrittenChunks(declared), true);
  });
});
