import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tendermint } from '../../../../proto/gen/messages.js';
import { blockIdOf, dataHash, hashHex, headerHash, lastCommitHash, partSetHeaderOf } from '../../../../reactors/blocksync/block-hash.js';
import { encodeBlock } from '../../../../reactors/blocksync/block-encoding.js';
import { encodeBlockId } from '../../../../reactors/blocksync/canonical-encoding.js';
import { sha256 } from '../../../../reactors/blocksync/merkle.js';
import { blockFromJson, type RpcBlockResult } from '../../../support/block-json.js';
import { vectorPath } from '../../../support/repo-root.js';

interface Vectors {
  readonly chain_id: string;
  readonly blocks: readonly RpcBlockResult[];
}

const vectors = JSON.parse(readFileSync(vectorPath('cometbft-kvstore-blocks.json'), 'utf8')) as Vectors;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sum = (text: string) => sha256(Buffer.from(text));

describe('block hashes against a live CometBFT v0.38.17 kvstore chain (test/vectors/cometbft-kvstore-blocks.json)', () => {
  it('holds blocks with no tx, one tx and several txs', () => {
    const counts = vectors.blocks.map((b) => (b.block.data.txs ?? []).length);
    assert.ok(counts.includes(0) && counts.includes(1) && counts.some((n) => n > 1), `tx counts ${counts}`);
  });

  for (const result of vectors.blocks) {
    const height = result.block.header.height;
    describe(`height ${height} (${(result.block.data.txs ?? []).length} txs)`, () => {
      const block = blockFromJson(result.block);

      it('header hash equals RPC block_id.hash', () => {
        assert.equal(hashHex(headerHash(block.header!)!), result.block_id.hash);
      });

      it('data_hash is the Merkle root of the tx hashes', () => {
        assert.equal(hashHex(dataHash(block.data!.txs ?? [])), result.block.header['data_hash']);
      });

      it('last_commit_hash is the Merkle root of the encoded commit signatures', () => {
        assert.equal(hashHex(lastCommitHash(block.lastCommit!)), result.block.header['last_commit_hash']);
      });

      it('the block encoded as CometBFT encodes it has the part set header of RPC block_id.parts', () => {
        const id = blockIdOf(block)!;
        assert.equal(hashHex(id.hash), result.block_id.hash);
        assert.deepEqual({ total: id.partSetHeader.total, hash: hashHex(id.partSetHeader.hash) }, result.block_id.parts);
      });
    });
  }

  it('a block decoded from protobufjs bytes hashes as the one it was encoded from', () => {
    const result = vectors.blocks.find((b) => (b.block.data.txs ?? []).length > 1)!;
    const decoded = tendermint.types.Block.decode(tendermint.types.Block.encode(blockFromJson(result.block)).finish());
    assert.equal(hashHex(blockIdOf(decoded)!.hash), result.block_id.hash);
  });

  it("height 1's empty last_block_id still writes its part set header (12 00)", () => {
    assert.equal(hex(encodeBlockId(blockFromJson(vectors.blocks[0]!.block).header!.lastBlockId)), '1200');
    // protobufjs leaves an unset sub-message out, which is why hashing re-encodes canonically.
    assert.equal(hex(tendermint.types.BlockID.encode(tendermint.types.BlockID.create({})).finish()), '');
  });

  it('encodes a block deterministically, whatever extra fields protobufjs kept from the wire', () => {
    const block = blockFromJson(vectors.blocks[3]!.block);
    const wire = tendermint.types.Block.encode(block).finish();
    // An unknown field (99, varint 1) appended to the Block: protobufjs keeps it, CometBFT drops it.
    const withUnknown = Buffer.concat([wire, Buffer.from([0x98, 0x06, 0x01])]);
    const decoded = tendermint.types.Block.decode(withUnknown);
    assert.equal(hex(encodeBlock(decoded)), hex(encodeBlock(block)));
  });
});

// CometBFT v0.38 types/block_test.go TestHeaderHash.
describe('headerHash (CometBFT TestHeaderHash)', () => {
  const header = () =>
    tendermint.types.Header.create({
      version: { block: 1, app: 2 },
      chainId: 'chainId',
      height: 3,
      time: { seconds: Date.UTC(2019, 9, 13, 16, 14, 44) / 1000, nanos: 0 },
      lastBlockId: { hash: new Uint8Array(32), partSetHeader: { total: 6, hash: new Uint8Array(32) } },
      lastCommitHash: sum('last_commit_hash'),
      dataHash: sum('data_hash'),
      validatorsHash: sum('validators_hash'),
      nextValidatorsHash: sum('next_validators_hash'),
      consensusHash: sum('consensus_hash'),
      appHash: sum('app_hash'),
      lastResultsHash: sum('last_results_hash'),
      evidenceHash: sum('evidence_hash'),
      proposerAddress: sum('proposer_address').subarray(0, 20),
    });

  it('generates the expected hash', () => {
    assert.equal(hashHex(headerHash(header())!), 'F740121F553B5418C3EFBD343C2DBFE9E007BB67B0D020A0741374BAB65242A4');
  });

  it('gives no hash to a header without validators_hash', () => {
    const h = header();
    h.validatorsHash = new Uint8Array(0);
    assert.equal(headerHash(h), undefined);
  });
});

describe('partSetHeaderOf', () => {
  it('cuts at 64 KiB: one part up to 65,536 bytes, two just past it', () => {
    assert.equal(partSetHeaderOf(new Uint8Array(65_536)).total, 1);
    assert.equal(partSetHeaderOf(new Uint8Array(65_537)).total, 2);
  });
});
