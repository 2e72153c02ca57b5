import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { NodeKey } from '../../framework/identity/node-key.js';
import { FrameOpener, FrameSealer, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import { SealedFrameReader } from '../../plugins/transports/mconn/secret-connection/frame-reader.js';
import { decodeEphemeralKey, encodeAuthSigBody, encodeEphemeralKeyMessage, verifyAuthSigMessage } from '../../plugins/transports/mconn/secret-connection/handshake.js';
import { makeSecretConnection } from '../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import { randomBytes } from 'node:crypto';
import { assertTyped, bytes, chunked, fuzzParameters, rawUvarint, typedOrResult, uvarintValue } from './fuzz-kit.js';


/** A BytesValue-ish message: the right field with any length, other fields of any wire type, garbage. */
const ephemeralKeyBody = fc.oneof(
  bytes(64),
  fc.array(
    fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 7 })).map(([n, w]) => rawUvarint(BigInt(n * 8 + w))),
      fc.tuple(uvarintValue, fc.uint8Array({ maxLength: 40 })).map(([len, body]) => [0x0a, ...rawUvarint(len), ...body]),
      fc.uint8Array({ maxLength: 8 }).map((b) => [...b]),
    ),
    { maxLength: 6 },
  ).map((parts) => Uint8Array.from(parts.flat())),
);

/** A frame's plaintext: any length field (honest ones mostly), any payload. */
const framePlaintext = fc
  .tuple(fc.oneof(fc.integer({ min: 0, max: 1024 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), fc.uint8Array({ minLength: TOTAL_FRAME_SIZE - 4, maxLength: TOTAL_FRAME_SIZE - 4 }))
  .map(([length, rest]) => {
    const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
    plain.writeUInt32LE(length, 0);
    plain.set(rest, 4);
    return plain;
  });

describe('fuzz: SecretConnection (plugins/transports/mconn/secret-connection)', () => {
  it('decodeEphemeralKey returns a 32-byte key or fails typed', () => {
    fc.assert(
      fc.property(ephemeralKeyBody, (body) => {
        const key = typedOrResult('decodeEphemeralKey', () => decodeEphemeralKey(body));
        if (key !== undefined) assert.equal(key.length, 32);
      }),
      fuzzParameters(),
    );
  });

  it('verifyAuthSigMessage refuses every forged or malformed AuthSigMessage with AuthSignatureError', () => {
    const challenge = randomBytes(32);
    const authSig = fc.oneof(
      bytes(200),
      fc
        .record({ ed: fc.option(fc.uint8Array({ maxLength: 40 })), secp: fc.option(fc.uint8Array({ maxLength: 40 })), sig: fc.option(fc.uint8Array({ maxLength: 80 })) })
        .map(({ ed, secp, sig }) => encodeAuthSigBody({ pubKey: { ...(ed ? { ed25519: ed } : {}), ...(secp ? { secp256k1: secp } : {}) }, ...(sig ? { sig } : {}) }).subarray(1)),
    );
    fc.assert(
      fc.property(authSig, (body) => {
        try {
          verifyAuthSigMessage(body, challenge);
          assert.fail('a forged signature verified');
        } catch (error) {
          assertTyped(error, 'verifyAuthSigMessage');
          assert.equal(error.name, 'AuthSignatureError');
        }
      }),
      fuzzParameters(),
    );
  });

  it('the frame reader opens only authentic frames, returns at most 1024 bytes of each, and fails typed', () => {
    const key = randomBytes(32);
    fc.assert(
      fc.property(
        fc.array(framePlaintext, { minLength: 1, maxLength: 4 }),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.option(fc.uint8Array({ maxLength: 60 })),
        (plains, flip, cuts, trailing) => {
          const sealer = new FrameSealer(key);
          const sealed = Buffer.alloc(plains.length * SEALED_FRAME_SIZE);
          plains.forEach((plain, i) => sealer.sealFrame(plain, sealed, i * SEALED_FRAME_SIZE));
          if (flip) sealed[flip[0] % sealed.length] ^= flip[1];
          const stream = trailing ? Buffer.concat([sealed, trailing]) : sealed;
          const reader = new SealedFrameReader(new FrameOpener(key));
          let opened = 0;
          try {
            for (const chunk of chunked(stream, cuts)) opened += reader.push(chunk).length;
            assert.ok(flip === null, 'a tampered frame opened');
            const expected = plains.reduce((sum, p) => sum + p.readUInt32LE(0), 0);
            assert.equal(opened, expected);
            assert.ok(reader.pendingBytes < SEALED_FRAME_SIZE);
          } catch (error) {
            assertTyped(error, 'SealedFrameReader.push');
            assert.match(error.name, /^(FrameDecryptionError|FrameLengthError)$/);
          }
          assert.ok(opened <= plains.length * 1024);
        },
      ),
      fuzzParameters(),
    );
  });

  it('the handshake refuses whatever a stranger sends, with a typed error that masks no bug', async () => {
    const local = NodeKey.generate();
    const honestKey = encodeEphemeralKeyMessage(randomBytes(32));
    const stranger = fc.oneof(
      bytes(3000),
      fc.tuple(fc.constant(honestKey), bytes(3000)).map(([key, rest]) => Buffer.concat([key, rest])),
      fc.tuple(fc.constant(honestKey), fc.uint8Array({ minLength: SEALED_FRAME_SIZE, maxLength: SEALED_FRAME_SIZE })).map(([key, frame]) => Buffer.concat([key, frame])),
      uvarintValue.map((declared) => Uint8Array.from(rawUvarint(declared))),
    );
    await fc.assert(
      fc.asyncProperty(stranger, fc.array(fc.nat(), { maxLength: 4 }), async (sent, cuts) => {
        const socket = new Duplex({ read() {}, write(_chunk, _encoding, done) { done(); } });
        const handshake = makeSecretConnection(socket, local, { timeoutMs: 5000 });
        for (const chunk of chunked(sent, cuts)) socket.push(chunk);
        socket.push(null);
        try {
          await handshake;
          assert.fail('a stranger without our key completed the handshake');
        } catch (error) {
          assertTyped(error, 'makeSecretConnection');
          assert.doesNotMatch(error.name, /HandshakeTimeoutError/, 'the stream ended: the handshake must say why, not time out');
          // The handshake turns anything that is not a P2PError into this HandshakeError: a bug it would hide.
          assert.doesNotMatch(error.message, /^SecretConnection handshake failed: /, `an untyped error surfaced as ${error.name}: ${error.message}`);
        }
      }),
      fuzzParameters(0.25),
    );
  });
});
