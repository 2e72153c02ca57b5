import assert from 'node:assert/strict';
import { resolveSoakOptions } from '../support/soak/options.js';
import { runSoak } from '../support/soak/run-soak.js';
import type { SoakSummary } from '../support/soak/summary.js';

/*
 * The short soak of `npm test`: four nodes in processes of their own for
 * 60 s of honest echo traffic, restarts and every kind of attack. It asserts
 * outcomes only — nothing lost, every node answering, faults injected, memory
 * flat — so a slow machine runs fewer attacks but judges them the same way.
 * `npm run soak` runs the long one.
 */
describe('soak: four nodes over TCP under restarts and attack for 60 s', function () {
  this.timeout(600_000);
  let summary: SoakSummary;

  before(async () => {
    summary = await runSoak(resolveSoakOptions({ durationS: 60, sampleIntervalS: 1, restartIntervalS: 15, drainS: 60, progress: false }));
  });

  it('passes its own checks', () => {
    assert.deepEqual(summary.failures, [], JSON.stringify(summary.failures, null, 2));
    assert.equal(summary.ok, true);
  });

  it('answers every honest ping, apart from those a restart explains', () => {
    const { lost, load } = summary;
    assert.ok(load.messages.sent > 0, 'honest traffic flowed');
    assert.equal(lost.lostToDisconnect, 0);
    assert.equal(lost.unanswered, 0);
    assert.equal(lost.unmatchedPongs, 0);
    assert.equal(lost.unexplainedDisconnects, 0);
    assert.equal(load.messages.answered + lost.lostToRestart, load.messages.sent);
    assert.ok(summary.restarts.count > 0, 'nodes were restarted');
    assert.equal(summary.restarts.notRestored, 0);
  });

  it('injected every kind of fault, and the nodes closed every hostile connection', () => {
    const { faults } = summary;
    for (const [kind, counts] of Object.entries({ churn: faults.churn, fatalBurst: faults.fatalBurst, violation: faults.violation, oversized: faults.oversized })) {
      assert.ok(counts.injected > 0, `${kind}: ${JSON.stringify(counts)}`);
      assert.equal(counts.notDropped, 0, `${kind}: the node kept a hostile connection open`);
    }
    assert.ok(faults.fatalBurst.droppedByNode > 0 && faults.violation.droppedByNode > 0 && faults.oversized.droppedByNode > 0);
    assert.ok(faults.idleHold.opened > 0 && faults.idleHold.closedByNode > 0, JSON.stringify(faults.idleHold));
    const refusedByNodes = summary.nodes.reduce((sum, n) => sum + Object.values(n.seen.rejectedInbound).reduce((a, b) => a + b, 0), 0);
    assert.ok(refusedByNodes > 0, 'the nodes refused hostile handshakes');
  });

  it('kept every node answering and its memory, handles and descriptors flat', () => {
    assert.deepEqual(summary.answering.failures, []);
    assert.equal(summary.verdict, 'flat');
    for (const node of summary.nodes) {
      for (const [metric, verdict] of Object.entries(node.memory)) {
        if (verdict !== null) assert.equal(verdict.verdict, 'flat', `node ${node.index} ${metric}: ${JSON.stringify(verdict)}`);
      }
      assert.ok(node.knownPeers.max <= node.knownPeers.cap);
    }
  });
});
