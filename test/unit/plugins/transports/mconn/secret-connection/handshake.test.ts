import assert from 'node:assert/strict';
import { NodeKey } from '../../../../../../framework/identity/node-key.js';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { HandshakeError } from '../../../../../../framework/transport/errors.js';
import { AuthSignatureError, InvalidEphemeralKeyError, LowOrderPointError } from '../../../../../../plugins/transports/mconn/secret-connection/errors.js';
import {
  computeHandshakeSecrets,
  decodeEphemeralKey,
  encodeAuthSigBody,
  encodeAuthSigMessage,
  encodeEphemeralKeyMessage,
  verifyAuthSigMessage,
} from '../../../../../../plugins/transports/mconn/secret-connection/handshake.js';
import { DelimitedReader } from '../../../../../../framework/transport/length-prefix.js';
import { ephemeralKeyPairFromPrivate, generateEphemeralKeyPair } from '../../../../../../plugins/transports/mconn/secret-connection/keys.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

function body(delimited: Uint8Array): Uint8Array {
  const r = new DelimitedReader(1 << 20);
  r.push(delimited);
  const msg = r.next();
  assert.ok(msg);
  assert.equal(r.bufferedBytes, 0);
  return msg;
}

describe('secret-connection: handshake messages', () => {
  describe('ephemeral key message', () => {
    it('is exactly 22 0a 20 <32-byte key>', () => {
      const key = new Uint8Array(32).map((_, i) => i + 1);
      assert.equal(hex(encodeEphemeralKeyMessage(key)), '220a20' + hex(key));
      assert.throws(() => encodeEphemeralKeyMessage(new Uint8Array(31)), InvalidArgumentError);
    });

    it('decodes its own encoding', () => {
      const key = generateEphemeralKeyPair().publicKey;
      assert.deepEqual(decodeEphemeralKey(body(encodeEphemeralKeyMessage(key))), key);
    });

    it('zero-pads short values, truncates long ones, and gives zeros for a missing value (as Go copy())', () => {
      assert.equal(hex(decodeEphemeralKey(unhex('0a03010203'))), '010203' + '00'.repeat(29));
      const long = new Uint8Array(40).map((_, i) => i);
      assert.deepEqual(decodeEphemeralKey(Uint8Array.of(0x0a, 40, ...long)), long.subarray(0, 32));
      assert.deepEqual(decodeEphemeralKey(new Uint8Array(0)), new Uint8Array(32));
    });

    it('skips unknown fields and keeps the last value', () => {
      // field 2 varint, field 3 fixed64, field 1 = [1], field 4 bytes, field 1 = [2]
      const msg = unhex('1005' + '19' + '0000000000000000' + '0a0101' + '22020000' + '0a0102');
      assert.equal(decodeEphemeralKey(msg)[0], 2);
    });

    it('rejects field 1 with a wrong wire type ("wrong wireType")', () => {
      // field 1 as varint, fixed32, fixed64, start group
      for (const msg of ['0801', '0d00000000', '090000000000000000', '0b0c']) {
        assert.throws(
          () => decodeEphemeralKey(unhex(msg)),
          (err: unknown) => err instanceof InvalidEphemeralKeyError && err instanceof HandshakeError && (err as Error).message.includes('wrong wireType'),
          msg,
        );
      }
    });

    it('rejects truncated fields, illegal tags and wire types', () => {
      for (const msg of ['0a050102', '0a', '80', '00', '0c', '1e', '1f', '1d0000', '1a05']) {
        assert.throws(() => decodeEphemeralKey(unhex(msg)), InvalidEphemeralKeyError, msg);
      }
    });
  });

  describe('computeHandshakeSecrets', () => {
    it('gives both sides mirrored keys and the same challenge', () => {
      const a = generateEphemeralKeyPair();
      const b = generateEphemeralKeyPair();
      const sa = computeHandshakeSecrets(a, b.publicKey);
      const sb = computeHandshakeSecrets(b, a.publicKey);
      assert.deepEqual(sa.sendKey, sb.recvKey);
      assert.deepEqual(sa.recvKey, sb.sendKey);
      assert.deepEqual(sa.challenge, sb.challenge);
      assert.equal(sa.challenge.length, 32);
    });

    it('is deterministic for fixed keys and changes with either key', () => {
      const a = ephemeralKeyPairFromPrivate(new Uint8Array(32).fill(1));
      const b = ephemeralKeyPairFromPrivate(new Uint8Array(32).fill(2));
      const c = ephemeralKeyPairFromPrivate(new Uint8Array(32).fill(3));
      assert.deepEqual(computeHandshakeSecrets(a, b.publicKey), computeHandshakeSecrets(a, b.publicKey));
      assert.notDeepEqual(computeHandshakeSecrets(a, b.publicKey).challenge, computeHandshakeSecrets(a, c.publicKey).challenge);
    });

    it('rejects an all-zero remote key', () => {
      assert.throws(() => computeHandshakeSecrets(generateEphemeralKeyPair(), new Uint8Array(32)), LowOrderPointError);
    });
  });

  describe('AuthSigMessage', () => {
    const key = NodeKey.generate();
    const challenge = new Uint8Array(32).fill(9);

    it('encodes to 103 bytes: 66 0a 22 0a 20 <key> 12 40 <sig>', () => {
      const sig = key.sign(challenge);
      const msg = encodeAuthSigMessage(key.publicKey, sig);
      assert.equal(msg.length, 103);
      assert.equal(hex(msg), '660a220a20' + hex(key.publicKey) + '1240' + hex(sig));
    });

    it('writes the same bytes as the protobuf encoder', () => {
      const sig = key.sign(challenge);
      assert.equal(hex(encodeAuthSigMessage(key.publicKey, sig)), hex(encodeAuthSigBody({ pubKey: { ed25519: key.publicKey }, sig })));
    });

    it('verifies other encodings of the same message as protobuf reads them (fields reversed, repeated, unknown)', () => {
      const sig = key.sign(challenge);
      const pub = Uint8Array.of(0x0a, 0x22, 0x0a, 0x20, ...key.publicKey);
      const sigField = Uint8Array.of(0x12, 0x40, ...sig);
      assert.deepEqual(verifyAuthSigMessage(Uint8Array.of(...sigField, ...pub), challenge), key.publicKey);
      assert.deepEqual(verifyAuthSigMessage(Uint8Array.of(...pub, ...sigField, 0x18, 0x01), challenge), key.publicKey);
      // The last of a repeated field wins, as in protobuf: a bad first signature is overridden.
      assert.deepEqual(verifyAuthSigMessage(Uint8Array.of(0x12, 0x40, ...new Uint8Array(64), ...pub, ...sigField), challenge), key.publicKey);
      assert.throws(() => verifyAuthSigMessage(Uint8Array.of(...pub, ...sigField, 0x12, 0x40, ...new Uint8Array(64)), challenge), AuthSignatureError);
    });

    it('verifies a good signature and returns the key', () => {
      const got = verifyAuthSigMessage(body(encodeAuthSigMessage(key.publicKey, key.sign(challenge))), challenge);
      assert.deepEqual(got, key.publicKey);
    });

    const rejects = (name: string, msg: Uint8Array, pattern: RegExp): void => {
      it(`rejects ${name}`, () => {
        assert.throws(() => verifyAuthSigMessage(msg, challenge), (err: unknown) => err instanceof AuthSignatureError && pattern.test((err as Error).message));
      });
    };
    const sig = key.sign(challenge);
    rejects('a signature over another challenge', body(encodeAuthSigMessage(key.publicKey, key.sign(new Uint8Array(32)))), /challenge verification failed/);
    rejects("another node's key", body(encodeAuthSigMessage(NodeKey.generate().publicKey, sig)), /challenge verification failed/);
    rejects('a 33-byte ed25519 key', body(encodeAuthSigMessage(new Uint8Array([...key.publicKey, 0]), sig)), /expected ed25519 pubkey of 32 bytes, got 33/);
    rejects('a 31-byte ed25519 key', body(encodeAuthSigMessage(key.publicKey.subarray(0, 31), sig)), /expected ed25519 pubkey/);
    rejects('a secp256k1 key', body(encodeAuthSigBody({ pubKey: { secp256k1: new Uint8Array(33).fill(2) }, sig })), /expected ed25519 pubkey, got a secp256k1/);
    rejects('a missing key', body(encodeAuthSigBody({ sig })), /carries no public key/);
    rejects('a 63-byte signature', body(encodeAuthSigMessage(key.publicKey, sig.subarray(0, 63))), /63 bytes/);
    rejects('a missing signature', body(encodeAuthSigBody({ pubKey: { ed25519: key.publicKey } })), /0 bytes/);
    rejects('bytes that are not protobuf', Uint8Array.of(0x0a, 0x50, 1), /not valid protobuf/);
  });
});
