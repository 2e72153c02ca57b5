import assert from 'node:assert/strict';
import { Handoff, Waiters } from '../../../../framework/util/waiters.js';

/** Whether `promise` has settled by the time the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('Waiters', () => {
  it('wakes the oldest waiter with wakeOne and every waiter with wakeAll', async () => {
    const waiters = new Waiters();
    const first = waiters.wait();
    const second = waiters.wait();
    waiters.wakeOne();
    assert.equal(await settled(first), true);
    assert.equal(await settled(second), false);
    waiters.wakeAll();
    assert.equal(await settled(second), true);
    assert.equal(waiters.size, 0);
  });

  it('rejects a waiter whose signal aborts, and forgets it', async () => {
    const waiters = new Waiters();
    const controller = new AbortController();
    const waiting = waiters.wait(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(waiters.size, 0);
  });
});

describe('Handoff', () => {
  it('hands each value to the oldest waiter, and says when nobody waits', async () => {
    const handoff = new Handoff<string>();
    assert.equal(handoff.give('lost'), false, 'nobody waits: the value stays with the giver');
    const first = handoff.wait();
    const second = handoff.wait();
    assert.equal(handoff.give('a'), true);
    assert.equal(handoff.give('b'), true);
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
    assert.equal(handoff.size, 0);
  });

  it('rejects at once on an aborted signal, on a later abort (forgetting the waiter), and on rejectAll', async () => {
    const handoff = new Handoff<number>();
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(handoff.wait(aborted.signal), { name: 'AbortError' });

    const controller = new AbortController();
    const waiting = handoff.wait(controller.signal);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(handoff.give(1), false, 'the aborted waiter is gone');

    const a = handoff.wait();
    const b = handoff.wait(new AbortController().signal);
    handoff.rejectAll(new Error('closed'));
    await assert.rejects(a, /closed/);
    await assert.rejects(b, /closed/);
    assert.equal(handoff.size, 0);
  });

  it('detaches its abort listener once a value is handed over', async () => {
    const handoff = new Handoff<number>();
    const controller = new AbortController();
    const waiting = handoff.wait(controller.signal);
    handoff.give(7);
    controller.abort(); // too late to matter
    assert.equal(await waiting, 7);
  });
});
