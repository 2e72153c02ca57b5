import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { NodeKey } from '../../../../../../framework/identity/node-key.js';
import { HandshakeError } from '../../../../../../framework/transport/errors.js';
import { SEALED_FRAME_SIZE } from '../../../../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import { encodeAuthSigMessage, verifyAuthSigMessage } from '../../../../../../plugins/transports/mconn/secret-connection/handshake.js';
import { makeSecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import { connectedPair, rawKeyExchange, readBytes, readRawFrame, socketPair } from './helpers.js';

describe('secret-connection: the handshake (makeSecretConnection) over loopback TCP', function () {
  this.timeout(20_000);
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('authenticates both sides', async () => {
    const p = await connectedPair();
    cleanup = p.close;
    assert.deepEqual(p.a.remotePublicKey, p.kb.publicKey);
    assert.deepEqual(p.b.remotePublicKey, p.ka.publicKey);
  });

  for (const size of [1, 1023, 1024, 1025, 5 * 1024 * 1024]) {
    it(`delivers ${size} bytes byte-exact in both directions`, async () => {
      const p = await connectedPair();
      cleanup = p.close;
      const ab = randomBytes(size);
      const ba = randomBytes(size);
      p.a.write(ab);
      p.b.write(ba);
      const [gotB, gotA] = await Promise.all([readBytes(p.b, size), readBytes(p.a, size)]);
      assert.ok(gotB.equals(ab));
      assert.ok(gotA.equals(ba));
    });
  }

  it('sends its key as 35 plaintext bytes, then the AuthSig as one frame whose length field is 103', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const local = NodeKey.generate();
    const remote = NodeKey.generate();
    const conn = makeSecretConnection(client, local);
    const hs = await rawKeyExchange(server);
    // rawKeyExchange read exactly one delimited message; nothing but sealed frames may follow.
    const frame = await readRawFrame(hs);
    assert.equal(frame.readUInt32LE(0), 103);
    const auth = frame.subarray(4, 4 + 103);
    assert.equal(auth[0], 0x66); // delimited length 102
    assert.deepEqual(verifyAuthSigMessage(auth.subarray(1), hs.secrets.challenge), local.publicKey);
    hs.peer.write(hs.sealer.seal(encodeAuthSigMessage(remote.publicKey, remote.sign(hs.secrets.challenge))));
    const c = await conn;
    assert.deepEqual(c.remotePublicKey, remote.publicKey);
    c.destroy();
  });

  it('with deferEphemeralKey, writes nothing until the remote key arrives, then its key, AuthSig and sendWithAuthSig in one write', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const local = NodeKey.generate();
    const remote = NodeKey.generate();
    const writes: number[] = [];
    const write = client.write.bind(client) as (chunk: Uint8Array) => boolean;
    client.write = ((chunk: Uint8Array) => {
      writes.push(chunk.length);
      return write(chunk);
    }) as typeof client.write;
    const extra = Buffer.from('node info goes here');
    const conn = makeSecretConnection(client, local, { deferEphemeralKey: true, sendWithAuthSig: extra });
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, [], 'nothing is written before the remote key arrived');
    const hs = await rawKeyExchange(server);
    const auth = await readRawFrame(hs);
    assert.equal(auth.readUInt32LE(0), 103);
    assert.deepEqual(verifyAuthSigMessage(auth.subarray(5, 4 + 103), hs.secrets.challenge), local.publicKey);
    const next = await readRawFrame(hs);
    assert.deepEqual(next.subarray(4, 4 + next.readUInt32LE(0)), extra);
    assert.deepEqual(writes, [35 + 2 * SEALED_FRAME_SIZE], 'key, AuthSig frame and the extra frame in one write');
    hs.peer.write(hs.sealer.seal(encodeAuthSigMessage(remote.publicKey, remote.sign(hs.secrets.challenge))));
    assert.deepEqual((await conn).remotePublicKey, remote.publicKey);
    (await conn).destroy();
  });

  it('a deferring side and one that sends its key at once authenticate each other', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const ka = NodeKey.generate();
    const kb = NodeKey.generate();
    const [a, b] = await Promise.all([makeSecretConnection(client, ka), makeSecretConnection(server, kb, { deferEphemeralKey: true })]);
    assert.deepEqual(a.remotePublicKey, kb.publicKey);
    assert.deepEqual(b.remotePublicKey, ka.publicKey);
    a.write(Buffer.from('ping'));
    assert.equal((await readBytes(b, 4)).toString(), 'ping');
    a.destroy();
    b.destroy();
  });

  it('calls afterEachRead after each handshake chunk, once its reply is written, and never once established', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const written: number[] = [];
    const dialerReads: number[] = [];
    const [a, b] = await Promise.all([
      makeSecretConnection(client, NodeKey.generate(), { afterEachRead: () => dialerReads.push(client.bytesWritten) }),
      makeSecretConnection(server, NodeKey.generate(), { deferEphemeralKey: true, afterEachRead: () => written.push(server.bytesWritten) }),
    ]);
    assert.ok(written.length >= 1 && dialerReads.length >= 1, 'both sides read at least once');
    // The deferring side writes nothing until the dialer's key has arrived: its first call comes after that reply.
    assert.ok(written[0]! > 0, `the acceptor's key and AuthSig went out before the call (${written[0]} bytes)`);
    const calls = written.length + dialerReads.length;
    a.write(Buffer.from('after'));
    assert.equal((await readBytes(b, 5)).toString(), 'after');
    assert.equal(written.length + dialerReads.length, calls, 'established traffic does not call it');
    a.destroy();
    b.destroy();
  });

  it('rejects bad arguments without touching the socket', async () => {
    const { client, close } = await socketPair();
    cleanup = close;
    await assert.rejects(makeSecretConnection(client, { publicKey: new Uint8Array(31), sign: () => new Uint8Array(64) }), InvalidArgumentError);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: 0 }), InvalidArgumentError);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: Number.NaN }), InvalidArgumentError);
    await assert.rejects(makeSecretConnection(client, NodeKey.generate(), { timeoutMs: 2 ** 31 }), InvalidArgumentError);
    assert.equal(client.destroyed, false);
  });

  it('rejects with an EOF HandshakeError on an already closed socket', async () => {
    const { client, close } = await socketPair();
    cleanup = close;
    client.destroy();
    await assert.rejects(makeSecretConnection(client, NodeKey.generate()), (err: unknown) => err instanceof HandshakeError && /EOF/.test((err as Error).message));
  });
});
