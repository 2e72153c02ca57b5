import assert from 'node:assert/strict';
import type { PeerUpdate } from '../../../../framework/peer/types.js';
import { connectInbound, harness, nid } from './helpers.js';

const brief = (u: PeerUpdate) => `${u.status}:${Number(u.nodeId)}`;

describe('PeerManager: subscribe', () => {
  it('replays up for every ready peer first, then delivers live updates', async () => {
    const { pm } = await harness();
    connectInbound(pm, nid(1), [1, 2]);
    connectInbound(pm, nid(2), [3]);
    pm.accepted(nid(3)); // connected, not ready: not replayed
    const seen: PeerUpdate[] = [];
    pm.subscribe().subscribe((u) => seen.push(u));
    assert.deepEqual(seen.map(brief), ['up:1', 'up:2']);
    assert.deepEqual(seen[0].channels, new Set([1, 2]));
    pm.ready(nid(3), new Set([1]));
    pm.disconnected(nid(1));
    assert.deepEqual(seen.map(brief), ['up:1', 'up:2', 'up:3', 'down:1']);
  });

  it('delivers in the same order to every subscriber even when a handler re-enters the manager', async () => {
    const { pm } = await harness();
    const first: string[] = [];
    const second: string[] = [];
    pm.subscribe().subscribe((u) => {
      first.push(brief(u));
      // A reactor that drops peers it dislikes, synchronously from its handler.
      if (u.status === 'up' && u.nodeId === nid(1)) pm.disconnected(u.nodeId);
    });
    pm.subscribe().subscribe((u) => second.push(brief(u)));
    connectInbound(pm, nid(1));
    assert.deepEqual(first, ['up:1', 'down:1']);
    assert.deepEqual(second, ['up:1', 'down:1']);
  });

  it('a subscriber added during delivery never sees a down without its up', async () => {
    const { pm } = await harness();
    const late: string[] = [];
    let subscribed = false;
    pm.subscribe().subscribe((u) => {
      if (u.status === 'up' && u.nodeId === nid(1)) pm.disconnected(nid(1)); // queues down:1
      if (!subscribed) {
        subscribed = true;
        pm.subscribe().subscribe((v) => late.push(brief(v)));
      }
    });
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    assert.deepEqual(late, ['up:2']);
  });

  it('pairs every up with exactly one down, including at close', async () => {
    const { pm, updates } = await harness();
    connectInbound(pm, nid(1));
    connectInbound(pm, nid(2));
    pm.disconnected(nid(1));
    pm.disconnected(nid(1));
    let completed = false;
    pm.subscribe().subscribe({ complete: () => (completed = true) });
    await pm.close();
    assert.deepEqual(updates.map(brief), ['up:1', 'up:2', 'down:1', 'down:2']);
    assert.equal(completed, true);
    let lateCompleted = false;
    pm.subscribe().subscribe({ complete: () => (lateCompleted = true) });
    assert.equal(lateCompleted, true, 'subscribing after close completes at once');
  });

  it('stops delivering after unsubscribe', async () => {
    const { pm } = await harness();
    const seen: string[] = [];
    const sub = pm.subscribe().subscribe((u) => seen.push(brief(u)));
    connectInbound(pm, nid(1));
    sub.unsubscribe();
    pm.disconnected(nid(1));
    assert.deepEqual(seen, ['up:1']);
  });

  it('hands each subscriber its own channel set', async () => {
    const { pm, updates } = await harness();
    connectInbound(pm, nid(1), [1]);
    (updates[0].channels as Set<number>).add(42);
    assert.deepEqual(pm.peerChannels(nid(1)), new Set([1]));
    const replay: PeerUpdate[] = [];
    pm.subscribe().subscribe((u) => replay.push(u));
    assert.deepEqual(replay[0].channels, new Set([1]));
  });
});
