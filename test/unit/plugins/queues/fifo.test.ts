import assert from 'node:assert/strict';
import { FifoQueue, FifoQueueFactory } from '../../../../plugins/queues/fifo.js';
import { QueueClosedError } from '../../../../framework/queue/errors.js';
import { AbortError } from '../../../../framework/errors/base.js';

interface Item {
  channelId: number;
  size: number;
  n: number;
}
const item = (n: number, channelId = 1, size = 10): Item => ({ channelId, size, n });

describe('FIFO queue plugin', () => {
  it('delivers in arrival order across channels', async () => {
    const q = new FifoQueue<Item>({ capacity: 10 });
    for (let i = 0; i < 5; i++) assert.equal(q.tryEnqueue(item(i, i % 2)), 'accepted');
    const out = [];
    for (let i = 0; i < 5; i++) out.push((await q.dequeue()).n);
    assert.deepEqual(out, [0, 1, 2, 3, 4]);
  });

  it('is bounded by message count and reports full without dropping', () => {
    const q = new FifoQueue<Item>({ capacity: 2 });
    assert.equal(q.tryEnqueue(item(1)), 'accepted');
    assert.equal(q.tryEnqueue(item(2)), 'accepted');
    assert.equal(q.tryEnqueue(item(3)), 'full');
    assert.equal(q.length, 2);
    assert.equal(q.stats().dropped.size, 0, 'fifo never drops');
  });

  it('is bounded by bytes, but lets one oversized item into an empty queue', () => {
    const q = new FifoQueue<Item>({ capacity: 100, capacityBytes: 25 });
    assert.equal(q.tryEnqueue(item(1, 1, 20)), 'accepted');
    assert.equal(q.tryEnqueue(item(2, 1, 10)), 'full');
    q.tryDequeue();
    assert.equal(q.tryEnqueue(item(3, 1, 1000)), 'accepted');
    assert.equal(q.stats().bytes, 1000);
  });

  it('blocks a producer while full and releases it when space frees up', async () => {
    const q = new FifoQueue<Item>({ capacity: 1 });
    q.tryEnqueue(item(1));
    let done = false;
    const pending = q.enqueue(item(2)).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'producer must wait while the queue is full');
    assert.equal(q.tryDequeue()?.n, 1);
    assert.equal(await pending, 'accepted');
    assert.equal(q.tryDequeue()?.n, 2);
  });

  it('wakes a waiting consumer and rejects waiters on close', async () => {
    const q = new FifoQueue<Item>({ capacity: 4 });
    const consumer = q.dequeue();
    q.tryEnqueue(item(7));
    assert.equal((await consumer).n, 7);
    const waiting = q.dequeue();
    q.close();
    await assert.rejects(waiting, QueueClosedError);
    assert.equal(q.tryEnqueue(item(8)), 'closed');
    await assert.rejects(q.enqueue(item(9)), QueueClosedError);
    assert.equal(q.isClosed, true);
  });

  it('drains remaining items after close before reporting closed', async () => {
    const q = new FifoQueue<Item>({ capacity: 4 });
    q.tryEnqueue(item(1));
    q.close();
    assert.equal((await q.dequeue()).n, 1);
    await assert.rejects(q.dequeue(), QueueClosedError);
  });

  it('honours AbortSignal on waiting operations', async () => {
    const q = new FifoQueue<Item>({ capacity: 1 });
    const controller = new AbortController();
    const waiting = q.dequeue(controller.signal);
    controller.abort();
    await assert.rejects(waiting, AbortError);
  });

  it('rejects invalid capacities', () => {
    assert.throws(() => new FifoQueue<Item>({ capacity: 0 }), /capacity must be an integer ≥ 1, got 0/);
    assert.throws(() => new FifoQueue<Item>({ capacity: 1.5 }), /capacity/);
  });

  it('keeps counters', async () => {
    const q = new FifoQueueFactory().create<Item>({ capacity: 8 });
    for (let i = 0; i < 3; i++) q.tryEnqueue(item(i));
    await q.dequeue();
    const stats = q.stats();
    assert.equal(stats.enqueued, 3);
    assert.equal(stats.dequeued, 1);
    assert.equal(stats.length, 2);
    assert.equal(stats.bytes, 20);
  });

  it('moves a large burst in order (ring buffer growth)', () => {
    const q = new FifoQueue<Item>({ capacity: 100_000 });
    for (let i = 0; i < 50_000; i++) q.tryEnqueue(item(i));
    for (let i = 0; i < 50_000; i++) assert.equal(q.tryDequeue()!.n, i);
    assert.equal(q.tryDequeue(), undefined);
  });
});
