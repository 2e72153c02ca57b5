import assert from 'node:assert/strict';
import { runSimulation } from '../../../node/simulation/run-simulation.js';
import type { SimulationSummary } from '../../../node/simulation/summary.js';
import { seeded } from '../../support/fakes.js';


describe('simulation: 100 nodes discover each other by PEX and survive churn', function () {
  this.timeout(120_000);
  let s: SimulationSummary;

  before(async () => {
    s = await runSimulation({
      nodes: 100,
      seeds: 3,
      durationS: 40,
      // Faster than CometBFT's 30 s so the test is short; the 10 s per-peer pacing still holds.
      pexIntervalMs: 2_000,
      churnPercent: 30,
      churnDowntimeMs: 3_000,
      joinGraceMs: 8_000,
      random: seeded(2024),
    });
  });

  it('converges: every node reaches its 10 outbound peers, and the overlay is connected', () => {
    assert.equal(s.convergence.converged, true, JSON.stringify(s.timeline.slice(0, 20)));
    assert.ok(s.convergence.timeS !== null && s.convergence.timeS < 40);
    const g = s.atConvergence;
    assert.equal(g.nodes, 100);
    assert.equal(g.atOutboundTarget, 100);
    assert.equal(g.outbound.min, 10);
    assert.ok(g.outbound.max <= 10, 'max_outgoing_connections holds');
    assert.ok(g.degree.max <= 54, 'max_connections (50) plus upgrade slots holds');
    assert.equal(g.connected, true);
    assert.equal(g.components, 1);
    assert.ok(g.diameterEstimate >= 2 && g.diameterEstimate <= 6, `diameter estimate ${g.diameterEstimate}`);
  });

  it('floods a message hop by hop to every node', () => {
    assert.equal(s.broadcast.reached, 100);
    assert.equal(s.broadcast.of, 100);
    assert.notEqual(s.broadcast.timeMs, null);
    assert.ok(s.broadcast.maxHops >= 1 && s.broadcast.maxHops <= s.atConvergence.diameterEstimate + 2);
    assert.ok(s.broadcast.copiesPerNode >= 10, 'each node hears it from most of its peers');
  });

  it('stays connected while 30 % of the nodes leave and rejoin per minute', () => {
    const c = s.churn;
    assert.ok(c !== null);
    assert.ok(c.departures >= 10, `${c.departures} departures`);
    assert.ok(c.rejoins >= 8, `${c.rejoins} rejoins`);
    assert.equal(c.failures, 0);
    assert.ok(c.samples >= 20);
    assert.equal(c.alwaysConnected, true, JSON.stringify(s.timeline.filter((t) => !t.connected)));
    assert.equal(s.final.connected, true);
    assert.ok(s.final.nodes >= 90, `${s.final.nodes} established nodes at the end`);
  });

  it('accounts for every message and reports no errors', () => {
    const m = s.messages;
    assert.equal(m.sent, m.delivered + m.lost + m.discarded + m.inFlight);
    assert.equal(m.lost, 0, 'no loss configured');
    assert.ok(s.pex.responsesReceived > 100);
    assert.equal(s.pex.errors, 0);
    assert.equal(s.loopErrors, 0);
    assert.ok(s.heap.perNodeMB > 0 && s.heap.perNodeMB < 20, `${s.heap.perNodeMB} MB per node`);
  });
});
