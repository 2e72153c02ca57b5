import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import { encodeNodeInfo, MAX_NODE_INFO_SIZE, type NodeInfo } from '../../../../../framework/identity/node-info.js';
import { InvalidPeerNodeInfoError } from '../../../../../framework/identity/errors.js';
import { ConnectionClosedError, HandshakeError, HandshakeTimeoutError } from '../../../../../framework/transport/errors.js';
import { NodeInfoTooLargeError } from '../../../../../plugins/transports/mconn/errors.js';
import type { MConnConnection } from '../../../../../plugins/transports/mconn/mconn-connection.js';
import { encodeDelimited, encodeUvarint } from '../../../../../framework/transport/length-prefix.js';
import { makeSecretConnection } from '../../../../../plugins/transports/mconn/secret-connection/make-secret-connection.js';
import type { SecretConnection } from '../../../../../plugins/transports/mconn/secret-connection/secret-connection.js';
import { encodeDelimitedPacket } from '../../../../../plugins/transports/mconn/mconnection/packet-codec.js';
import { PongTimeoutError, UnknownChannelError } from '../../../../../plugins/transports/mconn/mconnection/errors.js';
import type { MConnTransportOptions } from '../../../../../plugins/transports/mconn/options.js';
import { threadBusyPoller } from '../../../../../plugins/transports/mconn/mconnection/busy-poll.js';
import {
  bytes,
  CHANNELS,
  FAST,
  handshakenPair,
  nodeInfoFor,
  rawSocket,
  rejection,
  Resources,
  transportPair,
  until,
  connectionPair,
} from './helpers.js';

function msg(channelId: number, data: Uint8Array, eof = true): Uint8Array {
  return encodeDelimitedPacket({ kind: 'msg', channelId, eof, data });
}

