import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { vectorPath } from '../../../../../support/repo-root.js';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { LowOrderPointError } from '../../../../../../plugins/transports/mconn/secret-connection/errors.js';
import {
  computeSharedSecret,
  deriveSecrets,
  ephemeralKeyPairFromPrivate,
  generateEphemeralKeyPair,
  keyPairFromScalar,
  sortEphemeralKeys,
  wipeEphemeralKeyPair,
  x25519Backend,
  x25519PublicDerivation,
  type X25519Backend,
} from '../../../../../../plugins/transports/mconn/secret-connection/keys.js';

const BACKENDS: readonly X25519Backend[] = ['sodium-native', 'node:crypto'];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

const GOLDEN_NAME = 'TestDeriveSecretsAndChallengeGolden.golden';


interface GoldenRow {
  dh: string;
  locIsLeast: boolean;
  recv: string;
  send: string;
}

function parseRow(line: string): GoldenRow {
  const fields = line.split(',');
  assert.equal(fields.length, 5, `golden row has 5 fields: ${line}`);
  assert.ok(fields[1] === 'true' || fields[1] === 'false', `bad bool in ${line}`);
  return { dh: fields[0], locIsLeast: fields[1] === 'true', recv: fields[2], send: fields[3] };
}

// Two rows of the upstream file, so a vector always runs even without ../shared.
const EMBEDDED_ROWS = [
  '9fe4a5a73df12dbd8659b1d9280873fe993caefec6b0ebc2686dd65027148e03,true,80a83ad6afcb6f8175192e41973aed31dd75e3c106f813d986d9567a4865eb2f,96362a04f628a0666d9866147326898bb0847b8db8680263ad19e6336d4eed9e,2632c3fd20f456c5383ed16aa1d56dc7875a2b0fc0d5ff053c3ada8934098c69',
  '0716764b370d543fee692af03832c16410f0a56e4ddb79604ea093b10bb6f654,false,84f2b1e8658456529a2c324f46c3406c3c6fecd5fbbf9169f60bed8956a8b03d,cba357ae33d7234520d5742102a2a6cdb39b7db59c14a58fa8aadd310127630f,576643a8fcc1a4cf866db900f4a150dbe35d44a1b3ff36e4911565c3fa22fc32',
];

function checkRow(row: GoldenRow): void {
  for (const backend of ['sodium-native', 'node:crypto'] as const) {
    const { recvKey, sendKey } = deriveSecrets(unhex(row.dh), row.locIsLeast, backend);
    assert.equal(hex(recvKey), row.recv, `recv key for dh ${row.dh} (${backend})`);
    assert.equal(hex(sendKey), row.send, `send key for dh ${row.dh} (${backend})`);
  }
}

