import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { tendermint } from '../../../../../../proto/gen/messages.js';
import {
  EmptyPacketError,
  PACKET_PING_WIRE,
  PACKET_PONG_WIRE,
  PacketDecodeError,
  chunkSizeFor,
  decodePacket,
  encodeDelimitedPacket,
  encodePacket,
  maxPacketBodySize,
  packetMsgBodySize,
} from '../../../../../../plugins/transports/mconn/mconnection/index.js';
import { hex } from './helpers.js';

const fromHex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const MSG_VECTOR = '1a2208011a1e64617461207472616e736d6974746564206f766572207468652077697265';

describe('mconnection packet codec', () => {
  describe('TestConnVectors (wire-protocol §7.4)', () => {
    it('encodes ping as 0a00 and pong as 1200', () => {
      assert.equal(hex(encodePacket({ kind: 'ping' })), '0a00');
      assert.equal(hex(encodePacket({ kind: 'pong' })), '1200');
    });

    it('encodes the PacketMsg vector byte for byte', () => {
      const data = new TextEncoder().encode('data transmitted over the wire');
      assert.equal(hex(encodePacket({ kind: 'msg', channelId: 1, eof: false, data })), MSG_VECTOR);
    });

    it('puts ping and pong on the wire as 02 0a 00 and 02 12 00', () => {
      assert.equal(hex(PACKET_PING_WIRE), '020a00');
      assert.equal(hex(PACKET_PONG_WIRE), '021200');
      assert.equal(hex(encodeDelimitedPacket({ kind: 'ping' })), '020a00');
      assert.equal(hex(encodeDelimitedPacket({ kind: 'pong' })), '021200');
    });

    it('decodes the vectors', () => {
      assert.equal(decodePacket(fromHex('0a00')).kind, 'ping');
      assert.equal(decodePacket(fromHex('1200')).kind, 'pong');
      const msg = decodePacket(fromHex(MSG_VECTOR));
      assert.equal(msg.kind, 'msg');
      assert.equal(msg.channelId, 1);
      assert.equal(msg.eof, false);
      assert.equal(Buffer.from(msg.data).toString(), 'data transmitted over the wire');
    });
  });

  describe('encoding', () => {
    it('omits channel 0, eof=false and empty data (gogoproto zero values)', () => {
      assert.equal(hex(encodePacket({ kind: 'msg', channelId: 0, eof: false, data: new Uint8Array(0) })), '1a00');
      assert.equal(hex(encodePacket({ kind: 'msg', channelId: 0, eof: true, data: new Uint8Array(0) })), '1a021001');
      assert.equal(hex(encodePacket({ kind: 'msg', channelId: 0x20, eof: true, data: Uint8Array.of(7) })), '1a07082010011a0107');
    });

    it('computes the maximum packet body exactly like CometBFT (1034 for 1024)', () => {
      assert.equal(maxPacketBodySize(1024), 1034);
      assert.equal(packetMsgBodySize(1, true, 1024), 1034);
      assert.equal(packetMsgBodySize(0x7f, true, 1024), 1034);
      assert.equal(packetMsgBodySize(0x80, true, 1024), 1035);
      assert.equal(packetMsgBodySize(0, true, 1024), 1032);
      assert.equal(maxPacketBodySize(1400), 1410);
      const full = encodePacket({ kind: 'msg', channelId: 1, eof: true, data: new Uint8Array(1024) });
      assert.equal(full.length, 1034);
    });

    it('shrinks chunks on 2-byte channel ids so packets stay within the limit', () => {
      assert.equal(chunkSizeFor(0x01, 1024), 1024);
      assert.equal(chunkSizeFor(0x7f, 1024), 1024);
      assert.equal(chunkSizeFor(0x80, 1024), 1023);
      assert.equal(chunkSizeFor(0xff, 1024), 1023);
      assert.ok(packetMsgBodySize(0xff, true, chunkSizeFor(0xff, 1024)) <= 1034);
    });

    it('refuses channel ids a PacketMsg cannot carry', () => {
      for (const channelId of [-1, 1.5, 2 ** 31]) {
        assert.throws(() => encodePacket({ kind: 'msg', channelId, eof: true, data: new Uint8Array(0) }), InvalidArgumentError);
      }
    });

    it('matches the generated protobuf encoder on arbitrary packets', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.uint8Array({ maxLength: 3000 }), (ch, eof, data) => {
          const fields: Record<string, unknown> = {};
          if (ch !== 0) fields.channelId = ch;
          if (eof) fields.eof = true;
          if (data.length > 0) fields.data = data;
          const expected = tendermint.p2p.Packet.encode({ packetMsg: fields }).finish();
          assert.equal(hex(encodePacket({ kind: 'msg', channelId: ch, eof, data })), hex(expected));
        }),
      );
    });
  });

  describe('decoding', () => {
    it('round-trips arbitrary packets and agrees with the generated decoder', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 255 }), fc.boolean(), fc.uint8Array({ maxLength: 3000 }), (ch, eof, data) => {
          const body = encodePacket({ kind: 'msg', channelId: ch, eof, data });
          const ours = decodePacket(body);
          const theirs = tendermint.p2p.Packet.decode(body);
          assert.equal(ours.kind, 'msg');
          assert.equal(ours.channelId, ch);
          assert.equal(ours.eof, eof);
          assert.equal(hex(ours.data), hex(data));
          assert.equal(theirs.packetMsg?.channelId ?? 0, ch);
          assert.equal(hex(theirs.packetMsg?.data ?? new Uint8Array()), hex(data));
        }),
      );
    });

    it('accepts fields in any order, non-minimal varints and unknown fields of every wire type', () => {
      const unknownPrefix = fromHex(
        '2005' + // Packet field 4, varint
          '2d01020304' + // field 5, fixed32
          '310102030405060708' + // field 6, fixed64
          '3a03aabbcc' + // field 7, bytes
          '43' + '0801' + '44', // field 8 group holding a varint, then its end-group
      );
      const inner = fromHex(
        '1a0568656c6c6f' + // data "hello" before the other fields
          '5001' + // unknown varint inside PacketMsg
          '108100' + // eof = 1 as a non-minimal varint
          '08a180808000', // channel 0x21 as a non-minimal varint
      );
      const packet = new Uint8Array([...unknownPrefix, 0x1a, inner.length, ...inner, 0x20, 0x07]);
      const decoded = decodePacket(packet);
      assert.equal(decoded.kind, 'msg');
      assert.equal(decoded.channelId, 0x21);
      assert.equal(decoded.eof, true);
      assert.equal(Buffer.from(decoded.data).toString(), 'hello');
      const theirs = tendermint.p2p.Packet.decode(packet);
      assert.equal(theirs.packetMsg?.channelId, 0x21);
    });

    it('accepts a ping that carries an unknown field', () => {
      assert.equal(decodePacket(fromHex('0a02' + '0801')).kind, 'ping');
    });

    it('lets the last oneof member win, as gogoproto does', () => {
      assert.equal(decodePacket(fromHex('1a020801' + '1200')).kind, 'pong');
      const msg = decodePacket(fromHex('0a00' + '1a020805'));
      assert.equal(msg.kind, 'msg');
      assert.equal(msg.channelId, 5);
    });

    it('reads channel_id as int32 (a negative id stays negative)', () => {
      const negative = fromHex('1a0b' + '08ffffffffffffffffff01');
      assert.equal(decodePacket(negative).channelId, -1);
      assert.equal(decodePacket(fromHex('1a03' + '088108')).channelId, 1025);
    });

    it('rejects empty packets and packets with only unknown fields', () => {
      assert.throws(() => decodePacket(new Uint8Array(0)), EmptyPacketError);
      assert.throws(() => decodePacket(fromHex('2001')), EmptyPacketError);
    });

    const bad: Array<[string, string]> = [
      ['truncated tag varint', 'ff'],
      ['field number 0', '0000'],
      ['known field with the wrong wire type', '0800'],
      ['PacketMsg.channel_id with the wrong wire type', '1a020a00'],
      ['wire type 6', '2e'],
      ['wire type 7', '2f'],
      ['a stray end-group', '2c'],
      ['unterminated group', '2308'],
      ['length past the end', '1a05 0801'],
      ['data length past the end', '1a04 1a100000'],
      ['fixed64 past the end', '3101'],
      ['varint longer than 10 bytes', '1a0c 08ffffffffffffffffffff01'],
      ['garbage', 'ffffffffffffffffffffffffffff'],
    ];
    for (const [what, bytes] of bad) {
      it(`rejects ${what} with PacketDecodeError`, () => {
        assert.throws(() => decodePacket(fromHex(bytes)), PacketDecodeError);
      });
    }
  });
});
