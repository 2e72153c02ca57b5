import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from 'tmp2p/testing';
import { MyEcho } from './declare-reactor.js';

/** mulberry32: a seeded generator in [0, 1), so the same messages are lost and delayed on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('MyEcho over slow and lossy links', () => {
  let net: TestNetwork | undefined;
  afterEach(() => net?.stop());

  it('keeps answering pings with 1% loss, and 150 ms between two regions', async () => {
    net = await createTestNetwork({
      nodes: 6,
      reactors: [MyEcho],
      config: { reactors: { 'my-echo': { ping_interval: '50ms' } } },
      memoryNetwork: {
        link: { latencyMs: 30, jitterMs: 20, lossRate: 0.01 }, // every link
        linkConditions: (dialer, listener) => // or per connection: 10.1.x.x is far from 10.0.x.x
          dialer.ip?.startsWith('10.1.') !== listener.ip?.startsWith('10.1.') ? { latencyMs: 150 } : undefined,
        random: seededRandom(42), // any () => [0, 1) function
      },
      // Nodes 0-2 in 10.0.0.0/16, nodes 3-5 in 10.1.0.0/16: peers see connections come from these IPs.
      nodeConfig: (i) => ({ p2p: { memory_virtual_address: `10.${i < 3 ? 0 : 1}.0.${i + 1}:26656` } }),
    });
    await net.waitForFullMesh();
    const echoes = net.nodes.map((node) => node.reactor(MyEcho));
    await net.waitFor(() => echoes.every((echo) => echo.pongsReceived >= 10), { what: 'pongs over the lossy links' });

    const { sent, delivered, lost, discarded, inFlight } = net.memoryNetwork.stats();
    assert.equal(sent, delivered + lost + discarded + inFlight, 'every message is accounted for');
  });
});
