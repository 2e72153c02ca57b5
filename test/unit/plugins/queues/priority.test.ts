import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PriorityQueue, PriorityQueueFactory } from '../../../../plugins/queues/priority.js';
import { DEFAULT_FLOW_QUEUE_CAPACITY_BYTES } from '../../../../plugins/queues/flow-queue.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { CHANNELS, ItemSource, UNLISTED_CHANNEL, settle, totalDrops, type SeqItem } from '../../../support/queues/subjects.js';

const drain = (q: { tryDequeue(): SeqItem | undefined }) => {
  const out: SeqItem[] = [];
  for (let item = q.tryDequeue(); item !== undefined; item = q.tryDequeue()) out.push(item);
  return out;
};
const label = (items: SeqItem[]) => items.map((i) => `${i.channelId}:${i.seq}`);

describe('priority queue plugin', () => {
  it('dequeues higher priorities first and keeps FIFO within each channel', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: CHANNELS });
    const source = new ItemSource();
    for (const channelId of [1, 3, 2, 4, 1, 3, 4, 2, 1]) q.tryEnqueue(source.item(channelId));
    assert.deepEqual(label(drain(q)), ['4:0', '4:1', '3:0', '3:1', '2:0', '2:1', '1:0', '1:1', '1:2']);
  });

  it('lets a later high-priority arrival overtake queued low-priority messages', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(1));
    assert.equal(q.tryDequeue()?.channelId, 1);
    q.tryEnqueue(source.item(4));
    assert.deepEqual(label(drain(q)), ['4:0', '1:1']);
  });

  it('serves channels of equal priority in turns, one message each', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: [{ id: 10, priority: 5 }, { id: 11, priority: 5 }, { id: 12, priority: 1 }] });
    const source = new ItemSource();
    for (let i = 0; i < 4; i++) q.tryEnqueue(source.item(10));
    q.tryEnqueue(source.item(12));
    for (let i = 0; i < 2; i++) q.tryEnqueue(source.item(11));
    assert.deepEqual(label(drain(q)), ['10:0', '11:0', '10:1', '11:1', '10:2', '10:3', '12:0']);
  });

  it('puts unlisted channels below every declared one, sharing one FIFO', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(UNLISTED_CHANNEL));
    q.tryEnqueue(source.item(77));
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(UNLISTED_CHANNEL));
    assert.deepEqual(label(drain(q)), ['1:0', '9:0', '77:0', '9:1']);
  });

  it('sheds the lowest priority’s oldest messages for a higher-priority arrival, counting each', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 4, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(2));
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(3));
    assert.equal(q.tryEnqueue(source.item(4)), 'accepted-with-drop');
    assert.deepEqual([...q.stats().dropped], [[1, 1]], 'channel 1’s oldest went first');
    assert.equal(q.tryEnqueue(source.item(3)), 'accepted-with-drop');
    assert.deepEqual([...q.stats().dropped], [[1, 2]]);
    assert.equal(q.tryEnqueue(source.item(3)), 'accepted-with-drop', 'channel 2 (priority 2 < 3) is next');
    assert.deepEqual(new Map(q.stats().dropped), new Map([[1, 2], [2, 1]]));
    assert.deepEqual(label(drain(q)), ['4:0', '3:0', '3:1', '3:2']);
  });

  it('sheds the oldest of a channel and keeps the rest in order', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 3, channels: CHANNELS });
    const source = new ItemSource();
    for (let i = 0; i < 3; i++) q.tryEnqueue(source.item(1));
    assert.equal(q.tryEnqueue(source.item(2)), 'accepted-with-drop');
    assert.deepEqual(label(drain(q)), ['2:0', '1:1', '1:2']);
  });

  it('never sheds its own priority or above: the arrival is dropped, counted, and "full" returned', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 2, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(3));
    q.tryEnqueue(source.item(4));
    assert.equal(q.tryEnqueue(source.item(3)), 'full');
    assert.equal(q.tryEnqueue(source.item(1)), 'full');
    assert.deepEqual(new Map(q.stats().dropped), new Map([[3, 1], [1, 1]]));
    assert.deepEqual(label(drain(q)), ['4:0', '3:0']);
  });

  it('sheds several small messages to fit one large one, and none when it could not fit anyway', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, capacityBytes: 100, channels: CHANNELS });
    const source = new ItemSource();
    for (let i = 0; i < 4; i++) q.tryEnqueue(source.item(1, 20));
    q.tryEnqueue(source.item(4, 20));
    assert.equal(q.tryEnqueue(source.item(4, 75)), 'accepted-with-drop', 'all four 20-byte priority-1 messages make room');
    assert.equal(q.stats().dropped.get(1), 4);
    assert.equal(q.stats().bytes, 95);
    assert.equal(q.tryEnqueue(source.item(1, 5)), 'accepted');
    assert.equal(q.tryEnqueue(source.item(3, 50)), 'full', 'shedding the 5 bytes of priority 1 would not make room');
    assert.equal(q.stats().dropped.get(1), 4, 'so nothing was shed in vain');
    assert.equal(q.stats().dropped.get(3), 1, 'the arrival itself is the drop');
    assert.deepEqual(label(drain(q)), ['4:0', '4:1', '1:4']);
  });

  it('counts exactly: sent = delivered + dropped, per channel, under random traffic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1, 2, 3, 4, UNLISTED_CHANNEL), fc.integer({ min: 1, max: 50 }), fc.boolean()), { maxLength: 300 }),
        (ops) => {
          const q = new PriorityQueue<SeqItem>({ capacity: 6, capacityBytes: 150, channels: CHANNELS });
          const source = new ItemSource();
          const sent = new Map<number, number>();
          const delivered = new Map<number, number>();
          const bump = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
          for (const [channelId, size, dequeue] of ops) {
            q.tryEnqueue(source.item(channelId, size));
            bump(sent, channelId);
            if (dequeue) {
              const item = q.tryDequeue();
              if (item) bump(delivered, item.channelId);
            }
          }
          for (const item of drain(q)) bump(delivered, item.channelId);
          const dropped = q.stats().dropped;
          for (const [channelId, n] of sent) assert.equal((delivered.get(channelId) ?? 0) + (dropped.get(channelId) ?? 0), n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts a message refused by tryEnqueue and re-offered through enqueue (the receive loop’s pattern) once', async () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 1, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(2));
    const item = source.item(2);
    assert.equal(q.tryEnqueue(item), 'full');
    assert.equal(await q.enqueue(item), 'full');
    assert.equal(q.stats().dropped.get(2), 1);
    assert.equal(q.tryEnqueue(source.item(2)), 'full', 'a different message is a new drop');
    assert.equal(q.stats().dropped.get(2), 2);
  });

  it('with blockWhenFull, still sheds lower priorities but parks a producer that could only displace its equals', async () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 2, channels: CHANNELS }, { blockWhenFull: true });
    const source = new ItemSource();
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(3));
    assert.equal(await q.enqueue(source.item(3)), 'accepted-with-drop', 'priority 1 shed for priority 3');
    let settled = false;
    const parked = q.enqueue(source.item(3)).finally(() => (settled = true));
    await settle();
    assert.equal(settled, false);
    assert.equal(q.tryEnqueue(source.item(2)), 'full');
    assert.equal(totalDrops(q), 1, 'only the shed message is a drop');
    assert.equal(q.tryDequeue()?.seq, 0);
    assert.equal(await parked, 'accepted');
    assert.deepEqual(label(drain(q)), ['3:1', '3:2']);
  });

  it('defaults the byte bound to 4 MiB when capacityBytes is not given, or to the factory’s setting', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: CHANNELS });
    const source = new ItemSource();
    assert.equal(DEFAULT_FLOW_QUEUE_CAPACITY_BYTES, 4 * 1024 * 1024);
    assert.equal(q.tryEnqueue(source.item(1, 3 * 1024 * 1024)), 'accepted');
    assert.equal(q.tryEnqueue(source.item(1, 1024 * 1024)), 'accepted');
    assert.equal(q.tryEnqueue(source.item(1, 1)), 'full');
    const small = new PriorityQueueFactory({ defaultCapacityBytes: 10 }).create<SeqItem>({ capacity: 100 });
    assert.equal(small.tryEnqueue(source.item(1, 10)), 'accepted');
    assert.equal(small.tryEnqueue(source.item(1, 1)), 'full');
  });

  it('rejects bad options and items with InvalidArgumentError naming the value', () => {
    const bad = (options: object, settings = {}) => () => new PriorityQueue<SeqItem>({ capacity: 4, ...options }, settings);
    assert.throws(bad({ capacityBytes: 0 }), (e: Error) => e instanceof InvalidArgumentError && /capacityBytes.*got 0/.test(e.message));
    assert.throws(bad({ capacityBytes: 1.5 }), /capacityBytes/);
    assert.throws(bad({ channels: [{ id: 1, priority: 0 }] }), /channel 1 priority must be an integer ≥ 1, got 0/);
    assert.throws(bad({ channels: [{ id: 1, priority: 2.5 }] }), /got 2\.5/);
    assert.throws(bad({ channels: [{ id: -1, priority: 1 }] }), /channel id.*got -1/);
    assert.throws(bad({ channels: [{ id: 1, priority: 1 }, { id: 1, priority: 2 }] }), /channel 1 is listed twice/);
    assert.throws(bad({}, { defaultCapacityBytes: -5 }), /defaultCapacityBytes.*-5/);
    assert.throws(bad({}, { blockWhenFull: 'yes' }), /blockWhenFull must be a boolean/);
    assert.throws(() => new PriorityQueueFactory({ defaultCapacityBytes: 0 }), InvalidArgumentError);
    const q = new PriorityQueue<SeqItem>({ capacity: 4 });
    for (const size of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => q.tryEnqueue({ channelId: 1, size, seq: 0 }), (e: Error) => e instanceof InvalidArgumentError && e.message.includes(String(size)));
    }
    assert.equal(q.length, 0);
  });
});

