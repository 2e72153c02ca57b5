import assert from 'node:assert/strict';
import { once } from 'node:events';
import { AbortError } from '../../../../../../framework/errors/base.js';
import { NodeKey } from '../../../../../../framework/identity/node-key.js';
import { ConnectionClosedError, HandshakeError, HandshakeTimeoutError, MessageTooLargeError } from '../../../../../../framework/transport/errors.js';
import { encodeUvarint } from '../../../../../../framework/transport/length-prefix.js';
import {
  AuthSignatureError,
  FrameDecryptionError,
  FrameLengthError,
  InvalidEphemeralKeyError,
  LowOrderPointError,
} from '../../../../../../plugins/transports/mconn/secret-connection/errors.js';
import { SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from '../../../../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import {
  AUTH_SIG_MESSAGE_MAX_SIZE,
  encodeAuthSigBody,
  encodeAuthSigMessage,
  EPHEMERAL_KEY_MESSAGE_MAX_SIZE,
} from '../../../../../../plugins/transports/mconn/secret-connection/handshake.js';
import { makeSecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import type { SecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/secret-connection.js';
import {
  closed,
  evilAfterHandshake,
  evilAuthSig,
  evilEphemeralKey,
  evilGarbageKey,
  evilNeverSendsAuthSig,
  evilNeverSendsKey,
  evilSlowloris,
  evilTamperedAuthFrame,
  socketPair,
} from './helpers.js';

type ErrorClass = abstract new (...args: never[]) => Error;

function expectError(cls: ErrorClass, pattern?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    if (pattern) assert.match((err as Error).message, pattern);
    return true;
  };
}

/** The first error the connection is destroyed with. */
async function connectionError(conn: SecretConnection): Promise<Error> {
  conn.resume();
  const [err] = (await once(conn, 'error')) as [Error];
  return err;
}

describe('secret-connection: evil peers', function () {
  this.timeout(10_000);
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  async function pair() {
    const p = await socketPair();
    cleanup = p.close;
    return p;
  }

  it('peer closes without sending its ephemeral key ⇒ HandshakeError "EOF"', async () => {
    const { client, server } = await pair();
    evilNeverSendsKey(server);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(HandshakeError, /EOF.*ephemeral key/));
    assert.ok(client.destroyed);
  });

  it('peer sends something that is not a BytesValue ⇒ InvalidEphemeralKeyError "wrong wireType"', async () => {
    const { client, server } = await pair();
    evilGarbageKey(server);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(InvalidEphemeralKeyError, /wrong wireType/));
    assert.ok(client.destroyed);
  });

  it('peer declares a key message over 1 MiB ⇒ MessageTooLargeError', async () => {
    const { client, server } = await pair();
    server.write(encodeUvarint(1024 * 1024 + 1));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(MessageTooLargeError));
  });

  it(`peer declares a key message one byte over its ${EPHEMERAL_KEY_MESSAGE_MAX_SIZE}-byte size ⇒ MessageTooLargeError as soon as the prefix is read`, async () => {
    const { client, server } = await pair();
    server.on('error', () => {});
    // Only the prefix is sent: waiting for the body would end in the (infinite) timeout instead.
    server.write(encodeUvarint(EPHEMERAL_KEY_MESSAGE_MAX_SIZE + 1));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: Infinity }), expectError(MessageTooLargeError, /declares 35 bytes; the limit is 34/));
  });

  it(`peer declares an AuthSigMessage over ${AUTH_SIG_MESSAGE_MAX_SIZE} bytes ⇒ MessageTooLargeError as soon as the prefix is read`, async () => {
    const { client, server } = await pair();
    void evilAuthSig(server, () => encodeUvarint(AUTH_SIG_MESSAGE_MAX_SIZE + 1));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: Infinity }), expectError(MessageTooLargeError, /declares 104 bytes; the limit is 103/));
  });

  it('accepts AuthSigMessages of exactly the largest size (a 33-byte key reaches the verifier)', async () => {
    const { client, server } = await pair();
    const evil = NodeKey.generate();
    const message = encodeAuthSigBody({ pubKey: { secp256k1: new Uint8Array(33).fill(2) }, sig: new Uint8Array(64) });
    assert.equal(message.length, 1 + AUTH_SIG_MESSAGE_MAX_SIZE);
    void evilAuthSig(server, () => message);
    await assert.rejects(makeSecretConnection(client, evil), expectError(AuthSignatureError, /secp256k1/));
  });

  for (const [name, hex] of [
    ['all-zero', '00'.repeat(32)],
    ['order-8', 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'],
  ] as const) {
    it(`peer sends an ${name} low-order ephemeral key ⇒ LowOrderPointError`, async () => {
      const { client, server } = await pair();
      evilEphemeralKey(server, new Uint8Array(Buffer.from(hex, 'hex')));
      await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(LowOrderPointError));
      assert.ok(client.destroyed);
    });
  }

  it('peer completes the key exchange but never sends its AuthSig ⇒ HandshakeError "EOF"', async () => {
    const { client, server } = await pair();
    void evilNeverSendsAuthSig(server);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(HandshakeError, /EOF.*AuthSigMessage/));
  });

  it('peer signs the wrong challenge ⇒ AuthSignatureError', async () => {
    const { client, server } = await pair();
    const evil = NodeKey.generate();
    void evilAuthSig(server, () => encodeAuthSigMessage(evil.publicKey, evil.sign(new Uint8Array(32))));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(AuthSignatureError, /challenge verification failed/));
    assert.ok(client.destroyed);
  });

  it("peer presents someone else's key ⇒ AuthSignatureError", async () => {
    const { client, server } = await pair();
    const evil = NodeKey.generate();
    const victim = NodeKey.generate();
    void evilAuthSig(server, (challenge) => encodeAuthSigMessage(victim.publicKey, evil.sign(challenge)));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(AuthSignatureError, /challenge verification failed/));
  });

  it('peer sends a 33-byte key in its AuthSig ⇒ AuthSignatureError', async () => {
    const { client, server } = await pair();
    const evil = NodeKey.generate();
    void evilAuthSig(server, (challenge) => encodeAuthSigMessage(new Uint8Array([...evil.publicKey, 0]), evil.sign(challenge)));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(AuthSignatureError, /expected ed25519 pubkey/));
  });

  it('peer sends a secp256k1 key ⇒ AuthSignatureError "expected ed25519 pubkey"', async () => {
    const { client, server } = await pair();
    void evilAuthSig(server, () => encodeAuthSigBody({ pubKey: { secp256k1: new Uint8Array(33).fill(2) }, sig: new Uint8Array(64) }));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(AuthSignatureError, /expected ed25519 pubkey/));
  });

  it('peer sends a tampered AuthSig frame ⇒ FrameDecryptionError "failed to decrypt SecretConnection"', async () => {
    const { client, server } = await pair();
    void evilTamperedAuthFrame(server, NodeKey.generate());
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), expectError(FrameDecryptionError, /failed to decrypt SecretConnection/));
    assert.ok(client.destroyed);
  });

  it('peer tampers with a frame after the handshake ⇒ connection destroyed with FrameDecryptionError', async () => {
    const { client, server } = await pair();
    const evil = NodeKey.generate();
    void evilAfterHandshake(server, evil, (hs) => {
      const frame = hs.sealer.seal(Buffer.from('hello'));
      frame[SEALED_FRAME_SIZE - 1] ^= 0x01; // the tag
      hs.peer.write(frame);
    });
    const conn = await makeSecretConnection(client, NodeKey.generate());
    assert.deepEqual(conn.remotePublicKey, evil.publicKey);
    const err = await connectionError(conn);
    expectError(FrameDecryptionError, /failed to decrypt SecretConnection/)(err);
    await closed(client);
  });

  it('peer sends a frame whose length field is 1025 ⇒ connection destroyed with FrameLengthError', async () => {
    const { client, server } = await pair();
    void evilAfterHandshake(server, NodeKey.generate(), (hs) => {
      const plain = Buffer.alloc(TOTAL_FRAME_SIZE, 0x41);
      plain.writeUInt32LE(1025, 0);
      const out = Buffer.alloc(SEALED_FRAME_SIZE);
      hs.sealer.sealFrame(plain, out, 0);
      hs.peer.write(out);
    });
    const conn = await makeSecretConnection(client, NodeKey.generate());
    expectError(FrameLengthError, /1025/)(await connectionError(conn));
    await closed(client);
  });

  it('peer closes in the middle of a frame ⇒ connection destroyed with ConnectionClosedError', async () => {
    const { client, server } = await pair();
    void evilAfterHandshake(server, NodeKey.generate(), (hs) => {
      hs.peer.socket.end(hs.sealer.seal(Buffer.from('cut')).subarray(0, 500));
    });
    const conn = await makeSecretConnection(client, NodeKey.generate());
    expectError(ConnectionClosedError, /middle of a frame \(500 of 1044/)(await connectionError(conn));
  });

  it('slowloris peer sends half its key and stalls ⇒ HandshakeTimeoutError, socket destroyed', async () => {
    const { client, server } = await pair();
    evilSlowloris(server);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: 150 }), expectError(HandshakeTimeoutError, /150 ms.*ephemeral key/));
    assert.ok(client.destroyed);
  });

  it('peer stalls after the key exchange ⇒ HandshakeTimeoutError while waiting for the AuthSig', async () => {
    const { client, server } = await pair();
    void evilAuthSig(server, () => new Uint8Array(0));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: 150 }), expectError(HandshakeTimeoutError, /AuthSigMessage/));
    assert.ok(client.destroyed);
  });

  it('abort via signal ⇒ AbortError, socket destroyed', async () => {
    const { client, server } = await pair();
    evilSlowloris(server);
    const controller = new AbortController();
    const p = makeSecretConnection(client, NodeKey.generate(), { signal: controller.signal });
    setImmediate(() => controller.abort(new Error('shutting down')));
    await assert.rejects(p, expectError(AbortError));
    assert.ok(client.destroyed);
  });

  it('an already aborted signal ⇒ AbortError before anything is sent', async () => {
    const { client, server } = await pair();
    let received = 0;
    server.on('data', (c: Buffer) => (received += c.length));
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { signal: AbortSignal.abort() }), expectError(AbortError));
    assert.ok(client.destroyed);
    await closed(server);
    assert.equal(received, 0);
  });
});
