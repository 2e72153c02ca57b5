import assert from 'node:assert/strict';
import { MemoryNetwork } from '../../../../../plugins/transports/memory/memory-network.js';
import { MemoryTransport } from '../../../../../plugins/transports/memory/memory-transport.js';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import type { NodeInfo } from '../../../../../framework/identity/node-info.js';
import { ConnectionClosedError, DialError, TransportClosedError } from '../../../../../framework/transport/errors.js';
import { AbortError } from '../../../../../framework/errors/base.js';
import { makeNodeInfo } from '../../../../support/node-info.js';

function info(key: NodeKey): NodeInfo {
  return makeNodeInfo({ nodeId: key.nodeId });
}

async function pair(capacity = 1024) {
  const network = new MemoryNetwork({ connectionCapacity: capacity });
  const ka = NodeKey.generate();
  const kb = NodeKey.generate();
  const a = new MemoryTransport(network, ka);
  const b = new MemoryTransport(network, kb);
  await a.listen();
  await b.listen();
  const dialed = await a.dial({ protocol: 'memory', path: kb.nodeId });
  const accepted = await b.accept();
  const [ra, rb] = await Promise.all([
    dialed.handshake(info(ka), ka, { channels: [] }),
    accepted.handshake(info(kb), kb, { channels: [] }),
  ]);
  return { network, a, b, ka, kb, dialed, accepted, ra, rb };
}

describe('memory transport', () => {
  it('advertises memory:<id> and exchanges NodeInfo and keys in the handshake', async () => {
    const { a, ka, kb, ra, rb } = await pair();
    assert.deepEqual(a.endpoints(), [{ protocol: 'memory', path: ka.nodeId }]);
    assert.equal(ra.nodeInfo.nodeId, kb.nodeId);
    assert.deepEqual(ra.publicKey, kb.publicKey);
    assert.equal(rb.nodeInfo.nodeId, ka.nodeId);
  });

  it('delivers messages in order in both directions', async () => {
    const { dialed, accepted } = await pair();
    for (let i = 0; i < 100; i++) assert.equal(dialed.trySend(1, Uint8Array.of(i)), true);
    for (let i = 0; i < 100; i++) assert.equal((await accepted.receive()).bytes[0], i);
    accepted.trySend(2, Uint8Array.of(9));
    assert.deepEqual(await dialed.receive(), { channelId: 2, bytes: Uint8Array.of(9) });
  });

  it('applies backpressure when the remote inbox is full', async () => {
    const { dialed, accepted } = await pair(2);
    assert.equal(dialed.trySend(1, Uint8Array.of(1)), true);
    assert.equal(dialed.trySend(1, Uint8Array.of(2)), true);
    assert.equal(dialed.trySend(1, Uint8Array.of(3)), false, 'third message must not fit');
    let writable = false;
    const w = dialed.writable().then(() => (writable = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(writable, false);
    accepted.tryReceive();
    await w;
    assert.equal(dialed.trySend(1, Uint8Array.of(3)), true);
  });

  it('propagates close to the remote after its buffered messages', async () => {
    const { dialed, accepted } = await pair();
    dialed.trySend(1, Uint8Array.of(1));
    dialed.close();
    assert.equal((await accepted.receive()).bytes[0], 1);
    await assert.rejects(accepted.receive(), ConnectionClosedError);
    assert.equal(accepted.isClosed, true);
    assert.equal(dialed.trySend(1, Uint8Array.of(2)), false);
  });

  it('refuses dials to nobody, to a closed transport, and honours abort', async () => {
    const network = new MemoryNetwork();
    const k = NodeKey.generate();
    const t = new MemoryTransport(network, k);
    await t.listen();
    await assert.rejects(t.dial({ protocol: 'memory', path: 'nobody' }), DialError);
    await assert.rejects(t.dial({ protocol: 'tcp', ip: '127.0.0.1', port: 1 }), DialError);
    const controller = new AbortController();
    const accepting = t.accept(controller.signal);
    controller.abort();
    await assert.rejects(accepting, AbortError);
    await t.close();
    await assert.rejects(t.accept(), TransportClosedError);
    await assert.rejects(t.dial({ protocol: 'memory', path: k.nodeId }), TransportClosedError);
    assert.equal(network.size, 0);
  });

  it('refuses dials beyond the accept backlog', async () => {
    const network = new MemoryNetwork();
    const k = NodeKey.generate();
    const t = new MemoryTransport(network, k, { backlog: 1 });
    await t.listen();
    network.connect('x', k.nodeId);
    assert.throws(() => network.connect('y', k.nodeId), /too many pending connections/);
  });

  it('fails the handshake when the remote closes first', async () => {
    const network = new MemoryNetwork();
    const ka = NodeKey.generate();
    const kb = NodeKey.generate();
    const b = new MemoryTransport(network, kb);
    await b.listen();
    const conn = network.connect(ka.nodeId, kb.nodeId);
    const remote = await b.accept();
    remote.close();
    await assert.rejects(conn.handshake(info(ka), ka, { channels: [] }), /closed/);
  });
});
