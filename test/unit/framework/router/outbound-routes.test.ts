import assert from 'node:assert/strict';
import { OutboundRoutes, type RoutablePeer } from '../../../../framework/router/outbound-routes.js';
import type { OutboundItem } from '../../../../framework/router/peer-connection.js';
import { DropCounter } from '../../../../framework/router/drop-counter.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { FifoQueue } from '../../../../plugins/queues/fifo.js';
import { fakePeer } from '../../../support/fake-transport.js';

const CHANNEL = 0x30;
const OTHER_CHANNEL = 0x31;

/** A routed peer with a real FIFO queue of `capacity` messages that nothing drains. */
function routable(channels: readonly number[], capacity = 1): RoutablePeer & { queue: FifoQueue<OutboundItem>; drops: DropCounter } {
  return { hasChannel: (id) => channels.includes(id), queue: new FifoQueue<OutboundItem>({ capacity }), drops: new DropCounter() };
}

/**
 * OutboundRoutes (Router doc comment, "per channel"): a send puts the encoded
 * bytes on each target peer's bounded queue, and says why when it cannot.
 */
describe('OutboundRoutes', () => {
  const bytes = Uint8Array.of(1, 2, 3);
  let peers: Map<NodeID, ReturnType<typeof routable>>;
  let routes: OutboundRoutes;
  const [a, b, c] = [fakePeer().nodeId, fakePeer().nodeId, fakePeer().nodeId];

  beforeEach(() => {
    peers = new Map();
    routes = new OutboundRoutes(peers, () => {});
  });

  it('unicast queues the bytes for a routed peer on that channel, and names every reason it cannot', () => {
    peers.set(a, routable([CHANNEL]));
    assert.equal(routes.unicast(CHANNEL, a, bytes), 'queued');
    assert.deepEqual(peers.get(a)!.queue.tryDequeue(), { channelId: CHANNEL, bytes, size: 3 });

    assert.equal(routes.unicast(CHANNEL, b, bytes), 'unknown-peer');
    assert.equal(routes.unicast(OTHER_CHANNEL, a, bytes), 'peer-lacks-channel');
    routes.unicast(CHANNEL, a, bytes);
    assert.equal(routes.unicast(CHANNEL, a, bytes), 'peer-queue-full');
    peers.get(a)!.queue.close();
    assert.equal(routes.unicast(CHANNEL, a, bytes), 'peer-queue-full', 'a closed queue takes nothing either');
    assert.equal(peers.get(a)!.drops.total, 0, 'unicast outcomes are the channel\'s to count');
  });

  it('broadcast queues for every peer on the channel, skips the others, and counts a drop on each full queue', () => {
    peers.set(a, routable([CHANNEL]));
    peers.set(b, routable([CHANNEL]));
    peers.set(c, routable([OTHER_CHANNEL]));
    peers.get(b)!.queue.tryEnqueue({ channelId: CHANNEL, bytes, size: 3 });

    assert.equal(routes.broadcast(CHANNEL, bytes), 1);
    assert.equal(peers.get(a)!.queue.length, 1);
    assert.deepEqual(peers.get(b)!.drops.snapshot(), { 'peer-queue-full': 1 });
    assert.equal(peers.get(c)!.queue.length, 0);
    assert.equal(peers.get(c)!.drops.total, 0, 'a peer without the channel is not a drop');
  });

  it('unicastWhenRoom waits for room, answers unknown-peer when the peer goes while it waits, and rethrows an abort', async () => {
    peers.set(a, routable([CHANNEL]));
    const queue = peers.get(a)!.queue;
    queue.tryEnqueue({ channelId: CHANNEL, bytes, size: 3 });

    const waiting = routes.unicastWhenRoom(CHANNEL, a, bytes);
    queue.tryDequeue();
    assert.equal(await waiting, 'queued');

    const gone = routes.unicastWhenRoom(CHANNEL, a, bytes);
    queue.close();
    assert.equal(await gone, 'unknown-peer');

    peers.set(b, routable([CHANNEL]));
    peers.get(b)!.queue.tryEnqueue({ channelId: CHANNEL, bytes, size: 3 });
    const abort = new AbortController();
    const aborted = routes.unicastWhenRoom(CHANNEL, b, bytes, abort.signal);
    abort.abort();
    await assert.rejects(aborted, { name: 'AbortError' });

    assert.equal(await routes.unicastWhenRoom(CHANNEL, c, bytes), 'unknown-peer');
    assert.equal(await routes.unicastWhenRoom(OTHER_CHANNEL, b, bytes), 'peer-lacks-channel');
  });
});
