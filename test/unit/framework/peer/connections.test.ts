import assert from 'node:assert/strict';
import { ConnectionTable } from '../../../../framework/peer/connections.js';
import { nid } from './helpers.js';

function table(...connected: number[]): ConnectionTable {
  const conns = new ConnectionTable({ maxConnected: 10, maxConnectedUpgrade: 2, maxOutgoing: 0, maxInbound: 0 });
  for (const n of connected) conns.connected.set(nid(n), { direction: 'inbound', since: 0, persistent: false });
  return conns;
}

describe('ConnectionTable evictions', () => {
  it('hands out scheduled evictions in order, each once', () => {
    const conns = table(1, 2);
    assert.equal(conns.scheduleEviction(nid(2)), true);
    assert.equal(conns.scheduleEviction(nid(1)), true);
    assert.equal(conns.scheduleEviction(nid(2)), true);
    assert.equal(conns.takeScheduledEviction(), nid(2));
    assert.equal(conns.takeScheduledEviction(), nid(1));
    assert.equal(conns.takeScheduledEviction(), undefined);
  });

  it('refuses to schedule a peer already being evicted', () => {
    const conns = table(1);
    conns.evicting.add(nid(1));
    assert.equal(conns.scheduleEviction(nid(1)), false);
    assert.equal(conns.evictQueue.size, 0);
  });

  it('drops scheduled evictions that are no longer due: the peer left, or is being evicted already', () => {
    const conns = table(1, 2, 3);
    for (const n of [1, 2, 3]) conns.scheduleEviction(nid(n));
    conns.connected.delete(nid(1));
    conns.evicting.add(nid(2));
    assert.equal(conns.takeScheduledEviction(), nid(3));
    assert.equal(conns.evictQueue.size, 0);
  });
});
