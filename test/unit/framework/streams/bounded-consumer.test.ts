import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { BoundedConsumer, consumeBounded, InvalidConsumeOptionsError, type ConsumerStats } from '../../../../framework/streams/index.js';

/** A handler whose calls stay pending until the test settles them. */
function controlled<T>() {
  const pending: Array<{ item: T; resolve: () => void; reject: (e: Error) => void }> = [];
  const handler = (item: T) => new Promise<void>((resolve, reject) => pending.push({ item, resolve, reject }));
  return { handler, pending };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedConsumer', () => {
  it('never runs more than `concurrency` handlers at once and buffers up to `buffer`', async () => {
    const { handler, pending } = controlled<number>();
    const consumer = new BoundedConsumer(handler, { concurrency: 2, buffer: 3, overflow: 'drop-newest' });
    for (let i = 0; i < 5; i++) consumer.push(i);
    assert.deepEqual(pending.map((p) => p.item), [0, 1]);
    assert.deepEqual(consumer.stats(), { handled: 0, failed: 0, dropped: 0, inFlight: 2, buffered: 3 });
    assert.equal(consumer.full, true);
    pending.shift()!.resolve();
    await tick();
    assert.deepEqual(pending.map((p) => p.item), [1, 2], 'the oldest waiting message takes the freed slot');
    assert.equal(consumer.stats().buffered, 2);
  });

  it('runs synchronous handlers at once, in order, without buffering', () => {
    const seen: number[] = [];
    const consumer = new BoundedConsumer((n: number) => void seen.push(n), { concurrency: 1, buffer: 0 });
    for (let i = 0; i < 1000; i++) consumer.push(i);
    assert.equal(seen.length, 1000);
    assert.deepEqual(consumer.stats(), { handled: 1000, failed: 0, dropped: 0, inFlight: 0, buffered: 0 });
  });

  it('drop-newest drops the arrival, drop-oldest the longest-waiting message, counting each', async () => {
    for (const overflow of ['drop-newest', 'drop-oldest'] as const) {
      const { handler, pending } = controlled<number>();
      const dropped: number[] = [];
      const consumer = new BoundedConsumer(handler, { concurrency: 1, buffer: 2, overflow }, { onDrop: (n) => dropped.push(n) });
      for (let i = 0; i < 6; i++) consumer.push(i);
      assert.deepEqual(dropped, overflow === 'drop-newest' ? [3, 4, 5] : [1, 2, 3]);
      while (pending.length > 0) {
        pending.shift()!.resolve();
        await tick();
      }
      assert.equal(consumer.stats().dropped, 3);
      assert.equal(consumer.stats().handled, 3);
    }
  });

  it('accounts for every message under random traffic: pushed = handled + dropped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ concurrency: fc.integer({ min: 1, max: 4 }), buffer: fc.integer({ min: 0, max: 5 }), overflow: fc.constantFrom('drop-newest' as const, 'drop-oldest' as const) }),
        fc.array(fc.oneof(fc.constant('push' as const), fc.constant('finish' as const)), { maxLength: 60 }),
        async (options, steps) => {
          const { handler, pending } = controlled<number>();
          const consumer = new BoundedConsumer(handler, options);
          let pushed = 0;
          let maxInFlight = 0;
          for (const step of steps) {
            if (step === 'push') consumer.push(pushed++);
            else pending.shift()?.resolve();
            await Promise.resolve();
            const s: ConsumerStats = consumer.stats();
            maxInFlight = Math.max(maxInFlight, s.inFlight);
            assert.ok(s.buffered <= options.buffer);
          }
          while (pending.length > 0) {
            pending.shift()!.resolve();
            await tick();
          }
          await consumer.idle();
          const s = consumer.stats();
          assert.ok(maxInFlight <= options.concurrency);
          assert.equal(s.handled + s.dropped, pushed);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with block, room() waits while full and resolves when a slot frees; release() wakes it for good', async () => {
    const { handler, pending } = controlled<number>();
    const consumer = new BoundedConsumer(handler, { concurrency: 1, buffer: 1, overflow: 'block' });
    consumer.push(0);
    consumer.push(1);
    assert.equal(consumer.full, true);
    let roomy = false;
    const room = consumer.room().then(() => (roomy = true));
    await tick();
    assert.equal(roomy, false);
    pending.shift()!.resolve();
    await room;
    assert.equal(consumer.full, false);
    consumer.push(2);
    assert.equal(consumer.full, true);
    consumer.release();
    assert.equal(consumer.full, false, 'a released consumer never holds its producer again');
    await consumer.room();
  });

  it('counts handler failures and keeps going', async () => {
    const errors: unknown[] = [];
    const consumer = new BoundedConsumer(
      async (n: number) => {
        if (n % 2) throw new Error(`bad ${n}`);
      },
      { concurrency: 2 },
      { onError: (e) => errors.push(e) },
    );
    for (let i = 0; i < 6; i++) consumer.push(i);
    consumer.push(7);
    await consumer.idle();
    assert.deepEqual(consumer.stats(), { handled: 7, failed: 4, dropped: 0, inFlight: 0, buffered: 0 });
    assert.equal(errors.length, 4);
    const syncThrow = new BoundedConsumer(() => {
      throw new Error('sync');
    });
    syncThrow.push(1);
    assert.equal(syncThrow.stats().failed, 1);
  });

  it('rejects bad options naming the option and the value', () => {
    const cases: Array<[object, RegExp]> = [
      [{ concurrency: 0 }, /concurrency must be an integer ≥ 1, got 0/],
      [{ concurrency: 1.5 }, /concurrency must be an integer ≥ 1, got 1\.5/],
      [{ buffer: -1 }, /buffer must be an integer ≥ 0, got -1/],
      [{ overflow: 'drop-everything' }, /overflow must be "block", "drop-oldest" or "drop-newest", got "drop-everything"/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new BoundedConsumer(() => {}, options), (e: Error) => e instanceof InvalidConsumeOptionsError && message.test(e.message));
    }
  });
});

describe('consumeBounded operator', () => {
  it('runs an async handler over a fast stream with bounded concurrency, drops the overflow and counts it', async () => {
    const source = new Subject<number>();
    let inFlight = 0;
    let maxInFlight = 0;
    let read: () => ConsumerStats = () => assert.fail('stats not provided');
    const results = lastValueFrom(
      source.pipe(
        consumeBounded(
          async (n: number) => {
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            await tick();
            inFlight--;
            return n * 10;
          },
          { concurrency: 3, buffer: 5, overflow: 'drop-newest', stats: (r) => (read = r) },
        ),
        toArray(),
      ),
    );
    for (let i = 0; i < 100; i++) source.next(i);
    source.complete();
    const out = await results;
    assert.ok(maxInFlight <= 3);
    assert.equal(out.length, 8, 'three in flight and five buffered were handled');
    assert.equal(read().dropped, 92);
    assert.deepEqual([...out].sort((a, b) => a - b), [0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it('refuses "block", which a plain Observable cannot honour', () => {
    assert.throws(() => consumeBounded(async () => 1, { overflow: 'block' }), (e: Error) => e instanceof InvalidConsumeOptionsError && /ChannelHandle\.consume/.test(e.message));
  });

  it('passes a handler error on as the stream’s error', async () => {
    const source = new Subject<number>();
    const done = lastValueFrom(source.pipe(consumeBounded(async () => Promise.reject(new Error('handler broke')))));
    source.next(1);
    await assert.rejects(done, /handler broke/);
  });
});
