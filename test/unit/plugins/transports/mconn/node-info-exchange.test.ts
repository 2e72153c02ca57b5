import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { NodeKey } from '../../../../../framework/identity/node-key.js';
import { decodeNodeInfo, encodeNodeInfo } from '../../../../../framework/identity/node-info.js';
import { InvalidNodeInfoError } from '../../../../../framework/identity/errors.js';
import { HandshakeError, HandshakeTimeoutError } from '../../../../../framework/transport/errors.js';
import { exchangeNodeInfo, nodeInfoFromInitial, receiveNodeInfo } from '../../../../../plugins/transports/mconn/node-info-exchange.js';
import { NodeInfoTooLargeError } from '../../../../../plugins/transports/mconn/errors.js';
import { InvalidPeerNodeInfoError } from '../../../../../framework/identity/errors.js';
import { DelimitedReader, encodeDelimited } from '../../../../../framework/transport/length-prefix.js';
import { FrameDecryptionError } from '../../../../../plugins/transports/mconn/secret-connection/errors.js';
import { nodeInfoFor, rejection } from './helpers.js';

/** A stream whose reads the test feeds and whose writes it records. */
function fakeStream(): { stream: Duplex; written: Buffer[] } {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return { stream, written };
}

describe('mconn: NodeInfo exchange', () => {
  it('writes our NodeInfo delimited, returns theirs and exactly the bytes behind it, and leaves the stream paused', async () => {
    const { stream, written } = fakeStream();
    const ours = nodeInfoFor(NodeKey.generate());
    const theirs = nodeInfoFor(NodeKey.generate(), { moniker: 'remote' });
    const exchange = exchangeNodeInfo(stream, ours, { timeoutMs: 1000 });
    const framed = encodeDelimited(encodeNodeInfo(theirs));
    // Split across chunks, with the first MConnection bytes in the same chunk as the end of the NodeInfo.
    stream.push(framed.subarray(0, 10));
    stream.push(Buffer.concat([framed.subarray(10), Buffer.from([0x02, 0x0a, 0x00, 0xaa])]));
    const { nodeInfo, rest } = await exchange;
    assert.deepEqual(nodeInfo, theirs);
    assert.deepEqual([...rest], [0x02, 0x0a, 0x00, 0xaa]);
    assert.equal(stream.isPaused(), true);
    stream.push(Buffer.of(0xbb)); // later bytes wait in the stream for the next reader
    assert.deepEqual([...(stream.read() as Buffer)], [0xbb]);
    const reader = new DelimitedReader(100_000);
    reader.push(Buffer.concat(written));
    assert.deepEqual(decodeNodeInfo(reader.next()!), ours);
  });

  it('returns an empty rest when nothing followed the NodeInfo', async () => {
    const { stream } = fakeStream();
    const exchange = exchangeNodeInfo(stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 1000 });
    stream.push(encodeDelimited(encodeNodeInfo(nodeInfoFor(NodeKey.generate()))));
    assert.equal((await exchange).rest.length, 0);
  });

  it('refuses to send a NodeInfo that is itself invalid to encode, before writing anything', async () => {
    const { stream, written } = fakeStream();
    const bad = nodeInfoFor(NodeKey.generate(), { moniker: 'x'.repeat(20_000) });
    await assert.rejects(exchangeNodeInfo(stream, bad, { timeoutMs: 1000 }), InvalidNodeInfoError);
    assert.equal(written.length, 0);
  });

  it('passes typed stream errors through and wraps untyped ones', async () => {
    const a = fakeStream();
    const first = exchangeNodeInfo(a.stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 1000 });
    const typed = new FrameDecryptionError('bad MAC');
    a.stream.destroy(typed);
    assert.equal(await rejection(first), typed);
    const b = fakeStream();
    const second = exchangeNodeInfo(b.stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 1000 });
    b.stream.destroy(new Error('ECONNRESET'));
    const err = await rejection(second);
    assert.ok(err instanceof HandshakeError && /ECONNRESET/.test(err.message), String(err));
  });

  it('reads a NodeInfo already taken off the stream (initial bytes) without touching the stream', () => {
    const theirs = nodeInfoFor(NodeKey.generate(), { moniker: 'early' });
    const framed = encodeDelimited(encodeNodeInfo(theirs));
    const whole = nodeInfoFromInitial([framed.subarray(0, 7), Buffer.concat([framed.subarray(7), Buffer.of(0x02, 0x0a)])]);
    assert.deepEqual(whole?.nodeInfo, theirs);
    assert.deepEqual([...whole!.rest], [0x02, 0x0a]);
    assert.equal(nodeInfoFromInitial([]), undefined);
    assert.equal(nodeInfoFromInitial([framed.subarray(0, framed.length - 1)]), undefined, 'incomplete: the stream must be read');
    // The same bound and typed errors as the streamed exchange.
    assert.throws(() => nodeInfoFromInitial([Buffer.of(0x81, 0x51)]), NodeInfoTooLargeError); // declares 10,369 bytes
    assert.throws(() => nodeInfoFromInitial([Buffer.alloc(11, 0xff)]), (e: unknown) => e instanceof HandshakeError && /length prefix/.test((e as Error).message));
    assert.throws(() => nodeInfoFromInitial([Buffer.of(0x02, 0xff, 0xff)]), InvalidPeerNodeInfoError);
  });

  it('continues a NodeInfo begun in the initial bytes from the stream, within its deadline', async () => {
    const theirs = nodeInfoFor(NodeKey.generate());
    const framed = encodeDelimited(encodeNodeInfo(theirs));
    const { stream, written } = fakeStream();
    const exchange = receiveNodeInfo(stream, { timeoutMs: 1000, initial: [framed.subarray(0, 20)] });
    stream.push(Buffer.concat([framed.subarray(20), Buffer.of(0xcc)]));
    const { nodeInfo, rest } = await exchange;
    assert.deepEqual(nodeInfo, theirs);
    assert.deepEqual([...rest], [0xcc]);
    assert.equal(written.length, 0);
    // Complete initial bytes resolve at once.
    const again = fakeStream();
    assert.deepEqual((await receiveNodeInfo(again.stream, { timeoutMs: 1000, initial: [framed] })).nodeInfo, theirs);
    // Incomplete ones still time out.
    const slow = fakeStream();
    const late = await rejection(receiveNodeInfo(slow.stream, { timeoutMs: 20, initial: [framed.subarray(0, 5)] }));
    assert.ok(late instanceof HandshakeTimeoutError && /\(5 bytes/.test(late.message), String(late));
  });

  it('fails on a closed stream, a malformed length prefix, and its deadline', async () => {
    const closed = fakeStream();
    closed.stream.destroy();
    assert.ok((await rejection(exchangeNodeInfo(closed.stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 1000 }))) instanceof HandshakeError);
    const varint = fakeStream();
    const bad = exchangeNodeInfo(varint.stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 1000 });
    varint.stream.push(Buffer.alloc(11, 0xff));
    const err = await rejection(bad);
    assert.ok(err instanceof HandshakeError && /length prefix/.test(err.message), String(err));
    const slow = fakeStream();
    const late = exchangeNodeInfo(slow.stream, nodeInfoFor(NodeKey.generate()), { timeoutMs: 20 });
    slow.stream.push(Buffer.of(0x05, 0x0a));
    const timeout = await rejection(late);
    assert.ok(timeout instanceof HandshakeTimeoutError && /within 20 ms \(2 bytes/.test(timeout.message), String(timeout));
  });
});
