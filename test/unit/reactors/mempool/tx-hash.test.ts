import assert from 'node:assert/strict';
import { txHash } from '../../../../reactors/mempool/tx-hash.js';

describe('txHash', () => {
  it('is the upper-case hex SHA-256 of the tx bytes (FIPS 180-2 "abc" vector), as CometBFT\'s RPC shows tx hashes', () => {
    assert.equal(txHash(new TextEncoder().encode('abc')), 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');
  });
});
