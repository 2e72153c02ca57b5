import assert from 'node:assert/strict';
import { ClosedLosers } from '../../../../framework/router/duplicate-connections.js';
import { fakePeer } from '../../../support/fake-transport.js';

describe('duplicate connections: losers the peer closed (ClosedLosers)', () => {
  const a = fakePeer().nodeId;
  const b = fakePeer().nodeId;

  it('a winner routed within the grace period after the peer closed the loser ends that swap, once', () => {
    let now = 0;
    const losers = new ClosedLosers(5000, () => now);
    losers.closedByPeer(a);
    now = 4000;
    assert.equal(losers.routed(a, true), true);
    assert.equal(losers.routed(a, true), false, 'forgotten once used');
    assert.equal(losers.size, 0);
  });

  it('not after the grace period, not for a connection that loses, and not for another peer', () => {
    let now = 0;
    const losers = new ClosedLosers(5000, () => now);
    losers.closedByPeer(a);
    losers.closedByPeer(b);
    assert.equal(losers.routed(a, false), false, 'the loser again: a redial, not the winner');
    assert.equal(losers.routed(a, true), false, 'forgotten by the routing above');
    now = 5001;
    assert.equal(losers.routed(b, true), false, 'too late to be that swap');
  });

  it('holds at most maxEntries peers, forgetting the oldest', () => {
    const losers = new ClosedLosers(5000, () => 0, 2);
    const peers = [fakePeer().nodeId, fakePeer().nodeId, fakePeer().nodeId];
    for (const p of peers) losers.closedByPeer(p);
    assert.equal(losers.size, 2);
    assert.equal(losers.routed(peers[0]!, true), false);
    assert.equal(losers.routed(peers[2]!, true), true);
  });
});
