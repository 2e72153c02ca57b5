import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { BlockPool } from '../../../../reactors/blocksync/block-pool.js';

const A = 'a'.repeat(40) as NodeID;
const B = 'b'.repeat(40) as NodeID;
const heights = (requests: { height: number }[]) => requests.map((r) => r.height);

describe('BlockPool', () => {
  it('starts at the first reported height ("latest"), the first base ("base"), or a given height', () => {
    for (const [start, expected] of [['latest', 90], ['base', 10], [42, 42]] as const) {
      const pool = new BlockPool<string>(4, 1000, start);
      pool.addPeer(A);
      pool.setRange(A, { base: 0, height: 0 }); // a peer without blocks fixes nothing
      assert.equal(pool.nextHeight, typeof start === 'number' ? start : undefined);
      pool.setRange(A, { base: 10, height: 90 });
      assert.equal(pool.nextHeight, expected);
    }
  });

  it('requests at most `window` heights from the next one, each of the least busy peer that has it', () => {
    const pool = new BlockPool<string>(4, 1000, 5);
    pool.addPeer(A);
    pool.addPeer(B);
    pool.setRange(A, { base: 1, height: 100 });
    pool.setRange(B, { base: 1, height: 6 });
    const sent = pool.schedule(0);
    assert.deepEqual(heights(sent), [5, 6, 7, 8]);
    assert.deepEqual(sent.map((r) => r.peer), [A, B, A, A], 'B has only up to 6');
    assert.deepEqual(pool.schedule(0), [], 'the window is full');
    assert.equal(pool.inFlight, 4);
  });

  it('delivers in height order and moves the window on', () => {
    const pool = new BlockPool<string>(2, 1000, 1);
    pool.addPeer(A);
    pool.setRange(A, { base: 1, height: 10 });
    pool.schedule(0);
    assert.equal(pool.arrival(A, 2), 'expected');
    pool.hold(2, A, 'two');
    assert.equal(pool.takeNext(), undefined, 'height 1 is still missing');
    assert.equal(pool.arrival(A, 1), 'expected');
    pool.hold(1, A, 'one');
    assert.deepEqual([pool.takeNext()?.block, pool.takeNext()?.block, pool.takeNext()], ['one', 'two', undefined]);
    assert.deepEqual(heights(pool.schedule(0)), [3, 4]);
  });

  it('calls a block never asked of its sender unsolicited, and a second copy late', () => {
    const pool = new BlockPool<string>(2, 1000, 1);
    pool.addPeer(A);
    pool.addPeer(B);
    pool.setRange(A, { base: 1, height: 10 });
    pool.schedule(0); // 1 and 2, both of A (B reported nothing)
    assert.equal(pool.arrival(B, 1), 'unsolicited');
    assert.equal(pool.arrival(A, 1), 'expected');
    pool.hold(1, A, 'one');
    assert.equal(pool.arrival(A, 1), 'late');
    pool.takeNext();
    assert.equal(pool.arrival(A, 1), 'late', 'delivered already');
  });

  it('asks another peer after a timeout, and the same one again when it is the only one', () => {
    const pool = new BlockPool<string>(1, 1000, 1);
    pool.addPeer(A);
    pool.addPeer(B);
    pool.setRange(A, { base: 1, height: 10 });
    pool.setRange(B, { base: 1, height: 10 });
    assert.deepEqual(pool.schedule(0), [{ height: 1, peer: A }]);
    assert.deepEqual(pool.expire(999), []);
    assert.deepEqual(pool.expire(1000), [{ height: 1, peer: A }]);
    assert.deepEqual(pool.schedule(1000), [{ height: 1, peer: B }]);
    assert.deepEqual(pool.expire(2000), [{ height: 1, peer: B }]);
    // Both failed height 1: both get another chance rather than the download stopping.
    assert.equal(pool.schedule(2000).length, 1);
    assert.equal(pool.arrival(A, 1), 'expected', 'a slow answer from the first peer still counts');
  });

  it('drops a failed block and asks the height of another peer', () => {
    const pool = new BlockPool<string>(1, 1000, 1);
    pool.addPeer(A);
    pool.addPeer(B);
    pool.setRange(A, { base: 1, height: 10 });
    pool.setRange(B, { base: 1, height: 10 });
    pool.schedule(0);
    pool.arrival(A, 1);
    pool.hold(1, A, 'bad');
    pool.fail(1, A);
    assert.equal(pool.held, 0);
    assert.deepEqual(pool.schedule(0), [{ height: 1, peer: B }]);
  });

  it('puts a height back when its delivered block turns out not to link', () => {
    const pool = new BlockPool<string>(1, 1000, 1);
    pool.addPeer(A);
    pool.setRange(A, { base: 1, height: 10 });
    pool.schedule(0);
    pool.arrival(A, 1);
    pool.hold(1, A, 'one');
    pool.takeNext();
    pool.unTake(1);
    assert.equal(pool.nextHeight, 1);
  });

  it('takes a NoBlockResponse to mean the peer has nothing from that height until it reports again', () => {
    const pool = new BlockPool<string>(2, 1000, 5);
    pool.addPeer(A);
    pool.setRange(A, { base: 1, height: 10 });
    pool.schedule(0);
    assert.equal(pool.noBlock(A, 5), true);
    assert.deepEqual(pool.ranges().get(A), { base: 1, height: 4 });
    assert.deepEqual(pool.schedule(0), [], 'nobody has 5 now');
    assert.equal(pool.noBlock(A, 77), false, 'never asked: ignored');
    pool.setRange(A, { base: 1, height: 10 });
    assert.deepEqual(heights(pool.schedule(0)), [5]);
  });

  it("forgets a peer's requests when it goes, so another peer is asked", () => {
    const pool = new BlockPool<string>(1, 1000, 1);
    pool.addPeer(A);
    pool.addPeer(B);
    pool.setRange(A, { base: 1, height: 10 });
    pool.setRange(B, { base: 1, height: 10 });
    pool.schedule(0);
    pool.removePeer(A);
    assert.deepEqual(pool.schedule(0), [{ height: 1, peer: B }]);
    assert.equal(pool.hasPeer(A), false);
  });
});
