import assert from 'node:assert/strict';
import { BusyPoller, type BusyPollScheduler } from '../../../../../../plugins/transports/mconn/mconnection/busy-poll.js';
import { Recorder, channel, mconn, tcpPair } from './helpers.js';

/** A clock the test moves, and a scheduler whose pending callback the test runs (one loop turn). */
function manual() {
  let now = 1000;
  let pending: (() => void) | undefined;
  const scheduler: BusyPollScheduler = {
    next(callback) {
      assert.equal(pending, undefined, 'one immediate at a time');
      pending = callback;
    },
  };
  const poller = new BusyPoller({ now: () => now }, scheduler);
  return {
    poller,
    advanceUs: (us: number) => (now += us / 1000),
    /** Runs the pending turn; false when nothing was pending (the loop would sleep). */
    turn(): boolean {
      const callback = pending;
      pending = undefined;
      callback?.();
      return callback !== undefined;
    },
  };
}

describe('BusyPoller', () => {
  it('keeps the loop turning for the window after activity, then lets it sleep', () => {
    const { poller, advanceUs, turn } = manual();
    assert.equal(turn(), false, 'idle: nothing keeps the loop awake');
    poller.touch(100);
    assert.equal(poller.active, true);
    advanceUs(40);
    assert.equal(turn(), true);
    advanceUs(40);
    assert.equal(turn(), true);
    assert.equal(poller.active, true, '80 µs into a 100 µs window');
    advanceUs(40);
    assert.equal(turn(), true, 'the turn that finds the window over ends the spin');
    assert.equal(poller.active, false);
    assert.equal(turn(), false, 'and nothing is pending after it');
    assert.equal(poller.spins, 2);
  });

  it('extends the window on new activity and takes the longest window asked for', () => {
    const { poller, advanceUs, turn } = manual();
    poller.touch(100);
    advanceUs(90);
    poller.touch(50); // ends before the first window: changes nothing
    poller.touch(100); // from now: until 190 µs
    advanceUs(60);
    turn();
    assert.equal(poller.active, true, '150 µs in, the renewed window is still open');
    advanceUs(60);
    turn();
    assert.equal(poller.active, false);
  });

  it('does nothing for a zero window', () => {
    const { poller, turn } = manual();
    poller.touch(0);
    assert.equal(poller.active, false);
    assert.equal(turn(), false);
  });
});

describe('MConnection busy polling', () => {
  it('keeps its poller awake after each read and write when busyPollUs is set, and never when it is 0', async () => {
    const touched: number[] = [];
    const recording = new (class extends BusyPoller {
      override touch(windowUs: number): void {
        touched.push(windowUs);
      }
    })();
    const channels = [channel(0x20)];
    const [x, y] = await tcpPair();
    const received = new Recorder();
    const a = mconn(x, { channels, busyPollUs: 300, busyPoller: recording });
    const b = mconn(y, { channels, busyPoller: recording }, received);
    try {
      assert.equal(a.conn.trySend(0x20, new Uint8Array([1, 2, 3])), true);
      await received.waitFor(1);
      assert.ok(touched.length >= 1, 'the sender touched its poller after writing');
      assert.ok(touched.every((w) => w === 300), `only the connection with busyPollUs touched it: ${touched.join(',')}`);
      const afterSend = touched.length;
      assert.equal(b.conn.trySend(0x20, new Uint8Array([4])), true);
      await new Promise<void>((resolve) => {
        const check = () => (touched.length > afterSend ? resolve() : setTimeout(check, 1));
        check();
      });
    } finally {
      a.conn.close();
      b.conn.close();
    }
  });
});
