import assert from 'node:assert/strict';
import fc from 'fast-check';
import { P2PError } from '../../framework/errors/base.js';
import { ChannelRuntime } from '../../framework/router/channel.js';
import { FifoQueueFactory } from '../../plugins/queues/fifo.js';
import { MempoolWireMessage, mempoolChannel, Txs } from '../../reactors/mempool/mempool-channel.js';
import { RecordingRoutes } from '../unit/framework/router/helpers.js';
import { harness, nid } from '../unit/reactors/mempool/helpers.js';
import { bytes, fuzzParameters, typedOrResult } from './fuzz-kit.js';

describe('fuzz: mempool messages (reactors/mempool, the router channel decode, the reactor handler)', () => {
  const txList = fc.array(bytes(300), { maxLength: 20 });

  it('the mempool channel decodes and unwraps a Message{Txs} or fails typed', () => {
    const channel = new ChannelRuntime(mempoolChannel(), new RecordingRoutes(), new FifoQueueFactory(), () => {});
    const message = fc.oneof(
      txList.map((txs) => MempoolWireMessage.encode({ txs: { txs } }).finish()),
      bytes(4000),
    );
    fc.assert(
      fc.property(message, (input) => {
        const decoded = typedOrResult('ChannelRuntime.decode', () => channel.decode(nid('peer'), input));
        if (decoded !== undefined) assert.ok(decoded.message instanceof Txs);
      }),
      fuzzParameters(),
    );
  });

  it('the reactor takes any sequence of Txs from peers without throwing, emits each distinct non-empty tx once, and reports only typed errors', async () => {
    const peers = [nid(1), nid(2), nid(3)];
    const deliveries = fc.array(fc.record({ from: fc.constantFrom(...peers), txs: txList }), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(deliveries, async (sequence) => {
        const h = await harness({ maxTxBytes: 200, maxTxsBurst: 100 });
        for (const peer of peers) h.connect(peer);
        for (const { from, txs } of sequence) h.deliver(from, ...txs);
        const hashes = h.received.map((r) => r.hash);
        assert.equal(new Set(hashes).size, hashes.length, 'no tx emitted twice');
        assert.ok(h.received.every((r) => r.tx.length > 0 && r.tx.length <= 200));
        for (const { error } of h.channel.peerErrors) assert.ok(error instanceof P2PError && error.name.startsWith('Mempool'), error.name);
      }),
      fuzzParameters(0.25),
    );
  });
});
