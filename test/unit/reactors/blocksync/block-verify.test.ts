import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tendermint } from '../../../../proto/gen/messages.js';
import { hashHex } from '../../../../reactors/blocksync/block-hash.js';
import { verifyBlock, verifyLink, type VerifiedBlock } from '../../../../reactors/blocksync/block-verify.js';
import { BlockVerificationError, type BlockVerificationReason } from '../../../../reactors/blocksync/errors.js';
import { blockFromJson, type RpcBlockResult } from '../../../support/block-json.js';
import { vectorPath } from '../../../support/repo-root.js';

const vectors = JSON.parse(readFileSync(vectorPath('cometbft-kvstore-blocks.json'), 'utf8')) as { chain_id: string; blocks: RpcBlockResult[] };
const CHAIN = vectors.chain_id;
/** A fresh decoded copy of the vector block at `height`, safe to tamper with. */
const block = (height: number) => tendermint.types.Block.decode(tendermint.types.Block.encode(blockFromJson(vectors.blocks[height - 1]!.block)).finish());
const verified = (height: number) => verifyBlock(block(height), { chainId: CHAIN, height });
const withTxs = vectors.blocks.findIndex((b) => (b.block.data.txs ?? []).length > 1) + 1;

function rejects(run: () => unknown, reason: BlockVerificationReason, height: number): BlockVerificationError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof BlockVerificationError, `expected a BlockVerificationError, got ${String(caught)}`);
  assert.equal(caught.name, 'BlockVerificationError');
  assert.equal(caught.reason, reason, caught.message);
  assert.equal(caught.height, height);
  return caught;
}

describe('verifyBlock and verifyLink', () => {
  it('verify and link every vector block in order, with the hash RPC reports', () => {
    let prev: VerifiedBlock | undefined;
    for (const result of vectors.blocks) {
      const height = Number(result.block.header.height);
      const current = verified(height);
      assert.equal(hashHex(current.id.hash), result.block_id.hash);
      assert.equal(current.time, result.block.header.time);
      assert.equal(current.txs.length, (result.block.data.txs ?? []).length);
      if (prev !== undefined) verifyLink(prev, current);
      prev = current;
    }
  });

  it('rejects a tx list that does not match data_hash (a tx changed, one dropped, one added)', () => {
    const changed = block(withTxs);
    changed.data!.txs![0] = Buffer.from('name=mallory');
    rejects(() => verifyBlock(changed), 'data-hash', withTxs);
    const dropped = block(withTxs);
    dropped.data!.txs!.pop();
    rejects(() => verifyBlock(dropped), 'data-hash', withTxs);
    const added = block(1);
    added.data!.txs = [Buffer.from('a=b')];
    rejects(() => verifyBlock(added), 'data-hash', 1);
  });

  it('rejects a last commit that does not match last_commit_hash', () => {
    const b = block(3);
    b.lastCommit!.signatures![0]!.signature = new Uint8Array(64);
    rejects(() => verifyBlock(b), 'last-commit-hash', 3);
  });

  it('rejects evidence that does not match evidence_hash', () => {
    const b = block(3);
    b.evidence = tendermint.types.EvidenceList.create({
      evidence: [{ duplicateVoteEvidence: { voteA: {}, voteB: {}, totalVotingPower: 10, validatorPower: 10, timestamp: { seconds: 1 } } }],
    });
    rejects(() => verifyBlock(b), 'evidence-hash', 3);
  });

  it('rejects evidence CometBFT would refuse to decode', () => {
    const b = block(3);
    b.evidence = tendermint.types.EvidenceList.create({ evidence: [{}] });
    rejects(() => verifyBlock(b), 'malformed', 3);
  });

  it('rejects another chain, another height, and blocks missing what CometBFT requires', () => {
    rejects(() => verifyBlock(block(2), { chainId: 'other-chain' }), 'chain-id', 2);
    rejects(() => verifyBlock(block(2), { height: 5 }), 'height', 5);
    rejects(() => verifyBlock(tendermint.types.Block.create({}), { height: 4 }), 'malformed', 4);
    const noCommit = block(2);
    noCommit.lastCommit = null;
    rejects(() => verifyBlock(noCommit), 'malformed', 2);
    const noValidators = block(2);
    noValidators.header!.validatorsHash = new Uint8Array(0);
    rejects(() => verifyBlock(noValidators), 'malformed', 2);
    const negative = block(2);
    negative.header!.height = -2;
    rejects(() => verifyBlock(negative, { height: 2 }), 'malformed', 2);
    const badTime = block(2);
    badTime.header!.time = { seconds: 1, nanos: 1_000_000_000 };
    rejects(() => verifyBlock(badTime), 'malformed', 2);
  });

  it('rejects a block whose last_block_id is not the previous block id (hash or part set header)', () => {
    const prev = verified(3);
    const wrongHash = block(4);
    wrongHash.header!.lastBlockId!.hash = new Uint8Array(32).fill(7);
    // The header changed, so its own hash did too; it still verifies alone, but not as block 3's successor.
    rejects(() => verifyLink(prev, verifyBlock(wrongHash)), 'last-block-id', 4);
    const wrongParts = block(4);
    wrongParts.header!.lastBlockId!.partSetHeader!.total = 2;
    rejects(() => verifyLink(prev, verifyBlock(wrongParts)), 'last-block-id', 4);
  });

  it('rejects a last commit for another block or height', () => {
    const prev = verified(3);
    // last_commit_hash covers only the signatures, so both blocks still verify alone; only the link catches them.
    const otherHeight = block(4);
    otherHeight.lastCommit!.height = 2;
    rejects(() => verifyLink(prev, verifyBlock(otherHeight)), 'last-commit', 4);
    const otherBlock = block(4);
    otherBlock.lastCommit!.blockId!.hash = new Uint8Array(32).fill(9);
    rejects(() => verifyLink(prev, verifyBlock(otherBlock)), 'last-commit', 4);
  });

  it('rejects a block that skips a height, changes validators unannounced, or goes back in time', () => {
    rejects(() => verifyLink(verified(2), verified(4)), 'height', 4);
    const prev = verified(3);
    const validators = block(4);
    validators.header!.validatorsHash = new Uint8Array(32).fill(1);
    rejects(() => verifyLink(prev, verifyBlock(validators)), 'validators-hash', 4);
    const early = block(4);
    early.header!.time = { ...prev.block.header!.time! };
    rejects(() => verifyLink(prev, verifyBlock(early)), 'time', 4);
  });
});
