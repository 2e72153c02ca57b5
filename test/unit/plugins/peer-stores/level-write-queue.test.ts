import assert from 'node:assert/strict';
import type { ClassicLevel } from 'classic-level';
import { PeerStoreClosedError } from '../../../../plugins/peer-stores/errors.js';
import { RecordCount, type LevelOp } from '../../../../plugins/peer-stores/level-record-count.js';
import { LevelWriteQueue, type LevelWriteQueueComponents } from '../../../../plugins/peer-stores/level-write-queue.js';

const put = (n: number): LevelOp => ({ type: 'put', key: `peer/${n}`, value: String(n) });

/** A database whose batches complete when the test says so (or at once with `autoCommit`). */
class FakeDatabase {
  readonly batches: { ops: LevelOp[]; sync: boolean | undefined }[] = [];
  failNext: Error | undefined;
  private release: (() => void)[] = [];

  constructor(private readonly autoCommit: boolean) {}

  async batch(ops: LevelOp[], options: { sync?: boolean }): Promise<void> {
    this.batches.push({ ops, sync: options.sync });
    if (!this.autoCommit) await new Promise<void>((resolve) => this.release.push(resolve));
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) throw failure;
  }

  /** Lets the oldest batch in progress complete. */
  commitOne(): void {
    this.release.shift()?.();
  }

  /** The record keys of each batch (the record count's op left out). */
  get keys(): string[][] {
    return this.batches.map((b) => b.ops.filter((op) => op.key.startsWith('peer/')).map((op) => op.key));
  }
}

function rig(options: { maxBatchSize?: number; maxPendingWrites?: number; autoCommit?: boolean; openFails?: Error } = {}) {
  const db = new FakeDatabase(options.autoCommit ?? true);
  const counters = { writes: 0, batches: 0 };
  const state = { closed: false };
  const components: LevelWriteQueueComponents = {
    path: '/tmp/peerstore',
    sync: true,
    maxBatchSize: options.maxBatchSize ?? 512,
    maxPendingWrites: options.maxPendingWrites ?? 10_000,
    count: new RecordCount('peer/'),
    counters,
    database: async () => {
      if (options.openFails !== undefined) throw options.openFails;
      return db as unknown as ClassicLevel<string, string>;
    },
    assertOpen: () => {
      if (state.closed) throw new PeerStoreClosedError('closed');
    },
  };
  return { queue: new LevelWriteQueue(components), db, counters, state };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LevelWriteQueue', () => {
  it('writes what arrives during a batch together in the next one', async () => {
    const { queue, db, counters } = rig({ autoCommit: false });
    const first = queue.enqueue(put(1));
    await settle();
    assert.equal(queue.busy, true);
    const later = [2, 3, 4].map((n) => queue.enqueue(put(n)));
    await settle();
    assert.equal(queue.pending, 3);
    db.commitOne();
    await first;
    await settle();
    db.commitOne();
    await Promise.all(later);
    await queue.idle();
    assert.deepEqual(db.keys, [['peer/1'], ['peer/2', 'peer/3', 'peer/4']]);
    assert.ok(db.batches.every((b) => b.sync === true && b.ops.at(-1)?.key === RecordCount.KEY), 'each batch ends with the record count');
    assert.deepEqual(counters, { writes: 4, batches: 2 });
    assert.equal(queue.busy, false);
  });

  it('commits at most maxBatchSize operations a batch', async () => {
    const { queue, db } = rig({ maxBatchSize: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => queue.enqueue(put(n))));
    assert.deepEqual(db.keys, [['peer/1', 'peer/2'], ['peer/3', 'peer/4'], ['peer/5']]);
  });

  it('makes callers wait for room beyond maxPendingWrites', async () => {
    const { queue, db } = rig({ maxPendingWrites: 2, maxBatchSize: 1, autoCommit: false });
    const writes = [1, 2, 3].map((n) => queue.enqueue(put(n)));
    await settle();
    assert.ok(queue.pending <= 2, `pending ${queue.pending}`);
    for (let i = 0; i < 3; i++) {
      db.commitOne();
      await settle();
    }
    await Promise.all(writes);
    assert.deepEqual(db.keys, [['peer/1'], ['peer/2'], ['peer/3']]);
  });

  it('rejects the operations of a failed batch with PeerStoreWriteError and goes on with the next', async () => {
    const { queue, db, counters } = rig({ autoCommit: false });
    const first = queue.enqueue(put(1));
    await settle();
    const second = queue.enqueue(put(2));
    db.failNext = new Error('disk full');
    db.commitOne();
    await assert.rejects(first, { name: 'PeerStoreWriteError', message: /writing 1 peer record\(s\) to LevelDB at \/tmp\/peerstore failed: disk full/ });
    await settle();
    db.commitOne();
    await second;
    assert.deepEqual(counters, { writes: 1, batches: 1 });
  });

  it('rejects everything queued when the database cannot be opened', async () => {
    const { queue } = rig({ openFails: new Error('LOCK held') });
    const results = await Promise.allSettled([1, 2].map((n) => queue.enqueue(put(n))));
    assert.deepEqual(results.map((r) => r.status === 'rejected' && (r.reason as Error).message), ['LOCK held', 'LOCK held']);
  });

  it('refuses new operations once the store is closed, and wakes those waiting for room into that', async () => {
    const { queue, db, state } = rig({ maxPendingWrites: 1, autoCommit: false });
    const first = queue.enqueue(put(1));
    const second = queue.enqueue(put(2));
    const waiting = queue.enqueue(put(3));
    await settle();
    state.closed = true;
    queue.wakeRoomWaiters();
    await assert.rejects(waiting, PeerStoreClosedError);
    await assert.rejects(queue.enqueue(put(4)), PeerStoreClosedError);
    db.commitOne();
    await settle();
    db.commitOne();
    await Promise.all([first, second]);
    await queue.idle();
  });
});
