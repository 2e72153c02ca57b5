import assert from 'node:assert/strict';
import { MemoryNetwork } from '../../../../../plugins/transports/memory/memory-network.js';
import { MemoryTransport } from '../../../../../plugins/transports/memory/memory-transport.js';
import { parseVirtualAddress } from '../../../../../plugins/transports/memory/virtual-address.js';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import { loadConfig } from '../../../../../node/config/loader.js';
import { createNode } from '../../../../../node/create-node.js';
import { silentLogger } from '../../../../../framework/logging/logger.js';
import { makeNodeInfo } from '../../../../support/node-info.js';

describe('memory transport virtual addresses', () => {
  it('parses ip:port, [ipv6]:port and tcp:// forms into canonical IPs', () => {
    assert.deepEqual(parseVirtualAddress('10.0.0.7:26656'), { ip: '10.0.0.7', port: 26656 });
    assert.deepEqual(parseVirtualAddress('tcp://10.1.2.3:1'), { ip: '10.1.2.3', port: 1 });
    assert.deepEqual(parseVirtualAddress('[FD00:0::1]:26656'), { ip: 'fd00::1', port: 26656 });
  });

  it('rejects what no node could listen on, with InvalidVirtualAddressError naming the value', () => {
    const bad: Array<[string, RegExp]> = [
      ['node1:26656', /"node1" is not an IP literal/],
      ['10.0.0.1', /expected "ip:port".*no port/],
      ['10.0.0.1:0', /port "0" is not an integer 1-65535/],
      ['10.0.0.1:70000', /port "70000" is not an integer 1-65535/],
      ['0.0.0.0:26656', /0\.0\.0\.0 is not an address peers can dial/],
      ['[::]:26656', /:: is not an address peers can dial/],
      ['255.255.255.255:26656', /255\.255\.255\.255 is not an address peers can dial/],
      ['fd00::1:26656', /IPv6 host must be in brackets/],
      ['[fe80::1%eth0]:26656', /IPv6 zone/],
      ['999.1.1.1:5', /neither an IP address nor a DNS name/],
    ];
    for (const [text, message] of bad) {
      assert.throws(() => parseVirtualAddress(text), { name: 'InvalidVirtualAddressError', message }, text);
    }
  });

  it('listens on its virtual address, dials others there, and shows each side the other\'s virtual IP', async () => {
    const network = new MemoryNetwork();
    const [ka, kb] = [NodeKey.generate(), NodeKey.generate()];
    const a = new MemoryTransport(network, ka, { virtualAddress: '10.0.0.1:26656' });
    const b = new MemoryTransport(network, kb, { virtualAddress: '10.0.0.2:26656' });
    await a.listen();
    await b.listen();
    assert.deepEqual(b.endpoints(), [{ protocol: 'memory', path: kb.nodeId }, { protocol: 'mconn', ip: '10.0.0.2', port: 26656 }]);
    assert.deepEqual(b.protocols(), ['memory', 'mconn', 'tcp']);
    const dialed = await a.dial({ protocol: 'mconn', ip: '10.0.0.2', port: 26656 });
    const accepted = await b.accept();
    assert.equal(accepted.remoteEndpoint.ip, '10.0.0.1', 'the acceptor sees the dialer come from its virtual IP');
    assert.ok((accepted.remoteEndpoint.port ?? 0) >= 32768, 'from an ephemeral port');
    assert.deepEqual(dialed.remoteEndpoint, { protocol: 'mconn', ip: '10.0.0.2', port: 26656 });
    const [ra] = await Promise.all([
      dialed.handshake(makeNodeInfo({ nodeId: ka.nodeId }), ka, { channels: [] }),
      accepted.handshake(makeNodeInfo({ nodeId: kb.nodeId }), kb, { channels: [] }),
    ]);
    assert.equal(ra.nodeInfo.nodeId, kb.nodeId);
    await a.dial({ protocol: 'tcp', ip: '10.0.0.2', port: 26656 }); // tcp:// addresses mean the same
  });

  it('refuses dials to unregistered virtual addresses, and non-memory dials without a virtual address', async () => {
    const network = new MemoryNetwork();
    const a = new MemoryTransport(network, NodeKey.generate(), { virtualAddress: '10.0.0.1:26656' });
    await a.listen();
    await assert.rejects(a.dial({ protocol: 'mconn', ip: '10.0.0.9', port: 26656 }), { name: 'DialError', message: /nothing in this memory network listens at mconn:\/\/10\.0\.0\.9:26656/ });
    await assert.rejects(a.dial({ protocol: 'mconn', ip: '10.0.0.1', port: 1 }), { name: 'DialError' });
    const plain = new MemoryTransport(network, NodeKey.generate());
    await plain.listen();
    assert.deepEqual(plain.protocols(), ['memory']);
    await assert.rejects(plain.dial({ protocol: 'mconn', ip: '10.0.0.1', port: 26656 }), { name: 'DialError', message: /it has no virtual address/ });
  });

  it('refuses a virtual address already in use with MemoryAddressInUseError, and frees it on close', async () => {
    const network = new MemoryNetwork();
    const first = new MemoryTransport(network, NodeKey.generate(), { virtualAddress: '10.0.0.5:26656' });
    await first.listen();
    const second = new MemoryTransport(network, NodeKey.generate(), { virtualAddress: 'tcp://10.0.0.5:26656' });
    await assert.rejects(second.listen(), { name: 'MemoryAddressInUseError', message: /virtual address 10\.0\.0\.5:26656 is already in use/ });
    assert.equal(network.size, 1, 'the failed listen did not keep its memory:<id> registration');
    await first.close();
    await second.listen();
    assert.equal(second.endpoints().length, 2);
  });

  it('rejects a bad virtual address at construction, naming the option or the config key', async () => {
    const network = new MemoryNetwork();
    assert.throws(() => new MemoryTransport(network, NodeKey.generate(), { virtualAddress: 'somewhere:1' }), {
      name: 'InvalidVirtualAddressError',
      message: /p2p\.memory_virtual_address.*"somewhere:1"/,
    });
    await assert.rejects(loadConfig({ values: { p2p: { transports: ['memory', 'mconn'], memory_virtual_address: '10.0.0.1:26656' } } }), {
      name: 'ConfigError',
      message: /p2p\.memory_virtual_address.*cannot be used with the mconn transport also loaded/,
    });
    await assert.rejects(loadConfig({ values: { p2p: { memory_virtual_address: 'nowhere' } } }), {
      name: 'ConfigError',
      message: /p2p\.memory_virtual_address" = "nowhere" is invalid/,
    });
  });

  it('makes a memory-only node advertise its virtual address as listen_addr and dial id@ip:port addresses', async () => {
    const network = new MemoryNetwork();
    const values = (ip: string) => ({ values: { p2p: { laddr: 'memory', transports: ['memory'], memory_virtual_address: `${ip}:26656` }, reactors: { enabled: [] } } });
    const options = { memoryNetwork: network, logger: silentLogger() };
    const a = await createNode(values('10.0.0.1'), options);
    const b = await createNode(values('10.0.0.2'), options);
    try {
      assert.equal(b.nodeInfo.listenAddr, 'tcp://10.0.0.2:26656');
      assert.deepEqual(b.addresses().map(String), [`memory:${b.nodeId}`, `mconn://${b.nodeId}@10.0.0.2:26656`]);
      a.addPeer(`${b.nodeId}@10.0.0.2:26656`);
      const deadline = Date.now() + 5_000;
      while (!a.peers().includes(b.nodeId) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.deepEqual(a.peers(), [b.nodeId]);
      assert.equal(b.router.peer(a.nodeId)?.connection.remoteEndpoint.ip, '10.0.0.1');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
