import assert from 'node:assert/strict';
import { NodeAddress } from '../../../../framework/address/node-address.js';
import { ConfigError, loadConfig } from '../../../../node/config/index.js';
import { createNode } from '../../../../node/create-node.js';
import type { Node } from '../../../../node/node.js';
import { silentLogger } from '../../../../framework/logging/logger.js';
import { nid } from '../../framework/peer/ids.js';

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

/** A node built but not started (nothing binds a port), on the mconn transport. */
function buildNode(p2p: Record<string, unknown>): Promise<Node> {
  return createNode({ values: { p2p: { transports: ['mconn'], ...p2p } } }, { start: false, logger: silentLogger() });
}

describe('p2p.external_address', () => {
  const bad: Array<[string, RegExp]> = [
    ['203.0.113.7', /no port/],
    ['203.0.113.7:0', /port "0"/],
    ['node.example.com:99999', /port "99999"/],
    ['0.0.0.0:26656', /not an address peers can dial/],
    ['::1:26656', /in brackets/],
    ['mconn://203.0.113.7:26656', /only scheme allowed is tcp/],
    ['bad_host:26656', /neither an IP address nor a DNS name/],
  ];
  for (const [value, reason] of bad) {
    it(`rejects ${JSON.stringify(value)} at load with a ConfigError naming the key, the value and why`, async () => {
      const error = await configError(loadConfig({ values: { p2p: { external_address: value } } }));
      assert.equal(error.key, 'p2p.external_address');
      assert.ok(error.message.includes(`"p2p.external_address" = ${JSON.stringify(value)} is invalid`), error.message);
      assert.match(error.message, /expected "" \(advertise laddr\) or "host:port"/);
      assert.match(error.message, reason);
    });
  }

  it('rejects a bad value in a NodeConfig that bypassed the loader, naming the key', async () => {
    const config = await loadConfig();
    const tampered = { ...config, p2p: { ...config.p2p, externalAddress: 'no-port-here' } };
    const error = await configError(createNode(tampered, { start: false, logger: silentLogger() }));
    assert.equal(error.key, 'p2p.external_address');
    assert.match(error.message, /"no-port-here" is invalid.*no port/);
  });

  it('accepts "" , host:port, tcp://host:port, a DNS name and bracketed IPv6', async () => {
    for (const value of ['', '203.0.113.7:26656', 'tcp://203.0.113.7:26656', 'node.example.com:26656', '[2001:db8::7]:26656']) {
      assert.equal((await loadConfig({ values: { p2p: { external_address: value } } })).p2p.externalAddress, value);
    }
  });

  it('is what NodeInfo listen_addr advertises, and what the PeerManager advertises and refuses as itself', async () => {
    const node = await buildNode({ laddr: 'tcp://0.0.0.0:26656', external_address: '203.0.113.7:26656' });
    try {
      assert.equal(node.nodeInfo.listenAddr, 'tcp://203.0.113.7:26656');
      const self = NodeAddress.parse(`mconn://${node.nodeId}@203.0.113.7:26656`);
      assert.deepEqual(node.peerManager.advertise(nid(1), 10, { requesterIp: '198.51.100.1' }).map(String), [self.toString()]);
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(2)}@203.0.113.7:26656`)), false, 'our external address under a stale ID');
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(3)}@127.0.0.1:26656`)), false, 'laddr 0.0.0.0 covers loopback');
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(4)}@[::1]:26656`)), false);
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(5)}@127.0.0.1:26657`)), true, 'another port is another node');
    } finally {
      await node.stop();
    }
  });

  it('normalises the advertised form: tcp:// prefix, IPv6 in brackets, DNS names lower-cased', async () => {
    for (const [value, advertised] of [
      ['tcp://[2001:DB8::7]:26656', 'tcp://[2001:db8::7]:26656'],
      ['Node.Example.com:26656', 'tcp://node.example.com:26656'],
    ]) {
      const node = await buildNode({ external_address: value });
      try {
        assert.equal(node.nodeInfo.listenAddr, advertised);
      } finally {
        await node.stop();
      }
    }
  });

  it('when unset, laddr is advertised and is the only self address (nothing gossiped for self)', async () => {
    const node = await buildNode({ laddr: 'tcp://127.0.0.1:26999', external_address: '' });
    try {
      assert.equal(node.nodeInfo.listenAddr, 'tcp://127.0.0.1:26999');
      assert.deepEqual(node.peerManager.advertise(nid(1), 10, { requesterIp: '127.0.0.1' }), []);
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(2)}@127.0.0.1:26999`)), false);
      assert.equal(node.peerManager.add(NodeAddress.parse(`${nid(3)}@127.0.0.2:26999`)), true, 'a specific laddr host covers only itself');
    } finally {
      await node.stop();
    }
  });
});
