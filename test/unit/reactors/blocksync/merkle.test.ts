import assert from 'node:assert/strict';
import { EMPTY_HASH, merkleRoot } from '../../../../reactors/blocksync/merkle.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (...values: number[]) => Uint8Array.from(values);

// CometBFT v0.38 crypto/merkle tree_test.go TestHashFromByteSlices and rfc6962_test.go.
describe('merkleRoot (CometBFT HashFromByteSlices)', () => {
  it('hashes no items to SHA-256 of the empty string', () => {
    assert.equal(hex(merkleRoot([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(EMPTY_HASH), hex(merkleRoot([])));
  });

  it('hashes one item as a leaf: SHA-256(0x00 ‖ item)', () => {
    assert.equal(hex(merkleRoot([bytes(1, 2, 3)])), '054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8');
    assert.equal(hex(merkleRoot([bytes()])), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(hex(merkleRoot([Buffer.from('L123456')])), '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
  });

  it('joins two items under an inner node', () => {
    assert.equal(hex(merkleRoot([bytes(1, 2, 3), bytes(4, 5, 6)])), '82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b');
  });

  it('splits five items at the largest power of two below five (4 + 1)', () => {
    const items = [bytes(1, 2), bytes(3, 4), bytes(5, 6), bytes(7, 8), bytes(9, 10)];
    assert.equal(hex(merkleRoot(items)), 'f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18');
  });
});
