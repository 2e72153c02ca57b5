import assert from 'node:assert/strict';
import { OutageTracker } from '../../../../plugins/peer-stores/mongodb/outage-tracker.js';
import { recordingLogger } from '../../../support/recording-logger.js';

function rig() {
  const { lines, logger } = recordingLogger();
  const clock = { now: 1_000 };
  const tracker = new OutageTracker(logger, 'mongodb://h db.peers', () => clock.now);
  return { tracker, lines, clock };
}

const backlog = { pending: 3, dropped: 1 };

describe('MongoDB store OutageTracker', () => {
  it('starts connecting and goes up on the first success, without a log line', () => {
    const { tracker, lines, clock } = rig();
    assert.equal(tracker.state, 'connecting');
    assert.equal(tracker.since, 1_000);
    clock.now = 1_500;
    tracker.noteSuccess(backlog);
    assert.equal(tracker.state, 'up');
    assert.equal(tracker.since, 1_500);
    assert.deepEqual(lines, []);
  });

  it('counts one outage however many failures it lasts, warning at its start and once a minute after', () => {
    const { tracker, lines, clock } = rig();
    tracker.noteFailure(new Error('connect ECONNREFUSED'), backlog);
    assert.equal(tracker.state, 'down');
    assert.equal(tracker.lastError, 'connect ECONNREFUSED');
    assert.deepEqual(lines.map((l) => l.msg), ['peer store database unreachable; buffering writes and retrying']);
    assert.deepEqual(lines[0]!.obj, { target: 'mongodb://h db.peers', pending: 3, err: 'connect ECONNREFUSED' });
    clock.now += 59_999;
    tracker.noteFailure(new Error('again'), backlog);
    assert.equal(lines.length, 1, 'no reminder within a minute');
    clock.now += 1;
    tracker.noteFailure(new Error('still'), { pending: 7, dropped: 2 });
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.msg, 'peer store database still unreachable');
    assert.deepEqual(lines[1]!.obj, { target: 'mongodb://h db.peers', downMs: 60_000, pending: 7, dropped: 2, err: 'still' });
    assert.equal(tracker.failures, 3);
    assert.equal(tracker.outages, 1);
    assert.equal(tracker.since, 1_000, 'down since the first failure');
  });

  it('logs the end of an outage and clears the failures and the error', () => {
    const { tracker, lines, clock } = rig();
    tracker.noteFailure(new Error('down'), backlog);
    clock.now += 2_500;
    tracker.noteSuccess({ pending: 9, dropped: 0 });
    assert.equal(tracker.state, 'up');
    assert.equal(tracker.failures, 0);
    assert.equal(tracker.lastError, undefined);
    assert.deepEqual(lines.at(-1), { level: 'info', obj: { target: 'mongodb://h db.peers', downMs: 2_500, pending: 9 }, msg: 'peer store database reachable again; catching up' });
    tracker.noteFailure(new Error('down again'), backlog);
    assert.equal(tracker.outages, 2);
  });

  it('stays closed once closed, whatever finishes after', () => {
    const { tracker } = rig();
    tracker.close();
    tracker.noteFailure(new Error('late'), backlog);
    tracker.noteSuccess(backlog);
    assert.equal(tracker.state, 'closed');
  });
});
