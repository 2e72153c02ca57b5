import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WdrrQueue, WdrrQueueFactory, DEFAULT_WDRR_QUANTUM_PER_PRIORITY, type WdrrQueueSettings } from '../../../../plugins/queues/wdrr.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import type { QueueChannelInfo } from '../../../../framework/queue/queue.js';
import { trackTimers } from '../../../support/timer-tracker.js';
import { CHANNELS, ItemSource, UNLISTED_CHANNEL, settle, type SeqItem } from '../../../support/queues/subjects.js';

const BIG = { capacity: 1_000_000, capacityBytes: 1 << 30 };

/**
 * Keeps every channel backlogged (refilling whatever was taken) while taking
 * `rounds` messages; returns messages and bytes served per channel.
 */
function serveBacklogged(
  channels: readonly QueueChannelInfo[],
  sizeOf: (channelId: number) => number,
  takes: number,
  settings: WdrrQueueSettings = {},
): { items: Map<number, number>; bytes: Map<number, number> } {
  const q = new WdrrQueue<SeqItem>({ ...BIG, channels }, settings);
  const source = new ItemSource();
  const ids = channels.map((c) => c.id);
  for (const id of ids) for (let i = 0; i < 20; i++) q.tryEnqueue(source.item(id, sizeOf(id)));
  const items = new Map<number, number>(ids.map((id) => [id, 0]));
  const bytes = new Map<number, number>(ids.map((id) => [id, 0]));
  for (let i = 0; i < takes; i++) {
    const item = q.tryDequeue()!;
    items.set(item.channelId, items.get(item.channelId)! + 1);
    bytes.set(item.channelId, bytes.get(item.channelId)! + item.size);
    assert.equal(q.tryEnqueue(source.item(item.channelId, sizeOf(item.channelId))), 'accepted');
  }
  return { items, bytes };
}

function assertShares(served: Map<number, number>, weights: Map<number, number>, tolerance: number): void {
  const total = [...served.values()].reduce((a, b) => a + b, 0);
  const weightSum = [...weights.values()].reduce((a, b) => a + b, 0);
  for (const [id, weight] of weights) {
    const share = served.get(id)! / total;
    const expected = weight / weightSum;
    assert.ok(Math.abs(share - expected) <= tolerance * expected, `channel ${id}: share ${share.toFixed(4)}, expected ${expected.toFixed(4)} ± ${tolerance * 100}%`);
  }
}

