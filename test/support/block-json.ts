import { tendermint } from '../../proto/gen/messages.js';

/**
 * Turns CometBFT's RPC JSON of a block (`/block?height=H` → result.block)
 * into the protobuf message the blocksync channel carries, so tests can
 * hash real blocks and serve them to tmp2p. Hashes are upper-case hex,
 * signatures and txs base64, int64s decimal strings, times RFC 3339 with
 * nanoseconds. Blocks with evidence are not needed by the tests and refused.
 */
export interface RpcBlockId {
  readonly hash: string;
  readonly parts: { readonly total: number; readonly hash: string };
}

export interface RpcBlockResult {
  readonly block_id: RpcBlockId;
  readonly block: RpcBlock;
}

interface RpcBlock {
  readonly header: Record<string, unknown> & {
    version: { block: string; app: string };
    chain_id: string;
    height: string;
    time: string;
    last_block_id: RpcBlockId;
  };
  readonly data: { readonly txs: readonly string[] | null };
  readonly evidence: { readonly evidence: readonly unknown[] | null };
  readonly last_commit: {
    height: string;
    round: number;
    block_id: RpcBlockId;
    signatures: readonly { block_id_flag: number; validator_address: string; timestamp: string; signature: string | null }[];
  };
}

const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const fromBase64 = (s: string | null): Uint8Array => Uint8Array.from(Buffer.from(s ?? '', 'base64'));

/** RFC 3339 with up to nine fraction digits → Timestamp. */
export function timestampFromRfc3339(text: string): tendermint.types.Header['time'] {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (match === null) throw new Error(`not an RFC 3339 UTC time: ${text}`);
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  const nanos = Number((match[2] ?? '').padEnd(9, '0'));
  return { seconds, nanos };
}

export function blockIdFromJson(id: RpcBlockId): tendermint.types.BlockID {
  return tendermint.types.BlockID.create({
    hash: fromHex(id.hash),
    partSetHeader: tendermint.types.PartSetHeader.create({ total: id.parts.total, hash: fromHex(id.parts.hash) }),
  });
}

export function blockFromJson(json: RpcBlock): tendermint.types.Block {
  const h = json.header;
  const bytes = (key: string) => fromHex(h[key] as string);
  if ((json.evidence.evidence ?? []).length > 0) throw new Error('blocks with evidence are not supported by this test helper');
  return tendermint.types.Block.create({
    header: tendermint.types.Header.create({
      version: tendermint.version.Consensus.create({ block: Number(h.version.block), app: Number(h.version.app) }),
      chainId: h.chain_id,
      height: Number(h.height),
      time: timestampFromRfc3339(h.time),
      lastBlockId: blockIdFromJson(h.last_block_id),
      lastCommitHash: bytes('last_commit_hash'),
      dataHash: bytes('data_hash'),
      validatorsHash: bytes('validators_hash'),
      nextValidatorsHash: bytes('next_validators_hash'),
      consensusHash: bytes('consensus_hash'),
      appHash: bytes('app_hash'),
      lastResultsHash: bytes('last_results_hash'),
      evidenceHash: bytes('evidence_hash'),
      proposerAddress: bytes('proposer_address'),
    }),
    data: tendermint.types.Data.create({ txs: (json.data.txs ?? []).map(fromBase64) }),
    evidence: tendermint.types.EvidenceList.create({ evidence: [] }),
    lastCommit: tendermint.types.Commit.create({
      height: Number(json.last_commit.height),
      round: json.last_commit.round,
      blockId: blockIdFromJson(json.last_commit.block_id),
      signatures: json.last_commit.signatures.map((s) =>
        tendermint.types.CommitSig.create({
          blockIdFlag: s.block_id_flag,
          validatorAddress: fromHex(s.validator_address),
          timestamp: timestampFromRfc3339(s.timestamp),
          signature: fromBase64(s.signature),
        }),
      ),
    }),
  });
}
