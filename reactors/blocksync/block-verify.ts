import type { tendermint } from '../../proto/gen/messages.js';
import { toError } from '../../framework/errors/base.js';
import { blockIdOf, dataHash, evidenceHash, hashHex, lastCommitHash, type BlockId } from './block-hash.js';
import { compareTimestamps, formatBlockTime, isValidTimestamp } from './block-time.js';
import { BlockVerificationError, type BlockVerificationReason } from './errors.js';

type Block = tendermint.types.Block.$Properties;
type BlockIDProps = tendermint.types.BlockID.$Properties;

/**
 * A block whose header hash was computed and whose txs, last commit and
 * evidence match the hashes its header carries. Blocks that came one after
 * another were also linked (see `verifyLink`).
 */
export interface VerifiedBlock {
  readonly height: number;
  /** What the next block must commit to: the header hash (the block's hash) and its part set header. */
  readonly id: BlockId;
  readonly block: Block;
  readonly chainId: string;
  /** The block's txs (never null). */
  readonly txs: readonly Uint8Array[];
  /** The header's time, RFC 3339 with nanoseconds as CometBFT prints it. */
  readonly time: string;
}

export interface VerifyBlockOptions {
  /** The chain the block must belong to (`header.chain_id`). Default: not checked. */
  readonly chainId?: string;
  /** The height the block must be at (the one that was asked for). Default: not checked. */
  readonly height?: number;
}

function fail(reason: BlockVerificationReason, height: number, message: string, cause?: unknown): never {
  throw new BlockVerificationError(reason, height, message, cause === undefined ? undefined : { cause });
}

function sameBytes(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  const x = a ?? new Uint8Array(0);
  const y = b ?? new Uint8Array(0);
  return x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(y);
}

const hex = (b: Uint8Array | null | undefined) => (b === null || b === undefined || b.length === 0 ? '(empty)' : hashHex(b));

/**
 * Checks what a block says about itself, as CometBFT's `ValidateBasic` does
 * before anything else: a header with a hash, `data_hash` equal to the Merkle
 * root of the tx hashes, `last_commit_hash` and `evidence_hash` equal to the
 * roots over the last commit's signatures and the evidence; and, when asked,
 * the chain and height. Computes the block id the next block must commit to.
 * Throws BlockVerificationError.
 */
export function verifyBlock(block: Block, options: VerifyBlockOptions = {}): VerifiedBlock {
  const header = block.header;
  const claimed = options.height ?? 0;
  if (header === null || header === undefined) fail('malformed', claimed, 'has no header');
  const height = header.height ?? 0;
  if (!Number.isSafeInteger(height) || height <= 0) fail('malformed', claimed, `has height ${height}; heights are positive integers below 2^53`);
  if (options.height !== undefined && height !== options.height) fail('height', options.height, `was asked for, but the block sent is at height ${height}`);
  const chainId = header.chainId ?? '';
  if (options.chainId !== undefined && chainId !== options.chainId) {
    fail('chain-id', height, `belongs to chain ${JSON.stringify(chainId.slice(0, 64))}, not ${JSON.stringify(options.chainId)}`);
  }
  if (!isValidTimestamp(header.time)) fail('malformed', height, 'has a header time outside what a protobuf Timestamp may hold');
  const lastCommit = block.lastCommit;
  if (lastCommit === null || lastCommit === undefined) fail('malformed', height, 'has no last commit');
  if (!(lastCommit.signatures ?? []).every((sig) => isValidTimestamp(sig.timestamp))) fail('malformed', height, 'has a commit signature time outside what a protobuf Timestamp may hold');

  const txs = block.data?.txs ?? [];
  const computedData = dataHash(txs);
  if (!sameBytes(header.dataHash, computedData)) {
    fail('data-hash', height, `its ${txs.length} txs hash to ${hex(computedData)}, but its header says data_hash ${hex(header.dataHash)}`);
  }
  const computedCommit = lastCommitHash(lastCommit);
  if (!sameBytes(header.lastCommitHash, computedCommit)) {
    fail('last-commit-hash', height, `its last commit hashes to ${hex(computedCommit)}, but its header says last_commit_hash ${hex(header.lastCommitHash)}`);
  }
  const evidence = block.evidence?.evidence ?? [];
  let computedEvidence: Uint8Array;
  try {
    computedEvidence = evidenceHash(evidence);
  } catch (error) {
    fail('malformed', height, `has evidence CometBFT would refuse: ${toError(error).message}`, error);
  }
  if (!sameBytes(header.evidenceHash, computedEvidence)) {
    fail('evidence-hash', height, `its ${evidence.length} evidence entries hash to ${hex(computedEvidence)}, but its header says evidence_hash ${hex(header.evidenceHash)}`);
  }
  let id: BlockId | undefined;
  try {
    id = blockIdOf(block);
  } catch (error) {
    fail('malformed', height, `cannot be encoded as CometBFT encodes it: ${toError(error).message}`, error);
  }
  if (id === undefined) fail('malformed', height, 'has no validators_hash, so its header has no hash');
  return { height, id, block, chainId, txs, time: formatBlockTime(header.time) };
}

function sameBlockId(a: BlockIDProps | null | undefined, id: BlockId): boolean {
  return sameBytes(a?.hash, id.hash) && (a?.partSetHeader?.total ?? 0) === id.partSetHeader.total && sameBytes(a?.partSetHeader?.hash, id.partSetHeader.hash);
}

function describeId(a: BlockIDProps | null | undefined): string {
  return `${hex(a?.hash)} (parts ${a?.partSetHeader?.total ?? 0}, ${hex(a?.partSetHeader?.hash)})`;
}

/**
 * Checks that `next` follows `prev` on one chain: it is at the next height,
 * its `last_block_id` and its last commit's block id are `prev`'s id (hash
 * and part set header), its last commit is for `prev`'s height, its
 * validator set is the one `prev` announced as next, and its time is later.
 * Throws BlockVerificationError at `next`'s height.
 */
export function verifyLink(prev: VerifiedBlock, next: VerifiedBlock): void {
  const height = next.height;
  if (height !== prev.height + 1) fail('height', height, `does not follow block ${prev.height}`);
  const header = next.block.header!;
  const prevHeader = prev.block.header!;
  const expected = `${hashHex(prev.id.hash)} (parts ${prev.id.partSetHeader.total}, ${hashHex(prev.id.partSetHeader.hash)})`;
  if (!sameBlockId(header.lastBlockId, prev.id)) {
    fail('last-block-id', height, `links to block id ${describeId(header.lastBlockId)}, but block ${prev.height} has id ${expected}`);
  }
  const commit = next.block.lastCommit!;
  if ((commit.height ?? 0) !== prev.height) fail('last-commit', height, `carries a last commit for height ${commit.height ?? 0}, not ${prev.height}`);
  if (!sameBlockId(commit.blockId, prev.id)) {
    fail('last-commit', height, `carries a last commit for block id ${describeId(commit.blockId)}, but block ${prev.height} has id ${expected}`);
  }
  if (!sameBytes(header.validatorsHash, prevHeader.nextValidatorsHash)) {
    fail('validators-hash', height, `has validators_hash ${hex(header.validatorsHash)}, but block ${prev.height} announced ${hex(prevHeader.nextValidatorsHash)} as next`);
  }
  if (compareTimestamps(header.time, prevHeader.time) <= 0) fail('time', height, `has time ${next.time}, not after block ${prev.height}'s ${prev.time}`);
}
