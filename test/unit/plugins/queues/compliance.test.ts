import assert from 'node:assert/strict';
import fc from 'fast-check';
import { QueueClosedError } from '../../../../framework/queue/errors.js';
import { AbortError } from '../../../../framework/errors/base.js';
import type { EnqueueResult } from '../../../../framework/queue/queue.js';
import { CHANNELS, ItemSource, QUEUE_SUBJECTS, UNLISTED_CHANNEL, settle, totalDrops, type QueueSubject, type SeqItem } from '../../../support/queues/subjects.js';

type Command = { op: 'enqueue'; channelId: number; size: number } | { op: 'dequeue'; count: number };

const channelIds = [...CHANNELS.map((c) => c.id), UNLISTED_CHANNEL];

const scenario = fc.record({
  capacity: fc.integer({ min: 1, max: 12 }),
  capacityBytes: fc.integer({ min: 20, max: 400 }),
  commands: fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('enqueue' as const), channelId: fc.constantFrom(...channelIds), size: fc.integer({ min: 0, max: 60 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('dequeue' as const), count: fc.integer({ min: 1, max: 4 }) }) },
    ),
    { maxLength: 150 },
  ),
});

/**
 * Runs random interleavings of enqueues and dequeues against a model of what
 * the contract allows, checking after every step.
 */
function checkRandomRun(subject: QueueSubject, run: { capacity: number; capacityBytes: number; commands: Command[] }): void {
  const q = subject.factory.create<SeqItem>({ capacity: run.capacity, capacityBytes: run.capacityBytes, channels: CHANNELS });
  const source = new ItemSource();
  const accepted = new Map<number, SeqItem[]>(channelIds.map((id) => [id, []]));
  const rejected = new Map<number, number>(channelIds.map((id) => [id, 0]));
  const delivered = new Map<number, SeqItem[]>(channelIds.map((id) => [id, []]));
  let acceptedCount = 0;
  let rejectedCount = 0;
  let dequeuedCount = 0;

  const takeOne = (): boolean => {
    const item = q.tryDequeue();
    if (item === undefined) return false;
    dequeuedCount++;
    const got = delivered.get(item.channelId)!;
    const previous = got.at(-1);
    assert.ok(previous === undefined || item.seq > previous.seq, `channel ${item.channelId}: seq ${item.seq} after ${previous?.seq} breaks FIFO`);
    assert.ok(accepted.get(item.channelId)!.includes(item), 'only accepted items come out');
    if (!subject.sheds) {
      assert.equal(item, accepted.get(item.channelId)![got.length], 'a lossless queue delivers every accepted item, in order');
    }
    got.push(item);
    return true;
  };

  const checkInvariants = () => {
    const stats = q.stats();
    assert.ok(q.length <= run.capacity, `holds ${q.length} > capacity ${run.capacity}`);
    // The one exception every policy shares: a single item bigger than the whole bound may sit alone.
    assert.ok(stats.bytes <= run.capacityBytes || q.length === 1, `holds ${stats.bytes} bytes > ${run.capacityBytes} in ${q.length} items`);
    assert.ok(stats.bytes >= 0);
    assert.equal(stats.length, q.length);
    assert.equal(stats.enqueued, acceptedCount);
    assert.equal(stats.dequeued, dequeuedCount);
    const drops = totalDrops(q);
    assert.equal(acceptedCount + (subject.countsRejects ? rejectedCount : 0), dequeuedCount + q.length + drops, 'accepted (+ dropped arrivals) = dequeued + held + dropped');
    if (!subject.sheds && !subject.countsRejects) assert.equal(drops, 0, 'a lossless queue never drops');
  };

  for (const command of run.commands) {
    if (command.op === 'enqueue') {
      const item = source.item(command.channelId, command.size);
      const result: EnqueueResult = q.tryEnqueue(item);
      if (result === 'accepted' || result === 'accepted-with-drop') {
        assert.ok(subject.sheds || result === 'accepted', `${subject.name} never sheds`);
        accepted.get(item.channelId)!.push(item);
        acceptedCount++;
      } else {
        assert.equal(result, 'full');
        rejected.set(item.channelId, rejected.get(item.channelId)! + 1);
        rejectedCount++;
      }
    } else {
      for (let i = 0; i < command.count; i++) takeOne();
    }
    checkInvariants();
  }
  while (takeOne()) checkInvariants();
  assert.equal(q.length, 0);
  assert.equal(q.stats().bytes, 0, 'bytes return to zero once drained');
  const dropped = q.stats().dropped;
  for (const id of channelIds) {
    const expected = accepted.get(id)!.length - delivered.get(id)!.length + (subject.countsRejects ? rejected.get(id)! : 0);
    assert.equal(dropped.get(id) ?? 0, expected, `channel ${id}: drops counted exactly`);
  }
}

