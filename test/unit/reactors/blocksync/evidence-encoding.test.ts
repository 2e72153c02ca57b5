import assert from 'node:assert/strict';
import { tendermint } from '../../../../proto/gen/messages.js';
import { encodeEvidence, evidenceBytes } from '../../../../reactors/blocksync/evidence-encoding.js';
import { evidenceHash } from '../../../../reactors/blocksync/block-hash.js';
import { merkleRoot, sha256 } from '../../../../reactors/blocksync/merkle.js';

const hex = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('hex');
const key = new Uint8Array(32).fill(3);
const vote = (round: number) => ({ type: 1, height: 10, round, blockId: { hash: new Uint8Array(32).fill(round + 1), partSetHeader: { total: 1, hash: new Uint8Array(32) } }, timestamp: { seconds: 1_700_000_000, nanos: 5 }, validatorAddress: new Uint8Array(20).fill(9), validatorIndex: 0, signature: new Uint8Array(64).fill(1) });

describe('evidence as CometBFT re-creates it', () => {
  it('encodes duplicate-vote evidence so that protobufjs decodes the same fields back', () => {
    const ev = { duplicateVoteEvidence: { voteA: vote(0), voteB: vote(1), totalVotingPower: 10, validatorPower: 10, timestamp: { seconds: 1_700_000_000 } } };
    const decoded = tendermint.types.Evidence.decode(encodeEvidence(ev));
    assert.equal(decoded.sum, 'duplicateVoteEvidence');
    assert.equal(decoded.duplicateVoteEvidence!.voteB!.round, 1);
    assert.equal(decoded.duplicateVoteEvidence!.totalVotingPower, 10);
    // The evidence hash's leaves are the evidence itself, not its oneof wrapper.
    assert.equal(hex(evidenceHash([ev])), hex(merkleRoot([evidenceBytes(ev)])));
    // With every sub-message present, protobufjs writes the same bytes as the canonical encoder.
    assert.equal(hex(tendermint.types.DuplicateVoteEvidence.encode(decoded.duplicateVoteEvidence!).finish()), hex(evidenceBytes(ev)));
  });

  it('writes a validator set’s total voting power as 0 and derives addresses from keys', () => {
    const validator = { address: new Uint8Array(20).fill(0xee), pubKey: { ed25519: key }, votingPower: 7 };
    const ev = {
      lightClientAttackEvidence: {
        conflictingBlock: { validatorSet: { validators: [validator], proposer: validator, totalVotingPower: 7 } },
        commonHeight: 4,
        byzantineValidators: [validator],
        totalVotingPower: 7,
        timestamp: { seconds: 1 },
      },
    };
    const decoded = tendermint.types.LightClientAttackEvidence.decode(evidenceBytes(ev));
    assert.equal(decoded.conflictingBlock!.validatorSet!.totalVotingPower, 0);
    assert.equal(hex(decoded.byzantineValidators[0]!.address), hex(sha256(key).subarray(0, 20)));
    assert.equal(decoded.totalVotingPower, 7, 'only the set’s total is zeroed');
  });

  it('refuses evidence upstream cannot decode: no kind, a missing vote, a key of the wrong length', () => {
    assert.throws(() => evidenceBytes({}), { name: 'BlockEncodingError' });
    assert.throws(() => evidenceBytes({ duplicateVoteEvidence: { voteA: vote(0) } }), { name: 'BlockEncodingError' });
    const short = { address: new Uint8Array(20), pubKey: { ed25519: new Uint8Array(31) } };
    assert.throws(() => evidenceBytes({ lightClientAttackEvidence: { byzantineValidators: [short] } }), { name: 'BlockEncodingError' });
  });
});