describe('wdrr queue plugin', () => {
  it('gives equal-size messages shares proportional to channel priority over many rounds', () => {
    const { items } = serveBacklogged(CHANNELS, () => 512, 50_000);
    assertShares(items, new Map(CHANNELS.map((c) => [c.id, c.priority])), 0.01);
  });

  it('shares bytes, not messages: small messages go out more often at equal weight', () => {
    const channels = [{ id: 1, priority: 1 }, { id: 2, priority: 1 }];
    const { items, bytes } = serveBacklogged(channels, (id) => (id === 1 ? 100 : 1000), 20_000);
    assertShares(bytes, new Map([[1, 1], [2, 1]]), 0.02);
    assert.ok(items.get(1)! > 9 * items.get(2)!, `100-byte channel served ${items.get(1)} vs ${items.get(2)}`);
  });

  it('keeps byte shares proportional to weights for random sizes and weights', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 255 }), priority: fc.integer({ min: 1, max: 8 }), size: fc.integer({ min: 1, max: 4000 }) }), {
          minLength: 2,
          maxLength: 5,
          selector: (c) => c.id,
        }),
        (flows) => {
          const sizes = new Map(flows.map((f) => [f.id, f.size]));
          const { bytes } = serveBacklogged(flows, (id) => sizes.get(id)!, 8_000);
          // DRR keeps each backlogged flow within about a quantum plus a message of its exact share.
          const total = [...bytes.values()].reduce((a, b) => a + b, 0);
          const weightSum = flows.reduce((a, f) => a + f.priority, 0);
          const slack = 2 * (8 * DEFAULT_WDRR_QUANTUM_PER_PRIORITY + 4000);
          for (const f of flows) {
            const expected = (total * f.priority) / weightSum;
            assert.ok(Math.abs(bytes.get(f.id)! - expected) <= slack, `channel ${f.id}: ${bytes.get(f.id)} bytes, expected ${expected.toFixed(0)} ± ${slack}`);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('serves messages far bigger than the quantum in proportion too (skipping empty rounds)', () => {
    const { items } = serveBacklogged(
      [{ id: 1, priority: 1 }, { id: 2, priority: 4 }],
      () => 5 * 1024 * 1024,
      500,
      { quantumPerPriority: 1 },
    );
    assertShares(items, new Map([[1, 1], [2, 4]]), 0.02);
  });

  it('keeps FIFO within a flow and lets a lone flow take everything', () => {
    const q = new WdrrQueue<SeqItem>({ capacity: 100, channels: CHANNELS });
    const source = new ItemSource();
    for (let i = 0; i < 10; i++) q.tryEnqueue(source.item(1, 5000));
    const seqs = [];
    for (let item = q.tryDequeue(); item; item = q.tryDequeue()) seqs.push(item.seq);
    assert.deepEqual(seqs, [...Array(10).keys()]);
  });

  it('does not let an emptied flow hoard credit', () => {
    const q = new WdrrQueue<SeqItem>({ capacity: 100, channels: [{ id: 1, priority: 1 }, { id: 2, priority: 1 }] }, { quantumPerPriority: 2000 });
    const source = new ItemSource();
    // Channel 1 earns a 2000-byte quantum but spends 10; carrying 1990 over would buy it a third message per turn.
    q.tryEnqueue(source.item(1, 10));
    assert.equal(q.tryDequeue()?.channelId, 1);
    for (let i = 0; i < 4; i++) q.tryEnqueue(source.item(2, 1000));
    for (let i = 0; i < 4; i++) q.tryEnqueue(source.item(1, 1000));
    const order = [];
    for (let item = q.tryDequeue(); item; item = q.tryDequeue()) order.push(item.channelId);
    assert.deepEqual(order, [2, 2, 1, 1, 2, 2, 1, 1]);
  });

  it('gives unlisted channels weight 1, sharing one flow', () => {
    const q = new WdrrQueue<SeqItem>({ capacity: 1000, channels: [{ id: 1, priority: 1 }] });
    const source = new ItemSource();
    // 128-byte messages: exactly 8 per 1024-byte turn.
    for (let i = 0; i < 100; i++) {
      q.tryEnqueue(source.item(1, 128));
      q.tryEnqueue(source.item(i % 2 ? UNLISTED_CHANNEL : 77, 128));
    }
    const counts = new Map<number, number>();
    for (let i = 0; i < 96; i++) {
      const item = q.tryDequeue()!;
      counts.set(item.channelId, (counts.get(item.channelId) ?? 0) + 1);
    }
    assert.equal(counts.get(1), 48, 'the listed weight-1 channel and the shared unlisted flow split evenly');
    assert.equal((counts.get(UNLISTED_CHANNEL) ?? 0) + (counts.get(77) ?? 0), 48);
  });

  it('sheds the lowest-weight flow’s oldest messages first and counts them', () => {
    const q = new WdrrQueue<SeqItem>({ capacity: 4, channels: CHANNELS });
    const source = new ItemSource();
    q.tryEnqueue(source.item(2));
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(1));
    q.tryEnqueue(source.item(UNLISTED_CHANNEL));
    assert.equal(q.tryEnqueue(source.item(3)), 'accepted-with-drop');
    assert.deepEqual([...q.stats().dropped], [[UNLISTED_CHANNEL, 1]], 'unlisted (priority 0) goes first');
    assert.equal(q.tryEnqueue(source.item(3)), 'accepted-with-drop');
    assert.deepEqual(new Map(q.stats().dropped), new Map([[UNLISTED_CHANNEL, 1], [1, 1]]));
    assert.equal(q.tryEnqueue(source.item(1)), 'full', 'weight 1 cannot shed its equals');
    assert.deepEqual(new Map(q.stats().dropped), new Map([[UNLISTED_CHANNEL, 1], [1, 2]]));
    const left = [];
    for (let item = q.tryDequeue(); item; item = q.tryDequeue()) left.push(`${item.channelId}:${item.seq}`);
    assert.deepEqual(left.sort(), ['1:1', '2:0', '3:0', '3:1']);
  });

  it('does nothing while idle: no timers, and one look at the queue per wake-up', async () => {
    const timers = trackTimers();
    try {
      let takes = 0;
      class ObservedWdrr extends WdrrQueue<SeqItem> {
        protected override take(): SeqItem | undefined {
          takes++;
          return super.take();
        }
      }
      const q = new ObservedWdrr({ capacity: 8, channels: CHANNELS });
      const source = new ItemSource();
      q.tryEnqueue(source.item(1));
      q.tryDequeue();
      const before = takes;
      const waiting = q.dequeue();
      await settle(20);
      assert.equal(takes - before, 1, 'a waiting consumer looked once and then slept');
      q.tryEnqueue(source.item(2));
      assert.equal((await waiting).channelId, 2);
      assert.equal(takes - before, 2);
      q.close();
      assert.deepEqual(timers.live(), [], 'no timers were created');
    } finally {
      timers.restore();
    }
  });

  it('uses quantumPerPriority from the factory (default 1024 bytes)', () => {
    assert.equal(DEFAULT_WDRR_QUANTUM_PER_PRIORITY, 1024);
    const channels = [{ id: 1, priority: 1 }, { id: 2, priority: 2 }];
    const orderWith = (settings: WdrrQueueSettings) => {
      const q = new WdrrQueueFactory(settings).create<SeqItem>({ capacity: 100, channels });
      const source = new ItemSource();
      for (let i = 0; i < 6; i++) {
        q.tryEnqueue(source.item(1, 1000));
        q.tryEnqueue(source.item(2, 1000));
      }
      const order = [];
      for (let i = 0; i < 6; i++) order.push(q.tryDequeue()!.channelId);
      return order;
    };
    // 1024-byte quanta: channel 1 affords one 1000-byte message per turn, channel 2 two.
    assert.deepEqual(orderWith({}), [1, 2, 2, 1, 2, 2]);
    // 3000-byte quanta: three and six per turn.
    assert.deepEqual(orderWith({ quantumPerPriority: 3000 }), [1, 1, 1, 2, 2, 2]);
  });

  it('rejects bad settings with InvalidArgumentError naming the value', () => {
    for (const quantum of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new WdrrQueueFactory({ quantumPerPriority: quantum }), (e: Error) => e instanceof InvalidArgumentError && /quantumPerPriority must be an integer ≥ 1/.test(e.message));
      assert.throws(() => new WdrrQueue({ capacity: 1 }, { quantumPerPriority: quantum }), InvalidArgumentError);
    }
    assert.throws(() => new WdrrQueue({ capacity: 1, channels: [{ id: 3, priority: 0 }] }), /channel 3 priority must be an integer ≥ 1, got 0/);
    assert.throws(() => new WdrrQueueFactory({ blockWhenFull: 1 as unknown as boolean }), /blockWhenFull/);
  });
});
