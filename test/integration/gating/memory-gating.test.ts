import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import { ConnectionDeniedError } from '../../../framework/gating/errors.js';
import type { ConnectionGater, PeerAttempt } from '../../../framework/gating/gater.js';
import { TOKENS } from '../../../framework/tokens.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';

/** An application's own gater instance: a mutable blocklist, checked asynchronously. */
class Blocklist implements ConnectionGater {
  readonly name = 'blocklist';
  readonly blocked = new Set<NodeID>();
  connectionChecks = 0;
  allowConnection(): boolean {
    this.connectionChecks++;
    return true;
  }
  async allowPeer(peer: PeerAttempt): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.blocked.has(peer.nodeId)) throw new ConnectionDeniedError(`${peer.nodeId} is blocklisted`, 'blocklisted');
    return true;
  }
}

describe('connection gating on the memory transport', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('applies a gater instance bound by the application to node IDs, both directions, and skips the IP phase', async () => {
    const blocklist = new Blocklist();
    net = await createTestNetwork({
      nodes: 4,
      topology: 'none',
      reactors: [EchoReactor],
      config: { reactors: { echo: { ping_interval: '20ms' } } },
      createNodeOptions: { configure: (c) => void c.bind(TOKENS.Gater).toConstantValue(blocklist) },
    });
    const [a, blocked, friend, target] = [0, 1, 2, 3].map((i) => net!.node(i));
    blocklist.blocked.add(blocked.nodeId);
    assert.ok(a.router.metrics().gating!.gaters.some((g) => g.name === 'blocklist'));

    blocked.addPeer(a.addresses()[0]!);
    friend.addPeer(a.addresses()[0]!);
    await net.waitFor(() => (a.router.metrics().rejectedInbound.blocklisted ?? 0) >= 1, { what: 'a to refuse the blocklisted node' });
    await net.waitFor(() => friend.reactor(EchoReactor).stats.pongsReceived >= 2, { what: 'the friend to echo with a' });
    assert.ok(!a.peers().includes(blocked.nodeId));

    blocklist.blocked.add(target.nodeId);
    a.addPeer(target.addresses()[0]!);
    await net.waitFor(() => (a.router.metrics().rejectedOutbound.blocklisted ?? 0) >= 1, { what: 'a to refuse dialing the target' });
    assert.equal(blocklist.connectionChecks, 0, 'memory endpoints have no IP to ask about');
  });
});
