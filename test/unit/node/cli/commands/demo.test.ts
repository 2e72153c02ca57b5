import assert from 'node:assert/strict';
import { demoFailure, type DemoSummary } from '../../../../../node/cli/commands/demo.js';

const healthy: DemoSummary = {
  nodes: 4,
  transport: 'tcp',
  durationS: 10,
  peersUp: 12,
  peersDown: 0,
  connections: 12,
  fullMesh: true,
  pingsSent: 120,
  pingsReceived: 120,
  pongsReceived: 118,
  errors: 0,
  rttMs: { p50: 0.2, p99: 0.9, max: 1.5, samples: 118 },
};

describe('tmp2p demo: when a run counts as failed (exit code 1)', () => {
  it('a run whose connections formed and whose pings were answered passes', () => {
    assert.equal(demoFailure(healthy, 1000), undefined);
  });

  it('fails when no connection ever formed', () => {
    const failure = demoFailure({ ...healthy, peersUp: 0, connections: 0, fullMesh: false, pingsSent: 0, pingsReceived: 0, pongsReceived: 0 }, 1000);
    assert.match(failure ?? '', /no connection formed between the 4 nodes in 10\.0 s/);
  });

  it('fails when connections formed but no ping was answered in a run long enough for one', () => {
    const failure = demoFailure({ ...healthy, pongsReceived: 0 }, 1000);
    assert.match(failure ?? '', /no ping was answered/);
  });

  it('does not fail a run too short for a ping to be answered, nor one whose mesh is not full', () => {
    assert.equal(demoFailure({ ...healthy, durationS: 1.5, pongsReceived: 0 }, 1000), undefined);
    assert.equal(demoFailure({ ...healthy, connections: 10, fullMesh: false }, 1000), undefined);
  });
});
