import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { decodePacket, encodeDelimitedPacket } from '../../plugins/transports/mconn/mconnection/packet-codec.js';
import { MConnection } from '../../plugins/transports/mconn/mconnection/mconnection.js';
import { assertTyped, bytes, chunked, fuzzParameters, rawUvarint, uvarintValue } from './fuzz-kit.js';

/** Protobuf fields of any number, wire type and length: the pieces a hostile Packet is built from. */
const field = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 40 })).map(([n, wire, body]) => [...rawUvarint(BigInt(n * 8 + wire)), ...body]),
  fc.tuple(fc.integer({ min: 1, max: 3 }), uvarintValue, fc.uint8Array({ maxLength: 40 })).map(([n, length, body]) => [...rawUvarint(BigInt(n * 8 + 2)), ...rawUvarint(length), ...body]),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.uint8Array({ maxLength: 64 })).map(([channelId, eof, data]) => [...encodeDelimitedPacket({ kind: 'msg', channelId, eof, data }).subarray(1)]),
  fc.constantFrom([0x0a, 0x00], [0x12, 0x00], [0x1a, 0x00], [0x1b], [0x1c], [0x0b, 0x0c]),
);
const packetBody = fc.oneof(fc.array(field, { maxLength: 6 }).map((fields) => Uint8Array.from(fields.flat())), bytes(1100));

/** A stream of length-prefixed packets: honest ones for channels 0x01 and 0x02, hostile bodies, and hostile prefixes. */
const packetStream = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(0x01, 0x02), fc.boolean(), fc.uint8Array({ maxLength: 1024 })).map(([channelId, eof, data]) => [...encodeDelimitedPacket({ kind: 'msg', channelId, eof, data })]) },
      { weight: 3, arbitrary: packetBody.map((body) => [...rawUvarint(BigInt(body.length)), ...body]) },
      { weight: 1, arbitrary: uvarintValue.map(rawUvarint) },
    ),
    { maxLength: 20 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

/** A stream end that takes whatever the connection writes (pongs) and delivers what the test pushes. */
function passiveStream(): Duplex {
  return new Duplex({ read() {}, write(_chunk, _encoding, done) { done(); } });
}

const CAPACITY = 3000;

describe('fuzz: MConnection packets (plugins/transports/mconn/mconnection)', () => {
  it('decodePacket decodes or fails typed, and its data is a view of the input', () => {
    fc.assert(
      fc.property(packetBody, (body) => {
        try {
          const packet = decodePacket(body);
          assert.ok(packet.data.length <= body.length);
          if (packet.kind === 'msg') assert.ok(Number.isInteger(packet.channelId) && packet.channelId >= -(2 ** 31) && packet.channelId < 2 ** 31);
          else assert.equal(packet.data.length, 0);
        } catch (error) {
          assertTyped(error, 'decodePacket');
          assert.match(error.name, /^(PacketDecodeError|EmptyPacketError)$/);
        }
      }),
      fuzzParameters(),
    );
  });

  it('the receive path delivers messages within each channel capacity, or closes the connection with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(packetStream, fc.array(fc.nat(), { maxLength: 6 }), async (stream, cuts) => {
        const delivered: Array<{ channelId: number; bytes: Uint8Array }> = [];
        const wire = passiveStream();
        const channels = [0x01, 0x02].map((id) => ({ id, priority: 1, sendQueueCapacity: 10, recvBufferCapacity: 4096, recvMessageCapacity: CAPACITY }));
        const [first, ...rest] = chunked(stream, cuts);
        const conn = new MConnection(wire, { channels, onMessage: (channelId, bytes) => delivered.push({ channelId, bytes: Uint8Array.from(bytes) }), initialBytes: first });
        try {
          for (const chunk of rest) wire.push(chunk);
          // Initial bytes are parsed on the next turn of the loop, pushed chunks as 'data' events: let both run.
          for (let i = 0; i < 3 + rest.length; i++) await new Promise((resolve) => setImmediate(resolve));
          const reason = conn.closeReason;
          if (reason !== undefined) {
            assertTyped(reason, 'MConnection receive path');
            assert.match(reason.name, /^(MessageTooLargeError|InvalidVarintError|PacketDecodeError|EmptyPacketError|UnknownChannelError)$/);
          }
          const total = delivered.reduce((sum, m) => sum + m.bytes.length, 0);
          assert.ok(total <= stream.length, 'no more delivered than received');
          for (const m of delivered) {
            assert.ok(m.channelId === 0x01 || m.channelId === 0x02);
            assert.ok(m.bytes.length <= CAPACITY, `a ${m.bytes.length}-byte message passed the ${CAPACITY}-byte capacity`);
          }
        } finally {
          conn.close();
        }
      }),
      fuzzParameters(0.5),
    );
  });
});