for (const subject of QUEUE_SUBJECTS) {
  describe(`queue compliance: ${subject.name}`, () => {
    const make = (capacity: number, capacityBytes?: number) => subject.factory.create<SeqItem>({ capacity, capacityBytes, channels: CHANNELS, label: 'test' });

    it('stays bounded, keeps per-channel FIFO order and consistent counters under random interleavings', () => {
      fc.assert(
        fc.property(scenario, (run) => checkRandomRun(subject, run)),
        { numRuns: 300 },
      );
    });

    it('never holds more than capacity messages, whatever the channel', () => {
      const q = make(5);
      const source = new ItemSource();
      for (let i = 0; i < 50; i++) q.tryEnqueue(source.item(channelIds[i % channelIds.length]!, 1));
      assert.equal(q.length, 5);
      assert.equal(q.stats().length, 5);
    });

    it('never holds more than capacityBytes, except one oversized item alone', () => {
      const q = make(100, 100);
      const source = new ItemSource();
      for (let i = 0; i < 20; i++) q.tryEnqueue(source.item(4, 30));
      assert.equal(q.length, 3);
      assert.equal(q.stats().bytes, 90);
      assert.equal(q.tryEnqueue(source.item(4, 500)), 'full', 'an oversized item does not join a non-empty queue');
      while (q.tryDequeue()) {}
      assert.equal(q.tryEnqueue(source.item(4, 500)), 'accepted', 'but it passes an empty one');
      assert.equal(q.tryEnqueue(source.item(4, 1)), 'full');
      assert.equal(q.stats().bytes, 500);
    });

    it('moves a large burst across 4 channels in per-channel order', () => {
      const q = make(1024);
      const source = new ItemSource();
      const lastSeq = new Map<number, number>();
      let delivered = 0;
      for (let burst = 0; burst < 200; burst++) {
        for (let i = 0; i < 1000; i++) assert.equal(q.tryEnqueue(source.item(CHANNELS[i % 4]!.id, 100)), 'accepted');
        for (let item = q.tryDequeue(); item !== undefined; item = q.tryDequeue()) {
          assert.ok(item.seq > (lastSeq.get(item.channelId) ?? -1));
          lastSeq.set(item.channelId, item.seq);
          delivered++;
        }
      }
      assert.equal(delivered, 200_000);
      const stats = q.stats();
      assert.equal(stats.enqueued, 200_000);
      assert.equal(stats.dequeued, 200_000);
      assert.equal(stats.bytes, 0);
    });

    it('carries an async producer/consumer pipeline; every message is delivered or counted as dropped', async () => {
      const q = make(64);
      const source = new ItemSource();
      const sent = 20_000;
      const consumer = (async () => {
        const got: SeqItem[] = [];
        for (;;) {
          try {
            got.push(await q.dequeue());
          } catch (error) {
            assert.ok(error instanceof QueueClosedError);
            return got;
          }
        }
      })();
      let full = 0;
      for (let i = 0; i < sent; i++) {
        const result = await q.enqueue(source.item(CHANNELS[i % 4]!.id, 10));
        if (result === 'full') full++;
        // Give the consumer a chance now and then, as a socket would.
        if (i % 97 === 0) await settle(1);
      }
      q.close();
      const got = await consumer;
      const lastSeq = new Map<number, number>();
      for (const item of got) {
        assert.ok(item.seq > (lastSeq.get(item.channelId) ?? -1), 'per-channel FIFO');
        lastSeq.set(item.channelId, item.seq);
      }
      if (subject.blocks) {
        // Sheds happen only for a higher-priority arrival; anything lost is counted.
        assert.equal(full, 0, 'a blocking enqueue() waits instead of refusing');
      }
      assert.equal(got.length + totalDrops(q) + (subject.countsRejects ? 0 : full), sent, 'sent = delivered + dropped');
      if (!subject.sheds && !subject.countsRejects) assert.equal(got.length, sent);
    });

    it('on close: a waiting consumer rejects, later enqueues are refused, held items drain first', async () => {
      const q = make(4);
      const source = new ItemSource();
      const waiting = q.dequeue();
      q.close();
      await assert.rejects(waiting, QueueClosedError);
      assert.equal(q.isClosed, true);
      await q.closed;
      assert.equal(q.tryEnqueue(source.item(1)), 'closed');
      await assert.rejects(q.enqueue(source.item(1)), QueueClosedError);
      q.close(); // idempotent

      const q2 = make(4);
      q2.tryEnqueue(source.item(2));
      q2.tryEnqueue(source.item(3));
      q2.close();
      assert.equal(q2.length, 2);
      const drained = [await q2.dequeue(), await q2.dequeue()].map((i) => i.channelId).sort();
      assert.deepEqual(drained, [2, 3]);
      await assert.rejects(q2.dequeue(), QueueClosedError);
      assert.equal(q2.tryDequeue(), undefined);
    });

    it('hands an item straight to consumers waiting in dequeue(), in the order they waited, and counts it', async () => {
      const q = make(4);
      const source = new ItemSource();
      const first = q.dequeue();
      const second = q.dequeue();
      assert.equal(q.tryEnqueue(source.item(1)), 'accepted');
      assert.equal(q.length, 0, 'the item went to the first waiter, not into the queue');
      assert.equal(q.tryEnqueue(source.item(2)), 'accepted');
      assert.deepEqual([(await first).channelId, (await second).channelId], [1, 2]);
      assert.equal(q.tryEnqueue(source.item(3)), 'accepted');
      assert.equal(q.length, 1, 'nobody waits: the item is stored');
      const stats = q.stats();
      assert.deepEqual({ enqueued: stats.enqueued, dequeued: stats.dequeued }, { enqueued: 3, dequeued: 2 });
    });

    it('honours AbortSignal on a waiting dequeue and stays usable afterwards', async () => {
      const q = make(4);
      const source = new ItemSource();
      const controller = new AbortController();
      const waiting = q.dequeue(controller.signal);
      controller.abort();
      await assert.rejects(waiting, AbortError);
      await assert.rejects(q.dequeue(AbortSignal.abort()), AbortError, 'an already-aborted signal rejects at once');
      q.tryEnqueue(source.item(1));
      assert.equal((await q.dequeue()).channelId, 1, 'the aborted waiter did not swallow the item');
    });

    if (subject.blocks) {
      it('parks a producer while full, releases it on room, on abort (item not stored) and on close', async () => {
        const q = make(2);
        const source = new ItemSource();
        // Highest priority everywhere, so no policy can shed its way in.
        q.tryEnqueue(source.item(4));
        q.tryEnqueue(source.item(4));
        assert.equal(q.tryEnqueue(source.item(4)), 'full');
        assert.equal(totalDrops(q), 0, 'a refused item is not counted by a blocking queue');

        let settled = false;
        const parked = q.enqueue(source.item(4)).finally(() => (settled = true));
        await settle();
        assert.equal(settled, false, 'the producer waits while full');
        assert.equal(q.tryDequeue()?.seq, 0);
        assert.equal(await parked, 'accepted');
        assert.deepEqual([q.tryDequeue()?.seq, q.tryDequeue()?.seq], [1, 3]);

        q.tryEnqueue(source.item(4));
        q.tryEnqueue(source.item(4));
        const controller = new AbortController();
        const aborted = q.enqueue(source.item(4), controller.signal);
        controller.abort();
        await assert.rejects(aborted, AbortError);
        assert.equal(q.length, 2, 'the aborted item was not stored');

        const closing = q.enqueue(source.item(4));
        q.close();
        await assert.rejects(closing, QueueClosedError);
        assert.equal(q.length, 2);
      });
    } else {
      it('never parks a producer: enqueue() on a full queue settles at once', async () => {
        const q = make(2);
        const source = new ItemSource();
        q.tryEnqueue(source.item(4));
        q.tryEnqueue(source.item(4));
        assert.equal(await q.enqueue(source.item(4), AbortSignal.timeout(5_000)), 'full');
        assert.equal(q.stats().dropped.get(4), 1, 'the refused arrival is counted once');
      });
    }

    it('enqueueWhenRoom parks a producer while full under every policy, stores nothing twice, and honours abort and close', async () => {
      const q = make(2);
      const source = new ItemSource();
      // Highest priority everywhere, so no policy can shed its way in: there is no room until a dequeue.
      q.tryEnqueue(source.item(4));
      q.tryEnqueue(source.item(4));
      const dropsBefore = totalDrops(q);
      let settled = false;
      const parked = q.enqueueWhenRoom(source.item(4)).finally(() => (settled = true));
      await settle();
      assert.equal(settled, false, 'the producer waits while there is no room, lossy policy or not');
      assert.equal(q.tryDequeue()?.seq, 0);
      assert.equal(await parked, 'accepted');
      assert.equal(totalDrops(q), dropsBefore, 'waiting for room drops nothing');
      assert.deepEqual([q.tryDequeue()?.seq, q.tryDequeue()?.seq, q.tryDequeue()], [1, 2, undefined]);

      q.tryEnqueue(source.item(4));
      q.tryEnqueue(source.item(4));
      const controller = new AbortController();
      const aborted = q.enqueueWhenRoom(source.item(4), controller.signal);
      controller.abort();
      await assert.rejects(aborted, AbortError);
      assert.equal(q.length, 2, 'the aborted item was not stored');
      const closing = q.enqueueWhenRoom(source.item(4));
      q.close();
      await assert.rejects(closing, QueueClosedError);
      assert.equal(q.length, 2);
    });

    it('rejects invalid capacities with a message naming the value', () => {
      assert.throws(() => make(0), /capacity must be an integer ≥ 1, got 0/);
      assert.throws(() => make(2.5), /capacity.*2\.5/);
    });
  });
}
