import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { NodeKey } from '../../../../../../framework/identity/node-key.js';
import { FrameSealer, SEALED_FRAME_SIZE } from '../../../../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import { encodeAuthSigMessage } from '../../../../../../plugins/transports/mconn/secret-connection/handshake.js';
import { makeSecretConnection } from '../../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import { READABLE_HIGH_WATER_MARK } from '../../../../../../plugins/transports/mconn/secret-connection/secret-connection.js';
import { closed, connectedPair, rawHandshake, rawKeyExchange, readBytes, readRawFrame, socketPair } from './helpers.js';

describe('secret-connection: the established stream (SecretConnection) over loopback TCP', function () {
  this.timeout(20_000);
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('delivers many small writes in order', async () => {
    const p = await connectedPair();
    cleanup = p.close;
    const parts = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + (i % 1500)));
    for (const part of parts) p.a.write(part);
    const expected = Buffer.concat(parts);
    assert.ok((await readBytes(p.b, expected.length)).equals(expected));
  });

  it('writes no frame for an empty write and coalesces corked writes into the fewest frames', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const remote = NodeKey.generate();
    const [conn, hs] = await Promise.all([makeSecretConnection(client, NodeKey.generate()), rawHandshake(server, remote)]);
    conn.write(Buffer.alloc(0));
    conn.write(Buffer.from('x'));
    const first = await readRawFrame(hs);
    assert.equal(first.readUInt32LE(0), 1);
    assert.equal(first[4], 0x78);
    conn.cork();
    conn.write(Buffer.alloc(600, 1));
    conn.write(Buffer.alloc(600, 2));
    conn.write(Buffer.alloc(10, 3));
    process.nextTick(() => conn.uncork());
    const f1 = await readRawFrame(hs);
    const f2 = await readRawFrame(hs);
    assert.equal(f1.readUInt32LE(0), 1024);
    assert.equal(f2.readUInt32LE(0), 186);
    assert.deepEqual(Buffer.concat([f1.subarray(4), f2.subarray(4, 4 + 186)]), Buffer.concat([Buffer.alloc(600, 1), Buffer.alloc(600, 2), Buffer.alloc(10, 3)]));
    conn.destroy();
  });

  it('delivers data the remote sent right behind its AuthSig (same TCP segment)', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    const remote = NodeKey.generate();
    const connP = makeSecretConnection(client, NodeKey.generate());
    const hs = await rawKeyExchange(server);
    const sealer: FrameSealer = hs.sealer;
    const auth = encodeAuthSigMessage(remote.publicKey, remote.sign(hs.secrets.challenge));
    // AuthSig and application data share frames: 103 + 2000 bytes in one write.
    const data = randomBytes(2000);
    hs.peer.write(sealer.seal([auth, data]));
    const conn = await connP;
    assert.ok((await readBytes(conn, data.length)).equals(data));
    conn.destroy();
  });

  it('ends the readable side when the remote ends cleanly, and end() closes the socket', async () => {
    const p = await connectedPair();
    cleanup = p.close;
    p.a.end(Buffer.from('bye'));
    assert.equal((await readBytes(p.b, 3)).toString(), 'bye');
    p.b.resume();
    await once(p.b, 'end');
    await closed(p.client);
  });

  it('pauses the socket while the reader lags and delivers everything once it reads', async () => {
    const p = await connectedPair();
    cleanup = p.close;
    const size = 4 * 1024 * 1024;
    const data = randomBytes(size);
    p.a.write(data);
    // Wait (bounded) until the unread buffer is full; then the socket must be paused.
    for (let i = 0; i < 500 && p.b.readableLength < READABLE_HIGH_WATER_MARK; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(p.b.readableLength >= READABLE_HIGH_WATER_MARK, `buffered ${p.b.readableLength}`);
    assert.ok(p.server.isPaused(), 'socket paused under backpressure');
    assert.ok(p.b.readableLength < READABLE_HIGH_WATER_MARK + 256 * 1024, `buffer bounded, got ${p.b.readableLength}`);
    assert.ok((await readBytes(p.b, size)).equals(data));
  });

  it('sends only whole frames (wire length is a multiple of 1044 after the key)', async () => {
    const { client, server, close } = await socketPair();
    cleanup = close;
    let wire = 0;
    server.on('data', (c: Buffer) => (wire += c.length));
    const remote = NodeKey.generate();
    const hsP = rawHandshake(server, remote);
    const conn = await makeSecretConnection(client, NodeKey.generate());
    await hsP;
    conn.write(randomBytes(3000));
    conn.end();
    await closed(server);
    assert.equal((wire - 35) % SEALED_FRAME_SIZE, 0);
    assert.equal((wire - 35) / SEALED_FRAME_SIZE, 1 + 3);
  });
});