describe('priority queue: channels declared after creation', () => {
  it('gives a channel declared later its priority, and ignores re-declaring or a channel with unlisted messages', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 100, channels: [{ id: 1, priority: 1 }] });
    const source = new ItemSource();
    q.declareChannel({ id: 9, priority: 7 });
    q.declareChannel({ id: 9, priority: 1 }); // already declared: ignored
    q.tryEnqueue(source.item(5)); // unlisted, below every declared channel
    q.declareChannel({ id: 5, priority: 9 }); // has queued unlisted messages: ignored, so channel 5 stays in order
    for (const channelId of [1, 5, 9, 1, 9]) q.tryEnqueue(source.item(channelId));
    assert.deepEqual(label(drain(q)), ['9:0', '9:1', '1:0', '1:1', '5:0', '5:1']);
  });

  it('rejects a bad declaration naming the value', () => {
    const q = new PriorityQueue<SeqItem>({ capacity: 10 });
    assert.throws(() => q.declareChannel({ id: 3, priority: 0 }), (e: Error) => e instanceof InvalidArgumentError && /priority must be an integer ≥ 1, got 0/.test(e.message));
    assert.throws(() => q.declareChannel({ id: -1, priority: 2 }), (e: Error) => e instanceof InvalidArgumentError && /channel id must be an integer ≥ 0, got -1/.test(e.message));
  });
});