describe('mconn connection: handshake and traffic over loopback TCP', function () {
  this.timeout(15_000);
  let res: Resources;
  beforeEach(() => (res = new Resources()));
  afterEach(() => res.close());

  /** The connection under test is the acceptor; the remote is a raw socket we drive by hand. */
  async function acceptorAndRaw(options: MConnTransportOptions = FAST): Promise<{ conn: MConnConnection; socket: Socket; key: NodeKey }> {
    const { server, endpoint } = await transportPair(res, options);
    const socket = await rawSocket(res, endpoint);
    const conn = res.connection((await server.transport.accept()) as MConnConnection);
    return { conn, socket, key: server.key };
  }

  /** A remote that completes the SecretConnection honestly and then writes whatever the test wants. */
  async function secretRemote(socket: Socket): Promise<{ secret: SecretConnection; key: NodeKey }> {
    const key = NodeKey.generate();
    const secret = await makeSecretConnection(socket, key);
    secret.on('error', () => {});
    res.connection({ close: () => secret.destroy() });
    return { secret, key };
  }

  it('exchanges NodeInfo and authenticated keys, then carries messages both ways in order', async () => {
    const { dialer, acceptor, dialerKey, acceptorKey, fromAcceptor, fromDialer } = await handshakenPair(res);
    assert.deepEqual(fromAcceptor.nodeInfo, nodeInfoFor(acceptorKey));
    assert.deepEqual(fromDialer.nodeInfo, nodeInfoFor(dialerKey));
    assert.deepEqual(fromAcceptor.publicKey, acceptorKey.publicKey);
    assert.deepEqual(fromDialer.publicKey, dialerKey.publicKey);
    const big = bytes(100_000, 7);
    for (let i = 0; i < 50; i++) assert.equal(dialer.trySend(0x30, Uint8Array.of(i)), true);
    assert.equal(dialer.trySend(0x20, big), true);
    assert.equal(acceptor.trySend(0x20, Uint8Array.of(42)), true);
    const got: number[] = [];
    let bigSeen: Uint8Array | undefined;
    while (got.length < 50 || bigSeen === undefined) {
      const m = await acceptor.receive();
      if (m.channelId === 0x30) got.push(m.bytes[0]!);
      else bigSeen = m.bytes;
    }
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(bigSeen, Buffer.from(big));
    assert.deepEqual(await dialer.receive(), { channelId: 0x20, bytes: Buffer.of(42) });
    assert.equal(dialer.tryReceive(), undefined);
  });

  it('keeps its thread polling through the handshake when busy polling is on, and never when it is off', async () => {
    const handshake = async (options: MConnTransportOptions): Promise<number> => {
      const pair = await connectionPair(res, options);
      while (threadBusyPoller.active) await new Promise((resolve) => setImmediate(resolve));
      const before = threadBusyPoller.spins;
      await Promise.all([
        pair.dialer.handshake(nodeInfoFor(pair.dialerKey), pair.dialerKey, { channels: CHANNELS }),
        pair.acceptor.handshake(nodeInfoFor(pair.acceptorKey), pair.acceptorKey, { channels: CHANNELS }),
      ]);
      // Loop turns happen only while the handshakes wait on the socket: MConnection starts after the last one.
      return threadBusyPoller.spins - before;
    };
    assert.equal(await handshake(FAST), 0, 'off by default');
    // A window far longer than a loopback round trip, so a slow machine still spins between the messages.
    assert.ok((await handshake({ ...FAST, mconnection: { ...FAST.mconnection, busyPollUs: 50_000 } })) > 0);
  });

  it('hands the bytes that arrived right behind the NodeInfo to MConnection', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret, key } = await secretRemote(socket);
    // NodeInfo and three packets in one write: they reach the connection in the same frames.
    secret.write(Buffer.concat([encodeDelimited(encodeNodeInfo(nodeInfoFor(key))), msg(0x30, Uint8Array.of(1)), msg(0x30, Uint8Array.of(2)), msg(0x20, bytes(1000))]));
    const result = await handshake;
    assert.equal(result.nodeInfo.nodeId, key.nodeId);
    const received = [await conn.receive(), await conn.receive(), await conn.receive()];
    assert.deepEqual(received.map((m) => [m.channelId, m.bytes.length]), [[0x30, 1], [0x30, 1], [0x20, 1000]]);
    assert.deepEqual(received[2]!.bytes, Buffer.from(bytes(1000)));
  });

  it('accepts a NodeInfo of exactly 10240 bytes', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret, key } = await secretRemote(socket);
    const base = encodeNodeInfo(nodeInfoFor(key, { moniker: 'm' })).length;
    // A moniker this long needs a 2-byte length varint, so it grows by one more than its text.
    const info: NodeInfo = nodeInfoFor(key, { moniker: 'm'.repeat(MAX_NODE_INFO_SIZE - base) });
    assert.equal(encodeNodeInfo(info).length, MAX_NODE_INFO_SIZE);
    secret.write(encodeDelimited(encodeNodeInfo(info)));
    assert.equal((await handshake).nodeInfo.moniker.length, info.moniker.length);
  });

  it('rejects a NodeInfo declared larger than 10240 bytes with NodeInfoTooLargeError', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret } = await secretRemote(socket);
    secret.write(encodeUvarint(MAX_NODE_INFO_SIZE + 1));
    const err = await rejection(handshake);
    assert.ok(err instanceof NodeInfoTooLargeError, String(err));
    assert.ok(err instanceof HandshakeError);
    assert.match(err.message, /10241 bytes; the limit is 10240/);
    assert.equal(conn.isClosed, true);
    assert.equal(await conn.closed, err);
  });

  it('rejects an undecodable NodeInfo with InvalidPeerNodeInfoError', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret } = await secretRemote(socket);
    secret.write(encodeDelimited(Uint8Array.of(0x0a, 0x05, 0x01))); // field 1 claims 5 bytes, has 1
    const err = await rejection(handshake);
    assert.ok(err instanceof InvalidPeerNodeInfoError, String(err));
  });

  it('fails with an EOF HandshakeError when the remote hangs up during the NodeInfo exchange', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret } = await secretRemote(socket);
    secret.end();
    const err = await rejection(handshake);
    assert.ok(err instanceof HandshakeError && /EOF.*NodeInfo exchange/.test(err.message), String(err));
  });

  it('times out a peer that stalls right after the TCP connect (SecretConnection phase)', async () => {
    const { conn } = await acceptorAndRaw({ ...FAST, handshakePhaseTimeoutMs: 100 });
    const err = await rejection(conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS }));
    assert.ok(err instanceof HandshakeTimeoutError, String(err));
    assert.match(err.message, /SecretConnection handshake did not complete within 100 ms/);
    assert.equal(conn.isClosed, true);
  });

  it('times out a peer that authenticates but never sends its NodeInfo', async () => {
    const { conn, socket } = await acceptorAndRaw({ ...FAST, handshakePhaseTimeoutMs: 150 });
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    await secretRemote(socket);
    const err = await rejection(handshake);
    assert.ok(err instanceof HandshakeTimeoutError, String(err));
    assert.match(err.message, /NodeInfo exchange did not complete within 150 ms/);
  });

  it("rejects with the caller's abort reason (the router's overall deadline)", async () => {
    const { conn } = await acceptorAndRaw();
    const controller = new AbortController();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS, signal: controller.signal });
    const reason = new HandshakeTimeoutError('handshake did not finish within 5 ms');
    setTimeout(() => controller.abort(reason), 5);
    assert.equal(await rejection(handshake), reason);
    assert.equal(conn.isClosed, true);
  });

  it('fails a handshake interrupted by close(), and refuses a second handshake', async () => {
    const { conn } = await acceptorAndRaw();
    const key = NodeKey.generate();
    const handshake = conn.handshake(nodeInfoFor(key), key, { channels: CHANNELS });
    const again = await rejection(conn.handshake(nodeInfoFor(key), key, { channels: CHANNELS }));
    assert.ok(again instanceof HandshakeError && /already performed/.test(again.message));
    const reason = new ConnectionClosedError('router stopping');
    conn.close(reason);
    const err = await rejection(handshake);
    assert.ok(err instanceof HandshakeError && /closed during the handshake/.test(err.message), String(err));
    assert.equal(err.cause, reason);
    assert.equal(await conn.closed, reason);
  });

  it('drops (and counts) sends on channels the remote did not advertise or we never opened', async () => {
    const { dialer, acceptor, dialerKey, acceptorKey } = await connectionPair(res);
    await Promise.all([
      dialer.handshake(nodeInfoFor(dialerKey), dialerKey, { channels: CHANNELS }),
      acceptor.handshake(nodeInfoFor(acceptorKey, { channels: Uint8Array.of(0x20) }), acceptorKey, { channels: [CHANNELS[0]!] }),
    ]);
    assert.equal(dialer.trySend(0x30, Uint8Array.of(9)), true, 'taken, so the router does not wait for writable()');
    assert.equal(dialer.trySend(0x40, Uint8Array.of(9)), true);
    assert.equal(dialer.trySend(0x20, Uint8Array.of(7)), true);
    const stats = dialer.stats();
    assert.deepEqual({ unadvertised: stats.droppedUnadvertised, local: stats.droppedUnknownLocal }, { unadvertised: 2, local: 0 });
    // Only the 0x20 message went out, and the remote did not drop us for an unknown channel.
    assert.deepEqual(await acceptor.receive(), { channelId: 0x20, bytes: Buffer.of(7) });
    assert.equal(acceptor.isClosed, false);
    // A channel the remote has but we never opened locally: MConnection cannot send it; it is dropped, not stuck.
    assert.equal(acceptor.trySend(0x30, Uint8Array.of(1)), true);
    assert.equal(acceptor.stats().droppedUnknownLocal, 1);
  });

  it('pauses reading when the inbox is full, so the sender feels backpressure, and loses nothing', async () => {
    const { dialer, acceptor } = await handshakenPair(res, { ...FAST, inboxCapacity: 4 });
    const size = 64 * 1024;
    let sent = 0;
    let refused = false;
    for (let attempts = 0; attempts < 4000 && !refused; attempts++) {
      if (dialer.trySend(0x30, bytes(size, sent))) sent++;
      else refused = true;
      if (sent % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.ok(refused, `the sender never saw a full queue after ${sent} messages`);
    await until(() => acceptor.stats().readingPaused, 'the receiver to pause reading');
    assert.equal(acceptor.stats().inboxLength, 4);
    for (let i = 0; i < sent; i++) {
      const m = await acceptor.receive();
      assert.equal(m.bytes.length, size);
      assert.deepEqual(Buffer.from(m.bytes.subarray(0, 8)), Buffer.from(bytes(size, i).subarray(0, 8)), `message ${i} out of order`);
    }
    assert.equal(acceptor.stats().readingPaused, false);
  });

  it('closes with UnknownChannelError when the remote sends on a channel we do not have', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret, key } = await secretRemote(socket);
    secret.write(Buffer.concat([encodeDelimited(encodeNodeInfo(nodeInfoFor(key))), msg(0x30, Uint8Array.of(1)), msg(0x55, Uint8Array.of(1))]));
    await handshake;
    assert.deepEqual(await conn.receive(), { channelId: 0x30, bytes: Buffer.of(1) }, 'what came before the violation is delivered');
    const err = await rejection(conn.receive());
    assert.ok(err instanceof UnknownChannelError, String(err));
    assert.equal(await conn.closed, err);
    assert.equal(conn.trySend(0x30, Uint8Array.of(1)), false);
  });

  it('closes with PongTimeoutError when the remote never answers our pings', async () => {
    const { conn, socket } = await acceptorAndRaw({ ...FAST, mconnection: { ...FAST.mconnection, pingIntervalMs: 60, pongTimeoutMs: 40 } });
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate()), NodeKey.generate(), { channels: CHANNELS });
    const { secret, key } = await secretRemote(socket);
    secret.write(encodeDelimited(encodeNodeInfo(nodeInfoFor(key))));
    secret.resume(); // reads (and ignores) our pings
    await handshake;
    const err = await rejection(conn.receive());
    assert.ok(err instanceof PongTimeoutError, String(err));
  });

  it('delivers what arrived before a clean remote close, then rejects with ConnectionClosedError', async () => {
    const { dialer, acceptor } = await handshakenPair(res);
    dialer.trySend(0x30, Uint8Array.of(1));
    dialer.trySend(0x30, Uint8Array.of(2));
    await until(() => acceptor.stats().inboxLength === 2, 'both messages');
    dialer.close();
    assert.equal(await dialer.closed, undefined, 'a plain local close has no error');
    assert.deepEqual([(await acceptor.receive()).bytes[0], (await acceptor.receive()).bytes[0]], [1, 2]);
    const err = await rejection(acceptor.receive());
    assert.ok(err instanceof ConnectionClosedError, String(err));
    assert.equal(await acceptor.closed, err);
    assert.equal(acceptor.isClosed, true);
  });

  it('reports a local close reason to receive() and closed', async () => {
    const { dialer } = await handshakenPair(res);
    const reason = new Error('evicted');
    const pending = dialer.receive();
    dialer.close(reason);
    assert.equal(await rejection(pending), reason);
    assert.equal(await dialer.closed, reason);
    await dialer.writable(); // resolves once closed
  });

  it('works for a node without channels and still rejects any message', async () => {
    const { conn, socket } = await acceptorAndRaw();
    const handshake = conn.handshake(nodeInfoFor(NodeKey.generate(), { channels: new Uint8Array(0) }), NodeKey.generate(), { channels: [] });
    const { secret, key } = await secretRemote(socket);
    secret.write(encodeDelimited(encodeNodeInfo(nodeInfoFor(key))));
    await handshake;
    assert.equal(conn.trySend(0x20, Uint8Array.of(1)), true, 'dropped: nothing open locally');
    secret.write(msg(0xff, new Uint8Array(0)));
    const err = await rejection(conn.receive());
    assert.ok(err instanceof UnknownChannelError, String(err));
  });
});