describe('secret-connection: keys', () => {
  describe('deriveSecrets (HKDF split)', () => {
    it('matches the embedded golden rows', () => {
      for (const line of EMBEDDED_ROWS) checkRow(parseRow(line));
    });

    it('matches every row of the upstream golden file', () => {
      const path = vectorPath(GOLDEN_NAME);
      const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
      assert.equal(lines.length, 32);
      for (const line of lines) checkRow(parseRow(line));
    });

    it('gives the two sides mirrored keys', () => {
      const dh = unhex('0716764b370d543fee692af03832c16410f0a56e4ddb79604ea093b10bb6f654');
      const lo = deriveSecrets(dh, true);
      const hi = deriveSecrets(dh, false);
      assert.deepEqual(lo.sendKey, hi.recvKey);
      assert.deepEqual(lo.recvKey, hi.sendKey);
      assert.notDeepEqual(lo.sendKey, lo.recvKey);
    });

    it('rejects a DH secret that is not 32 bytes', () => {
      assert.throws(() => deriveSecrets(new Uint8Array(31), true), InvalidArgumentError);
    });
  });

  it('uses sodium-native for handshakes where it loads', () => {
    assert.equal(x25519Backend, 'sodium-native');
  });

  for (const backend of BACKENDS) describe(`X25519 (${backend})`, () => {
    it('exports raw keys that agree with an independent implementation', () => {
      const priv = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'); // RFC 7748 §6.1 Alice
      const pair = keyPairFromScalar(priv, backend);
      assert.equal(hex(pair.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
      assert.deepEqual(pair.publicKey, x25519.getPublicKey(priv));
    });

    it('computes the RFC 7748 shared secret and the same one from both sides', () => {
      const alice = keyPairFromScalar(unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), backend);
      const bob = keyPairFromScalar(unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'), backend);
      const expected = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(hex(computeSharedSecret(alice, bob.publicKey)), expected);
      assert.equal(hex(computeSharedSecret(bob, alice.publicKey)), expected);
    });

    it('derives the public half in node:crypto on this Node, and the JavaScript fallback gives the same keys', () => {
      assert.equal(x25519PublicDerivation, 'node:crypto');
      for (let i = 0; i < 16; i++) {
        const scalar = new Uint8Array(Buffer.alloc(32, i * 17 + 3));
        const viaNode = keyPairFromScalar(scalar, 'node:crypto');
        const viaJavaScript = keyPairFromScalar(scalar, 'javascript');
        assert.deepEqual(viaJavaScript.publicKey, viaNode.publicKey);
        assert.deepEqual(viaNode.publicKey, x25519.getPublicKey(scalar));
        const peer = generateEphemeralKeyPair(backend);
        assert.deepEqual(computeSharedSecret(viaJavaScript, peer.publicKey), computeSharedSecret(viaNode, peer.publicKey));
        const viaBackend = keyPairFromScalar(scalar, backend);
        assert.deepEqual(viaBackend.publicKey, viaNode.publicKey);
        assert.deepEqual(computeSharedSecret(viaBackend, peer.publicKey), computeSharedSecret(viaNode, peer.publicKey));
      }
    });

    it('generates distinct random key pairs whose DH agrees', () => {
      const a = generateEphemeralKeyPair(backend);
      const b = generateEphemeralKeyPair(backend === 'sodium-native' ? 'node:crypto' : 'sodium-native');
      assert.equal(a.publicKey.length, 32);
      assert.notDeepEqual(a.publicKey, b.publicKey);
      assert.deepEqual(computeSharedSecret(a, b.publicKey), computeSharedSecret(b, a.publicKey));
    });

    it('rejects low-order remote points with LowOrderPointError', () => {
      const local = generateEphemeralKeyPair(backend);
      const lowOrder = [
        '0000000000000000000000000000000000000000000000000000000000000000',
        '0100000000000000000000000000000000000000000000000000000000000000',
        'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p, i.e. 0 again
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
        '0000000000000000000000000000000000000000000000000000000000000080', // 0 with the top bit set (ignored)
      ];
      for (const point of lowOrder) {
        assert.throws(() => computeSharedSecret(local, unhex(point)), (err: unknown) => err instanceof LowOrderPointError && (err as Error).message.includes(point), point);
      }
    });

    it('rejects keys of the wrong length', () => {
      assert.throws(() => computeSharedSecret(generateEphemeralKeyPair(backend), new Uint8Array(31)), InvalidArgumentError);
      assert.throws(() => keyPairFromScalar(new Uint8Array(33), backend), InvalidArgumentError);
      assert.throws(() => ephemeralKeyPairFromPrivate(new Uint8Array(33)), InvalidArgumentError);
    });

    it('wipes the scalar it can hold once the handshake is done with it', () => {
      const pair = generateEphemeralKeyPair(backend);
      wipeEphemeralKeyPair(pair);
      if (pair.privateKey instanceof Uint8Array) assert.ok(pair.privateKey.every((b) => b === 0));
      else assert.equal(backend, 'node:crypto');
    });
  });

  describe('sortEphemeralKeys', () => {
    it('orders by unsigned bytes, most significant first', () => {
      const a = new Uint8Array(32).fill(0x01);
      const b = new Uint8Array(32).fill(0x01);
      b[0] = 0x80; // would be negative if compared as signed bytes
      const r1 = sortEphemeralKeys(a, b);
      assert.equal(r1.locIsLeast, true);
      assert.equal(r1.lo, a);
      assert.equal(r1.hi, b);
      const r2 = sortEphemeralKeys(b, a);
      assert.equal(r2.locIsLeast, false);
      assert.equal(r2.lo, a);
      const c = new Uint8Array(32);
      c[31] = 1;
      assert.equal(sortEphemeralKeys(new Uint8Array(32), c).locIsLeast, true);
      assert.equal(sortEphemeralKeys(c, new Uint8Array(32)).locIsLeast, false);
    });
  });
});
