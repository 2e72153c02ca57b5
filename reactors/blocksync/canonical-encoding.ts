import type { google, tendermint } from '../../proto/gen/messages.js';
import { encodeWith } from './proto-writer.js';

/**
 * CometBFT's encodings of the block types, byte for byte as its gogoproto
 * code writes them, for hashing. They differ from what a generic encoder
 * (protobufjs) writes for a decoded message in two ways: sub-messages that
 * are non-nullable upstream are written even when empty (`BlockID.part_set_header`
 * of height 1's empty `last_block_id` is `12 00`), and nothing outside the
 * schema (protobufjs keeps unknown fields and writes them back) is ever
 * written. Nullable sub-messages are written when present, as upstream.
 *
 * Inputs are decoded messages or plain objects of the generated `$Properties`
 * shapes; absent fields count as their proto3 defaults.
 */
type Timestamp = google.protobuf.Timestamp.$Properties;
type Consensus = tendermint.version.Consensus.$Properties;
type BlockID = tendermint.types.BlockID.$Properties;
type PartSetHeader = tendermint.types.PartSetHeader.$Properties;
type Header = tendermint.types.Header.$Properties;
type Data = tendermint.types.Data.$Properties;
type Commit = tendermint.types.Commit.$Properties;
type CommitSig = tendermint.types.CommitSig.$Properties;

/** Seconds of Go's zero time (0001-01-01T00:00:00Z) since the Unix epoch. */
export const GO_ZERO_TIME_SECONDS = -62_135_596_800;

/**
 * A `google.protobuf.Timestamp` field that is non-nullable upstream (every
 * timestamp in a block is). When the field is absent on the wire, upstream
 * decodes Go's zero time and writes that back (seconds −62135596800), which
 * is not what an empty Timestamp (the Unix epoch) encodes to; so an absent
 * timestamp encodes as Go's zero time here too.
 */
export function encodeTimestamp(t: Timestamp | null | undefined): Uint8Array {
  const time = t ?? { seconds: GO_ZERO_TIME_SECONDS, nanos: 0 };
  return encodeWith((w) => w.varint(1, time.seconds).varint(2, time.nanos));
}

/** `tendermint.version.Consensus` (block = 1, app = 2). */
export function encodeConsensus(v: Consensus | null | undefined): Uint8Array {
  return encodeWith((w) => w.varint(1, v?.block).varint(2, v?.app));
}

/** `tendermint.types.PartSetHeader` (total = 1, hash = 2). */
export function encodePartSetHeader(p: PartSetHeader | null | undefined): Uint8Array {
  return encodeWith((w) => w.varint(1, p?.total).bytes(2, p?.hash));
}

/** `tendermint.types.BlockID`: hash = 1, then part_set_header = 2 always (non-nullable upstream). */
export function encodeBlockId(id: BlockID | null | undefined): Uint8Array {
  return encodeWith((w) => w.bytes(1, id?.hash).message(2, encodePartSetHeader(id?.partSetHeader)));
}

/**
 * `tendermint.types.Header`, every field as upstream: version, time and
 * last_block_id always written (non-nullable), the rest omitted when empty.
 */
export function encodeHeader(h: Header | null | undefined): Uint8Array {
  return encodeWith((w) =>
    w
      .message(1, encodeConsensus(h?.version))
      .string(2, h?.chainId)
      .varint(3, h?.height)
      .message(4, encodeTimestamp(h?.time))
      .message(5, encodeBlockId(h?.lastBlockId))
      .bytes(6, h?.lastCommitHash)
      .bytes(7, h?.dataHash)
      .bytes(8, h?.validatorsHash)
      .bytes(9, h?.nextValidatorsHash)
      .bytes(10, h?.consensusHash)
      .bytes(11, h?.appHash)
      .bytes(12, h?.lastResultsHash)
      .bytes(13, h?.evidenceHash)
      .bytes(14, h?.proposerAddress),
  );
}

/** `tendermint.types.CommitSig`: timestamp always written (non-nullable). What a commit's hash is taken over. */
export function encodeCommitSig(s: CommitSig | null | undefined): Uint8Array {
  return encodeWith((w) =>
    w
      .varint(1, s?.blockIdFlag)
      .bytes(2, s?.validatorAddress)
      .message(3, encodeTimestamp(s?.timestamp))
      .bytes(4, s?.signature),
  );
}

/** `tendermint.types.Commit`: block_id and every signature always written (non-nullable). */
export function encodeCommit(c: Commit | null | undefined): Uint8Array {
  return encodeWith((w) => {
    w.varint(1, c?.height).varint(2, c?.round).message(3, encodeBlockId(c?.blockId));
    for (const sig of c?.signatures ?? []) w.message(4, encodeCommitSig(sig));
  });
}

/** `tendermint.types.Data`: every tx written, empty ones included (a repeated field keeps its elements). */
export function encodeData(d: Data | null | undefined): Uint8Array {
  return encodeWith((w) => {
    for (const tx of d?.txs ?? []) w.message(1, tx);
  });
}
