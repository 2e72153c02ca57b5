import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_TX_BYTES,
  MEMPOOL_RECV_MESSAGE_CAPACITY,
  MempoolChannel,
  MempoolWireMessage,
  mempoolChannel,
  Txs,
  txsMessageSize,
} from '../../../../reactors/mempool/mempool-channel.js';

const encodedSize = (txBytes: number) => MempoolWireMessage.encode(MempoolWireMessage.create({ txs: Txs.create({ txs: [new Uint8Array(txBytes)] }) })).finish().length;

describe('mempool channel', () => {
  it('has CometBFT v0.38\'s descriptor: id 0x30, priority 5', () => {
    assert.equal(MempoolChannel.id, 0x30);
    assert.equal(MempoolChannel.priority, 5);
  });

  it('sizes a one-tx message exactly as its encoding, across varint length boundaries', () => {
    for (const n of [0, 1, 122, 123, 124, 125, 126, 127, 128, 16_378, 16_380, 16_383, 16_384, 65_536, 2_097_148, 2_097_152, DEFAULT_MAX_TX_BYTES]) {
      assert.equal(txsMessageSize(n), encodedSize(n), `tx of ${n} bytes`);
    }
  });

  it('limits received messages to one tx of 1 MiB (CometBFT\'s default max_tx_bytes) in its Message{Txs}', () => {
    assert.equal(MEMPOOL_RECV_MESSAGE_CAPACITY, 1_048_584);
    assert.equal(MempoolChannel.recvMessageCapacity, encodedSize(1_048_576));
  });

  it('sizes the limit for another max_tx_bytes the same way', () => {
    assert.equal(mempoolChannel(4096).recvMessageCapacity, encodedSize(4096));
    assert.equal(mempoolChannel(4096).id, 0x30);
  });

  it('puts a tx on the wire as CometBFT does: Message field 1 (Txs), Txs field 1 (bytes)', () => {
    const bytes = MempoolWireMessage.encode(MempoolChannel.wrapper!.wrap(Txs.create({ txs: [new TextEncoder().encode('ab')] }))).finish();
    assert.deepEqual([...bytes], [0x0a, 0x04, 0x0a, 0x02, 0x61, 0x62]);
    const inner = MempoolChannel.wrapper!.unwrap(MempoolWireMessage.decode(bytes));
    assert.ok(inner instanceof Txs);
    assert.deepEqual(inner.txs.map((t) => [...t]), [[0x61, 0x62]]);
  });
});
