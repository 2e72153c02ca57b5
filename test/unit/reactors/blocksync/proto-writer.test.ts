import assert from 'node:assert/strict';
import { tendermint } from '../../../../proto/gen/messages.js';
import { encodeWith } from '../../../../reactors/blocksync/proto-writer.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('ProtoWriter', () => {
  it('omits proto3 defaults but always writes a message field', () => {
    assert.equal(hex(encodeWith((w) => w.varint(1, 0).bytes(2, new Uint8Array(0)).string(3, '').varint(4, null))), '');
    assert.equal(hex(encodeWith((w) => w.message(2, new Uint8Array(0)))), '1200');
  });

  it('writes negative int32/int64 as 10-byte two’s-complement varints, as every protobuf encoder does', () => {
    const ours = encodeWith((w) => w.varint(5, -1));
    const theirs = tendermint.consensus.NewRoundStep.encode({ lastCommitRound: -1 }).finish();
    assert.equal(hex(ours), hex(theirs));
    assert.equal(ours.length, 11);
  });

  it('writes integers up to 2^53 exactly and refuses what it cannot', () => {
    const big = Number.MAX_SAFE_INTEGER;
    assert.equal(tendermint.blocksync.BlockRequest.decode(encodeWith((w) => w.varint(1, big))).height, big);
    assert.throws(() => encodeWith((w) => w.varint(1, 1.5)), { name: 'InvalidArgumentError' });
  });
});
