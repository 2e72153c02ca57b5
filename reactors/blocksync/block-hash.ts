import type { tendermint } from '../../proto/gen/messages.js';
import { encodeBlockId, encodeCommitSig, encodeConsensus, encodeTimestamp } from './canonical-encoding.js';
import { encodeBlock } from './block-encoding.js';
import { evidenceBytes } from './evidence-encoding.js';
import { merkleRoot, sha256 } from './merkle.js';
import { encodeWith } from './proto-writer.js';

type Header = tendermint.types.Header.$Properties;
type Commit = tendermint.types.Commit.$Properties;
type Evidence = tendermint.types.Evidence.$Properties;
type Block = tendermint.types.Block.$Properties;

/** CometBFT's `BlockPartSizeBytes`: a serialised block is cut into parts of this size, the last one shorter. */
export const BLOCK_PART_SIZE_BYTES = 65_536;

/** A block's identity as the next block commits to it: the header hash and the header of its part set. */
export interface BlockId {
  readonly hash: Uint8Array;
  readonly partSetHeader: { readonly total: number; readonly hash: Uint8Array };
}

/*
 * Header fields that are not messages are hashed as the encoding of the
 * matching google.protobuf wrapper (StringValue, Int64Value, BytesValue),
 * field 1. An empty or zero value writes nothing, so it hashes as the empty
 * byte string rather than as an empty wrapper.
 */
const wrapString = (value: string | null | undefined) => encodeWith((w) => w.string(1, value));
const wrapInt64 = (value: number | null | undefined) => encodeWith((w) => w.varint(1, value));
const wrapBytes = (value: Uint8Array | null | undefined) => encodeWith((w) => w.bytes(1, value));

/**
 * The header hash, as CometBFT computes it: the Merkle root of the 14 header
 * fields in order (version, time and last_block_id as their encodings, the
 * rest wrapped). This is the block id hash RPC `/block` shows as
 * `block_id.hash`. Undefined for a header without `validators_hash`, which
 * upstream gives no hash either.
 */
export function headerHash(h: Header): Uint8Array | undefined {
  if (h.validatorsHash === null || h.validatorsHash === undefined || h.validatorsHash.length === 0) return undefined;
  return merkleRoot([
    encodeConsensus(h.version),
    wrapString(h.chainId),
    wrapInt64(h.height),
    encodeTimestamp(h.time),
    encodeBlockId(h.lastBlockId),
    wrapBytes(h.lastCommitHash),
    wrapBytes(h.dataHash),
    wrapBytes(h.validatorsHash),
    wrapBytes(h.nextValidatorsHash),
    wrapBytes(h.consensusHash),
    wrapBytes(h.appHash),
    wrapBytes(h.lastResultsHash),
    wrapBytes(h.evidenceHash),
    wrapBytes(h.proposerAddress),
  ]);
}

/** `data_hash`: the Merkle root over the SHA-256 of each tx (the leaves are tx hashes, not txs). */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map(sha256));
}

/** `last_commit_hash`: the Merkle root over the encoding of each commit signature. */
export function lastCommitHash(commit: Commit): Uint8Array {
  return merkleRoot((commit.signatures ?? []).map(encodeCommitSig));
}

/** `evidence_hash`: the Merkle root over the encoding of each evidence (throws BlockEncodingError for evidence upstream would refuse). */
export function evidenceHash(evidence: readonly Evidence[]): Uint8Array {
  return merkleRoot(evidence.map(evidenceBytes));
}

/** The part set header of a serialised block: how many 64 KiB parts, and the Merkle root over them. */
export function partSetHeaderOf(blockBytes: Uint8Array, partSize = BLOCK_PART_SIZE_BYTES): BlockId['partSetHeader'] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < blockBytes.length; offset += partSize) parts.push(blockBytes.subarray(offset, offset + partSize));
  return { total: parts.length, hash: merkleRoot(parts) };
}

/**
 * The id of a block — what the next block's `last_block_id` and
 * `last_commit.block_id` must equal: the header hash, and the part set
 * header of the block serialised as CometBFT serialises it. Undefined when
 * the header has no hash (see `headerHash`).
 */
export function blockIdOf(block: Block): BlockId | undefined {
  const hash = block.header === null || block.header === undefined ? undefined : headerHash(block.header);
  if (hash === undefined) return undefined;
  return { hash, partSetHeader: partSetHeaderOf(encodeBlock(block)) };
}

/** Upper-case hex, as CometBFT prints hashes. */
export function hashHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex').toUpperCase();
}
