import assert from 'node:assert/strict';
import { createTestNetwork, type TestNetwork } from '../../../node/testing/test-network.js';
import type { Node } from '../../../node/node.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import type { NodeID } from '../../../framework/identity/node-id.js';
import { MempoolReactor, type ReceivedTx } from '../../../reactors/mempool/mempool-reactor.js';
import { DEFAULT_MAX_TX_BYTES, MEMPOOL_RECV_MESSAGE_CAPACITY, Txs, txsMessageSize } from '../../../reactors/mempool/mempool-channel.js';
import { txHash } from '../../../reactors/mempool/tx-hash.js';

/*
 * Mempool gossip between tmp2p nodes over loopback TCP: SecretConnection,
 * NodeInfo exchange and MConnection as with CometBFT. The hostile peers are
 * tmp2p nodes that completed a real handshake and then misuse their mempool
 * channel handle, which (like any sender) does not check the receiver's limits.
 */

const TCP = { p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' } };
const tx = (text: string) => new TextEncoder().encode(text);
const mempool = (node: Node) => node.reactor(MempoolReactor);

function record(node: Node): { txs: ReceivedTx[]; events: RouterEvent[] } {
  const txs: ReceivedTx[] = [];
  const events: RouterEvent[] = [];
  mempool(node).txs$.subscribe((r) => txs.push(r));
  node.events$.subscribe((e) => events.push(e));
  return { txs, events };
}

const peerErrors = (events: RouterEvent[]) => events.filter((e): e is Extract<RouterEvent, { type: 'peer-error' }> => e.type === 'peer-error');
const downs = (events: RouterEvent[], id: NodeID) =>
  events.filter((e): e is Extract<RouterEvent, { type: 'peer-down' }> => e.type === 'peer-down' && e.nodeId === id);

describe('mempool reactor between tmp2p nodes over TCP', function () {
  this.timeout(30_000);
  let net: TestNetwork | undefined;
  afterEach(async () => {
    await net?.stop();
    net = undefined;
  });

  it('gossips a tx along a line, each node emitting it once, never sending it back', async () => {
    net = await createTestNetwork({ nodes: 3, topology: 'none', reactors: [MempoolReactor], config: { ...TCP, reactors: { mempool: { relay: true } } } });
    net.connect(0, 1);
    net.connect(1, 2);
    await net.waitFor(() => net!.node(1).peers().length === 2 && mempool(net!.node(1)).mempoolPeers().length === 2, { what: 'a line of 3' });
    const seen = net.nodes.map(record);
    const result = mempool(net.node(0)).broadcast(tx('line=1'));
    assert.deepEqual(result.sentTo, [net.node(1).nodeId]);
    await net.waitFor(() => seen[2]!.txs.length === 1, { what: 'the tx at the far end' });
    assert.deepEqual(seen[1]!.txs, [{ tx: tx('line=1'), hash: txHash(tx('line=1')), peer: net.node(0).nodeId }]);
    assert.equal(seen[2]!.txs[0]!.peer, net.node(1).nodeId);
    assert.deepEqual(seen[0]!.txs, [], 'the origin never hears its own tx');
    const stats = net.nodes.map((n) => mempool(n).stats);
    assert.deepEqual(stats.map((s) => s.txsSent), [1, 1, 0], 'node 1 passed it on to node 2 only');
    assert.deepEqual(stats.map((s) => s.messagesReceived), [0, 1, 1], 'nothing came back to 0 or 1');
    assert.deepEqual(seen.flatMap((s) => peerErrors(s.events)), []);
  });

  it('de-duplicates around a triangle: each node emits the tx once, the copies that cross are counted, not faulted', async () => {
    net = await createTestNetwork({ nodes: 3, reactors: [MempoolReactor], config: { ...TCP, reactors: { mempool: { relay: true } } } });
    await net.waitForFullMesh();
    await net.waitFor(() => net!.nodes.every((n) => mempool(n).mempoolPeers().length === 2), { what: 'mempool peers' });
    const seen = net.nodes.map(record);
    mempool(net.node(0)).broadcast(tx('tri=1'));
    // 1 and 2 each relay it to the other (not to 0), and each already had it from 0.
    await net.waitFor(() => mempool(net!.node(1)).stats.duplicates + mempool(net!.node(2)).stats.duplicates === 2, { what: 'two duplicates' });
    assert.deepEqual(seen.map((s) => s.txs.length), [0, 1, 1]);
    assert.deepEqual(net.nodes.map((n) => mempool(n).stats.messagesReceived), [0, 2, 2]);
    assert.deepEqual(seen.flatMap((s) => peerErrors(s.events)), []);
    assert.deepEqual(net.nodes.map((n) => n.peers().length), [2, 2, 2], 'nobody disconnected');
  });

  it('accepts a tx of exactly max_tx_bytes (1 MiB), and drops a peer whose message is one byte over CometBFT\'s limit with MessageTooLargeError', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [MempoolReactor], config: TCP });
    await net.waitForFullMesh();
    await net.waitFor(() => mempool(net!.node(0)).mempoolPeers().length === 1, { what: 'mempool peers' });
    const [target, sender] = [net.node(0), net.node(1)];
    const seen = record(target);
    const biggest = new Uint8Array(DEFAULT_MAX_TX_BYTES).fill(7);
    mempool(sender).broadcast(biggest);
    await net.waitFor(() => seen.txs.length === 1, { what: 'the 1 MiB tx', timeoutMs: 20_000 });
    assert.equal(seen.txs[0]!.hash, txHash(biggest));

    // One byte more than the broadcast API allows: sent through the raw channel handle.
    mempool(sender).channel.send(target.nodeId, Txs.create({ txs: [new Uint8Array(DEFAULT_MAX_TX_BYTES + 1)] }));
    await net.waitFor(() => downs(seen.events, sender.nodeId).length === 1, { what: 'the oversized sender dropped', timeoutMs: 20_000 });
    const reason = downs(seen.events, sender.nodeId)[0]!.reason;
    assert.equal(reason?.name, 'MessageTooLargeError');
    assert.match(reason!.message, new RegExp(`${MEMPOOL_RECV_MESSAGE_CAPACITY}`));
    assert.equal(seen.txs.length, 1, 'the oversized tx was never emitted');
  });

  it('sizes the limit from max_tx_bytes: with 4096, a message holding a 4097-byte tx drops its sender', async () => {
    net = await createTestNetwork({ nodes: 2, reactors: [MempoolReactor], config: TCP, nodeConfig: (i) => (i === 0 ? { reactors: { mempool: { max_tx_bytes: 4096 } } } : {}) });
    await net.waitForFullMesh();
    await net.waitFor(() => mempool(net!.node(0)).mempoolPeers().length === 1, { what: 'mempool peers' });
    const [target, sender] = [net.node(0), net.node(1)];
    const seen = record(target);
    mempool(sender).broadcast(new Uint8Array(4096).fill(1));
    await net.waitFor(() => seen.txs.length === 1, { what: 'the 4096-byte tx' });
    mempool(sender).broadcast(new Uint8Array(4097).fill(2));
    await net.waitFor(() => downs(seen.events, sender.nodeId).length === 1, { what: 'the sender dropped' });
    const reason = downs(seen.events, sender.nodeId)[0]!.reason;
    assert.equal(reason?.name, 'MessageTooLargeError');
    assert.match(reason!.message, new RegExp(`${txsMessageSize(4096)}`));
  });

  it('disconnects a peer that sends more txs than its budget with MempoolFloodError', async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [MempoolReactor],
      config: TCP,
      nodeConfig: (i) => (i === 0 ? { reactors: { mempool: { max_txs_burst: 20, max_txs_per_second: 1 } } } : {}),
    });
    await net.waitForFullMesh();
    await net.waitFor(() => mempool(net!.node(0)).mempoolPeers().length === 1, { what: 'mempool peers' });
    const [target, flooder] = [net.node(0), net.node(1)];
    const seen = record(target);
    for (let i = 0; i < 30; i++) mempool(flooder).broadcast(tx(`flood${i}=x`));
    await net.waitFor(() => downs(seen.events, flooder.nodeId).length === 1, { what: 'the flooder dropped' });
    const errors = peerErrors(seen.events);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.error.name, 'MempoolFloodError');
    assert.equal(errors[0]!.fatal, true);
    assert.equal(downs(seen.events, flooder.nodeId)[0]!.reason?.name, 'MempoolFloodError');
    assert.ok(seen.txs.length <= 20, `at most the burst was emitted (${seen.txs.length})`);
    assert.equal(mempool(target).stats.floods, 1);
  });

  it('takes a tx repeated on one connection without a fault, but a peer that keeps repeating it runs out of budget: MempoolFloodError', async () => {
    net = await createTestNetwork({
      nodes: 2,
      reactors: [MempoolReactor],
      config: TCP,
      nodeConfig: (i) => (i === 0 ? { reactors: { mempool: { max_txs_burst: 20, max_txs_per_second: 1 } } } : {}),
    });
    await net.waitForFullMesh();
    await net.waitFor(() => mempool(net!.node(0)).mempoolPeers().length === 1, { what: 'mempool peers' });
    const [target, repeater] = [net.node(0), net.node(1)];
    const seen = record(target);
    const again = Txs.create({ txs: [tx('same=1')] });
    for (let i = 0; i < 3; i++) mempool(repeater).channel.send(target.nodeId, again);
    await net.waitFor(() => mempool(target).stats.repeats === 2, { what: 'two repeats' });
    assert.deepEqual(peerErrors(seen.events), [], 'a few repeats are what CometBFT itself sends');
    for (let i = 0; i < 30; i++) mempool(repeater).channel.send(target.nodeId, again);
    await net.waitFor(() => downs(seen.events, repeater.nodeId).length === 1, { what: 'the repeater dropped' });
    assert.deepEqual(peerErrors(seen.events).map((e) => [e.error.name, e.fatal]), [['MempoolFloodError', true]]);
    assert.equal(downs(seen.events, repeater.nodeId)[0]!.reason?.name, 'MempoolFloodError');
    assert.equal(seen.txs.length, 1, 'the tx itself was emitted once');
  });
});
