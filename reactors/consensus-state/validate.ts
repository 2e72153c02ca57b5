import type { tendermint } from '../../proto/gen/messages.js';
import { roundStepName } from './round-step.js';

/**
 * CometBFT v0.38's checks of the state-channel messages (their
 * `ValidateBasic`, and for NewRoundStep `ValidateHeight` against the
 * chain's initial height). Each returns why a message is invalid, or
 * undefined when it is valid. Only what upstream refuses is refused.
 */

/** CometBFT's hash length (SHA-256); a hash may also be empty. */
const HASH_LENGTH = 32;
/** `MaxBlockPartsCount`: parts of the largest block (104,857,600 bytes in 64 KiB parts) + 1. */
export const MAX_BLOCK_PARTS_COUNT = 1601;
/** `MaxVotesCount`: the largest validator set a vote bit array may describe. */
export const MAX_VOTES_COUNT = 10_000;

type NewRoundStep = tendermint.consensus.NewRoundStep.$Properties;
type NewValidBlock = tendermint.consensus.NewValidBlock.$Properties;
type HasVote = tendermint.consensus.HasVote.$Properties;
type VoteSetMaj23 = tendermint.consensus.VoteSetMaj23.$Properties;
type VoteSetBits = tendermint.consensus.VoteSetBits.$Properties;
type BlockID = tendermint.types.BlockID.$Properties;
type PartSetHeader = tendermint.types.PartSetHeader.$Properties;

function heightRound(height: number, round: number | undefined): string | undefined {
  if (!Number.isSafeInteger(height) || height < 0) return `height ${height} is negative or not an integer below 2^53`;
  if (round !== undefined && (!Number.isInteger(round) || round < 0)) return `round ${round} is negative`;
  return undefined;
}

function hashProblem(what: string, hash: Uint8Array | null | undefined): string | undefined {
  const length = hash?.length ?? 0;
  return length === 0 || length === HASH_LENGTH ? undefined : `${what} is ${length} bytes, not ${HASH_LENGTH}`;
}

function partSetHeaderProblem(psh: PartSetHeader | null | undefined): string | undefined {
  return hashProblem('part set header hash', psh?.hash);
}

function blockIdProblem(id: BlockID | null | undefined): string | undefined {
  return hashProblem('block id hash', id?.hash) ?? partSetHeaderProblem(id?.partSetHeader);
}

/** Prevote (1) and precommit (2) are the vote types a HasVote or vote set may name. */
function voteTypeProblem(type: number | null | undefined): string | undefined {
  return type === 1 || type === 2 ? undefined : `vote type ${type ?? 0} is neither prevote (1) nor precommit (2)`;
}

/**
 * A NewRoundStep: height ≥ 0, round ≥ 0, step 1..8, last_commit_round ≥ −1;
 * height not below the initial height; at the initial height
 * last_commit_round −1, above it ≥ 0.
 */
export function newRoundStepProblem(m: NewRoundStep, initialHeight: number): string | undefined {
  const height = m.height ?? 0;
  const lastCommitRound = m.lastCommitRound ?? 0;
  const basic = heightRound(height, m.round ?? 0);
  if (basic !== undefined) return basic;
  if (roundStepName(m.step ?? 0) === undefined) return `step ${m.step ?? 0} is not a round step (1..8)`;
  if (lastCommitRound < -1) return `last_commit_round ${lastCommitRound} is below -1`;
  if (height < initialHeight) return `height ${height} is below the initial height ${initialHeight}`;
  if (height === initialHeight && lastCommitRound !== -1) return `last_commit_round is ${lastCommitRound} at the initial height ${initialHeight}, where it must be -1`;
  if (height > initialHeight && lastCommitRound < 0) return `last_commit_round is ${lastCommitRound} above the initial height ${initialHeight}, where it must be ≥ 0`;
  return undefined;
}

export function newValidBlockProblem(m: NewValidBlock): string | undefined {
  const basic = heightRound(m.height ?? 0, m.round ?? 0) ?? partSetHeaderProblem(m.blockPartSetHeader);
  if (basic !== undefined) return basic;
  const size = m.blockParts?.bits ?? 0;
  if (size === 0) return 'its block parts bit array is empty';
  const total = m.blockPartSetHeader?.total ?? 0;
  if (size !== total) return `its block parts bit array has ${size} bits for ${total} parts`;
  if (size > MAX_BLOCK_PARTS_COUNT) return `its block parts bit array has ${size} bits, more than ${MAX_BLOCK_PARTS_COUNT}`;
  return undefined;
}

export function hasVoteProblem(m: HasVote): string | undefined {
  const index = m.index ?? 0;
  return heightRound(m.height ?? 0, m.round ?? 0) ?? voteTypeProblem(m.type) ?? (index < 0 ? `validator index ${index} is negative` : undefined);
}

export function voteSetMaj23Problem(m: VoteSetMaj23): string | undefined {
  return heightRound(m.height ?? 0, m.round ?? 0) ?? voteTypeProblem(m.type) ?? blockIdProblem(m.blockId);
}

export function voteSetBitsProblem(m: VoteSetBits): string | undefined {
  const size = m.votes?.bits ?? 0;
  return (
    heightRound(m.height ?? 0, undefined) ??
    voteTypeProblem(m.type) ??
    blockIdProblem(m.blockId) ??
    (size > MAX_VOTES_COUNT ? `its votes bit array has ${size} bits, more than ${MAX_VOTES_COUNT}` : undefined)
  );
}
