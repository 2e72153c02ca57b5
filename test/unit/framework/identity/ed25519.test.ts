import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { verifyEd25519 } from '../../../../framework/identity/ed25519.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';
import { vectorPath } from '../../../support/repo-root.js';

const ZIP215_VECTORS = vectorPath('zip215.json.gz');

describe('verifyEd25519', () => {
  const key = NodeKey.fromSecret('verify');
  const message = new TextEncoder().encode('hello tmp2p');
  const signature = key.sign(message);

  it('accepts a signature made by NodeKey.sign', () => {
    assert.equal(signature.length, 64);
    assert.equal(verifyEd25519(key.publicKey, message, signature), true);
  });

  it('rejects a tampered message, signature or key', () => {
    const badMsg = Uint8Array.from(message);
    badMsg[0] ^= 1;
    assert.equal(verifyEd25519(key.publicKey, badMsg, signature), false);
    const badSig = Uint8Array.from(signature);
    badSig[10] ^= 1;
    assert.equal(verifyEd25519(key.publicKey, message, badSig), false);
    assert.equal(verifyEd25519(NodeKey.fromSecret('other').publicKey, message, signature), false);
  });

  it('rejects a non-canonical S (S + L) like CometBFT', () => {
    // S' = S + L is a different encoding of the same scalar; ZIP-215 still requires S < L.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i]);
    s += L;
    const forged = Uint8Array.from(signature);
    for (let i = 0; i < 32; i++) forged[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    assert.equal(verifyEd25519(key.publicKey, message, forged), false);
  });

  it('returns false (never throws) for wrong lengths', () => {
    assert.equal(verifyEd25519(key.publicKey.subarray(0, 31), message, signature), false);
    assert.equal(verifyEd25519(new Uint8Array(33), message, signature), false);
    assert.equal(verifyEd25519(key.publicKey, message, signature.subarray(0, 63)), false);
    assert.equal(verifyEd25519(key.publicKey, message, new Uint8Array(65)), false);
  });

  it('returns false for a public key that is not a curve point', () => {
    // y = 2 has no x on edwards25519.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    assert.equal(verifyEd25519(notAPoint, message, signature), false);
  });

  it('accepts every ZIP-215 vector (curve25519-voi testdata, message "Zcash")', () => {
    const pairs = JSON.parse(gunzipSync(readFileSync(ZIP215_VECTORS)).toString('utf8')) as Array<[string, string]>;
    assert.equal(pairs.length, 196);
    const msg = new TextEncoder().encode('Zcash');
    const failed = pairs.filter(([pub, sig]) => !verifyEd25519(Buffer.from(pub, 'hex'), msg, Buffer.from(sig, 'hex')));
    assert.deepEqual(failed, [], `${failed.length} ZIP-215 vectors did not verify`);
  });
});
