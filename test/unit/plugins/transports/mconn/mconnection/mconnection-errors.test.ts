import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { InvalidVarintError, MessageTooLargeError, ProtocolViolationError } from '../../../../../../framework/transport/errors.js';
import { writeUvarint } from '../../../../../../framework/transport/length-prefix.js';
import {
  EmptyPacketError,
  MessageHandlerError,
  PacketDecodeError,
  UnknownChannelError,
  encodeDelimitedPacket,
  type MConnection,
} from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { MConnection as MConnectionClass } from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { Recorder, channel, mconn, tcpPair } from './helpers.js';

const fromHex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** A MConnection on one end of a TCP pair and a raw socket on the other. */
async function withRawPeer(recorder = new Recorder()): Promise<{ conn: MConnection; raw: Socket; recorder: Recorder }> {
  const [x, raw] = await tcpPair();
  const channels = [channel(0x01), channel(0x20), channel(0x80), channel(0x30, 1, { recvMessageCapacity: 100 })];
  const { conn } = mconn(x, { channels, sendRate: 0, recvRate: 0 }, recorder);
  raw.on('error', () => {});
  return { conn, raw, recorder };
}

/** A full-size PacketMsg on `channelId` with `payload` bytes, eof set, delimited. */
function msgPacket(channelId: number, payload: number, eof = true): Buffer {
  return Buffer.from(encodeDelimitedPacket({ kind: 'msg', channelId, eof, data: new Uint8Array(payload).fill(7) }));
}

/** PacketMsg with an arbitrary (possibly negative or huge) channel id varint. */
function packetWithChannelVarint(channelVarintHex: string): Buffer {
  const inner = fromHex('08' + channelVarintHex + '1001' + '1a0161');
  const body = Buffer.concat([Buffer.of(0x1a, inner.length), inner]);
  const prefix = Buffer.alloc(10);
  return Buffer.concat([prefix.subarray(0, writeUvarint(prefix, 0, body.length)), body]);
}

async function expectClose<T extends Error>(bytes: Buffer, errorClass: new (...args: never[]) => T): Promise<T> {
  const { conn, raw } = await withRawPeer();
  raw.write(bytes);
  const reason = await conn.closed;
  raw.destroy();
  assert.ok(reason instanceof errorClass, `expected ${errorClass.name}, got ${reason?.name}: ${reason?.message}`);
  assert.ok(reason instanceof ProtocolViolationError || reason instanceof MessageHandlerError);
  return reason as T;
}

describe('MConnection receive-side errors (wire-protocol §2.6)', () => {
  it('accepts a full 1034-byte packet (1024 bytes on channel 0x01)', async () => {
    const { conn, raw, recorder } = await withRawPeer();
    const packet = msgPacket(0x01, 1024);
    assert.equal(packet.length, 2 + 1034);
    raw.write(packet);
    await recorder.waitFor(1);
    assert.equal(recorder.messages[0].bytes.length, 1024);
    assert.equal(conn.isClosed, false);
    conn.close();
    raw.destroy();
  });

  it('closes with MessageTooLargeError on a 1035-byte packet (1024 bytes on 2-byte channel id 0x80)', async () => {
    const packet = msgPacket(0x80, 1024);
    assert.equal(packet.length, 2 + 1035);
    const err = await expectClose(packet, MessageTooLargeError);
    assert.equal(err.size, 1035);
    assert.equal(err.limit, 1034);
    assert.match(err.message, /^packet declares 1035 bytes/);
  });

  it('closes with MessageTooLargeError on a tm35-style 1400-byte payload (1410-byte packet)', async () => {
    const err = await expectClose(msgPacket(0x20, 1400), MessageTooLargeError);
    assert.equal(err.size, 1410);
  });

  it('closes with EmptyPacketError on an empty packet 00', async () => {
    await expectClose(fromHex('00'), EmptyPacketError);
  });

  it('closes with UnknownChannelError on a channel that is not registered', async () => {
    const err = await expectClose(msgPacket(0x62, 10), UnknownChannelError);
    assert.equal(err.channelId, 0x62);
    assert.match(err.message, /0x62/);
  });

  it('closes with UnknownChannelError on channel id 1025 (out of range)', async () => {
    const err = await expectClose(packetWithChannelVarint('8108'), UnknownChannelError);
    assert.equal(err.channelId, 1025);
  });

  it('closes with UnknownChannelError on a negative channel id', async () => {
    const err = await expectClose(packetWithChannelVarint('ffffffffffffffffff01'), UnknownChannelError);
    assert.equal(err.channelId, -1);
  });

  it('closes with MessageTooLargeError naming channel and sizes when reassembly exceeds capacity', async () => {
    const err = await expectClose(Buffer.concat([msgPacket(0x30, 60, false), msgPacket(0x30, 60, true)]), MessageTooLargeError);
    assert.equal(err.channelId, 0x30);
    assert.equal(err.size, 120);
    assert.equal(err.limit, 100);
    assert.match(err.message, /0x30.*120.*100/);
  });

  it('closes with PacketDecodeError on garbage bytes', async () => {
    await expectClose(fromHex('05 ff ff ff ff ff'), PacketDecodeError);
  });

  it('closes with InvalidVarintError on a length prefix longer than 10 bytes', async () => {
    await expectClose(fromHex('ff'.repeat(11) + '01'), InvalidVarintError);
  });

  it('closes with PacketDecodeError on a PacketMsg with a wrong wire type', async () => {
    await expectClose(fromHex('04 1a02 0a00'), PacketDecodeError);
  });

  it('delivers the good messages that came before the bad packet', async () => {
    const { conn, raw, recorder } = await withRawPeer();
    raw.write(Buffer.concat([msgPacket(0x20, 5), msgPacket(0x01, 6), fromHex('00')]));
    const reason = await conn.closed;
    raw.destroy();
    assert.ok(reason instanceof EmptyPacketError);
    assert.deepEqual(recorder.messages.map((m) => m.bytes.length), [5, 6]);
  });

  it('closes with MessageHandlerError when onMessage throws', async () => {
    const [x, raw] = await tcpPair();
    const conn = new MConnectionClass(x, {
      channels: [channel(1)],
      onMessage: () => {
        throw new Error('boom');
      },
    });
    raw.write(msgPacket(1, 3));
    const reason = await conn.closed;
    raw.destroy();
    assert.ok(reason instanceof MessageHandlerError);
    assert.equal((reason.cause as Error).message, 'boom');
  });
});
