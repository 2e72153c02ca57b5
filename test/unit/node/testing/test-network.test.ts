import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../../node/testing/test-network.js';

describe('createTestNetwork', function () {
  this.timeout(20_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('connects nodes with virtual IPs between their IPs, so per-IP link conditions apply', async () => {
    const links: string[] = [];
    net = await createTestNetwork({
      nodes: 3,
      memoryNetwork: {
        linkConditions: (dialer, listener) => {
          links.push(`${dialer.ip ?? dialer.path}->${listener.ip ?? listener.path}`);
          return undefined;
        },
      },
      nodeConfig: (i) => ({ p2p: { memory_virtual_address: `10.0.0.${i + 1}:26656` } }),
    });
    await net.waitForFullMesh();
    assert.deepEqual(links.sort(), ['10.0.0.1->10.0.0.2', '10.0.0.1->10.0.0.3', '10.0.0.2->10.0.0.3']);
    const [a, b] = [net.node(0), net.node(1)];
    assert.equal(b.router.peer(a.nodeId)?.connection.remoteEndpoint.ip, '10.0.0.1', 'b sees a at its virtual IP');
  });

  it('connects a node without a virtual IP over memory:<id>', async () => {
    net = await createTestNetwork({
      nodes: 3,
      nodeConfig: (i) => (i === 0 ? {} : { p2p: { memory_virtual_address: `10.0.0.${i + 1}:26656` } }),
    });
    await net.waitForFullMesh();
    const [a, b, c] = [net.node(0), net.node(1), net.node(2)];
    assert.equal(b.router.peer(a.nodeId)?.connection.remoteEndpoint.protocol, 'memory');
    assert.equal(c.router.peer(b.nodeId)?.connection.remoteEndpoint.ip, '10.0.0.2');
  });
});
