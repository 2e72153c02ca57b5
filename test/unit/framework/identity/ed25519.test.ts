import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ed25519Backend, ed25519Signer, verifyEd25519, type Ed25519Backend } from '../../../../framework/identity/ed25519.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';
import { vectorPath } from '../../../support/repo-root.js';

const ZIP215_VECTORS = vectorPath('zip215.json.gz');

const BACKENDS: readonly Ed25519Backend[] = ['sodium-native', 'node:crypto'];

describe('ed25519 backends', () => {
  it('uses sodium-native where it loads', () => {
    assert.equal(ed25519Backend(), 'sodium-native');
  });

  it('derive the same public key and the same (deterministic) signatures: RFC 8032 test 2, and random seeds', () => {
    const seed = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
    for (const backend of BACKENDS) {
      const signer = ed25519Signer(seed, backend);
      assert.equal(Buffer.from(signer.publicKey).toString('hex'), '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', backend);
      assert.equal(
        Buffer.from(signer.sign(Uint8Array.of(0x72))).toString('hex'),
        '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
        backend,
      );
    }
    for (let i = 0; i < 8; i++) {
      const randomSeed = new Uint8Array(32).map(() => Math.floor(Math.random() * 256));
      const message = new Uint8Array(i * 13).fill(i);
      const [a, b] = BACKENDS.map((backend) => ed25519Signer(randomSeed, backend));
      assert.deepEqual(a!.publicKey, b!.publicKey);
      assert.deepEqual(a!.sign(message), b!.sign(message));
    }
  });
});

for (const backend of BACKENDS) describe(`verifyEd25519 (${backend})`, () => {
  const verifyEd25519Via = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => verifyEd25519(publicKey, message, signature, backend);
  const key = NodeKey.fromSecret('verify');
  const message = new TextEncoder().encode('hello tmp2p');
  const signature = key.sign(message);

  it('accepts a signature made by NodeKey.sign', () => {
    assert.equal(signature.length, 64);
    assert.equal(verifyEd25519Via(key.publicKey, message, signature), true);
  });

  it('rejects a tampered message, signature or key', () => {
    const badMsg = Uint8Array.from(message);
    badMsg[0] ^= 1;
    assert.equal(verifyEd25519Via(key.publicKey, badMsg, signature), false);
    const badSig = Uint8Array.from(signature);
    badSig[10] ^= 1;
    assert.equal(verifyEd25519Via(key.publicKey, message, badSig), false);
    assert.equal(verifyEd25519Via(NodeKey.fromSecret('other').publicKey, message, signature), false);
  });

  it('rejects a non-canonical S (S + L) like CometBFT', () => {
    // S' = S + L is a different encoding of the same scalar; ZIP-215 still requires S < L.
    const L = (1n << 252n) + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i]);
    s += L;
    const forged = Uint8Array.from(signature);
    for (let i = 0; i < 32; i++) forged[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    assert.equal(verifyEd25519Via(key.publicKey, message, forged), false);
  });

  it('returns false (never throws) for wrong lengths', () => {
    assert.equal(verifyEd25519Via(key.publicKey.subarray(0, 31), message, signature), false);
    assert.equal(verifyEd25519Via(new Uint8Array(33), message, signature), false);
    assert.equal(verifyEd25519Via(key.publicKey, message, signature.subarray(0, 63)), false);
    assert.equal(verifyEd25519Via(key.publicKey, message, new Uint8Array(65)), false);
  });

  it('returns false for a public key that is not a curve point', () => {
    // y = 2 has no x on edwards25519.
    const notAPoint = new Uint8Array(32);
    notAPoint[0] = 2;
    assert.equal(verifyEd25519Via(notAPoint, message, signature), false);
  });

  it('accepts every ZIP-215 vector (curve25519-voi testdata, message "Zcash")', () => {
    const pairs = JSON.parse(gunzipSync(readFileSync(ZIP215_VECTORS)).toString('utf8')) as Array<[string, string]>;
    assert.equal(pairs.length, 196);
    const msg = new TextEncoder().encode('Zcash');
    const failed = pairs.filter(([pub, sig]) => !verifyEd25519Via(Buffer.from(pub, 'hex'), msg, Buffer.from(sig, 'hex')));
    assert.deepEqual(failed, [], `${failed.length} ZIP-215 vectors did not verify`);
  });
});
