import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { uvarintLength, writeUvarint } from '../../../../framework/transport/length-prefix.js';
import { EmptyPacketError, PacketDecodeError } from './errors.js';

/**
 * Hand-written codec for `tendermint.p2p.Packet` (wire-protocol §2.1). The
 * encoder writes straight into a caller-owned batch buffer, the decoder reads
 * in place without allocating, because both run once per ~1 KiB of traffic.
 * Output is byte-identical to gogoproto (zero values omitted, fields in
 * ascending order); the decoder accepts any valid protobuf encoding.
 */

const TAG_PING = 0x0a; // field 1, wire type 2
const TAG_PONG = 0x12; // field 2, wire type 2
const TAG_MSG = 0x1a; // field 3, wire type 2
const TAG_CHANNEL = 0x08; // PacketMsg field 1, varint
const TAG_EOF = 0x10; // PacketMsg field 2, varint
const TAG_DATA = 0x1a; // PacketMsg field 3, bytes

/** `Packet{PacketPing{}}` with its uvarint length prefix, as it appears on the stream. */
export const PACKET_PING_WIRE: Uint8Array = Uint8Array.of(0x02, TAG_PING, 0x00);
/** `Packet{PacketPong{}}` with its uvarint length prefix. */
export const PACKET_PONG_WIRE: Uint8Array = Uint8Array.of(0x02, TAG_PONG, 0x00);

export type PacketKind = 'ping' | 'pong' | 'msg';

/** A decoded packet. For `msg`, `data` is a view into the decoded buffer (copy it to keep it). */
export interface DecodedPacket {
  kind: PacketKind;
  /** int32 channel_id as sent (may be negative or > 255 from a misbehaving peer); 0 unless kind is msg. */
  channelId: number;
  eof: boolean;
  data: Uint8Array;
}

export type Packet =
  | { readonly kind: 'ping' }
  | { readonly kind: 'pong' }
  | { readonly kind: 'msg'; readonly channelId: number; readonly eof: boolean; readonly data: Uint8Array };

const EMPTY: Uint8Array = new Uint8Array(0);

/** Size of the PacketMsg message itself (inside the Packet wrapper). */
function packetMsgInnerSize(channelId: number, eof: boolean, dataLength: number): number {
  let size = 0;
  if (channelId !== 0) size += 1 + uvarintLength(channelId);
  if (eof) size += 2;
  if (dataLength > 0) size += 1 + uvarintLength(dataLength) + dataLength;
  return size;
}

/** Length of the encoded `Packet{PacketMsg{...}}` body, excluding the delimiting uvarint. */
export function packetMsgBodySize(channelId: number, eof: boolean, dataLength: number): number {
  const inner = packetMsgInnerSize(channelId, eof, dataLength);
  return 1 + uvarintLength(inner) + inner;
}

/**
 * The largest packet body a receiver accepts, computed exactly like CometBFT's
 * `_maxPacketMsgSize`: a full payload on channel 1 with eof set (1034 for 1024).
 */
export function maxPacketBodySize(maxPayload: number): number {
  return packetMsgBodySize(1, true, maxPayload);
}

/**
 * Largest chunk we put in one PacketMsg on `channelId`. It is maxPayload except
 * on channel ids ≥ 0x80, whose 2-byte varint would push a full chunk one byte
 * past what receivers (CometBFT or us) accept; those get one byte less.
 */
export function chunkSizeFor(channelId: number, maxPayload: number): number {
  const limit = maxPacketBodySize(maxPayload);
  let size = maxPayload;
  while (size > 1 && packetMsgBodySize(channelId, true, size) > limit) size--;
  return size;
}

/** Upper bound on prefix + framing bytes around a chunk, for sizing batch buffers. */
export const MAX_PACKET_MSG_OVERHEAD = 24;

/**
 * Writes `uvarint(len) ‖ Packet{PacketMsg{channelId, eof, data[start:end]}}` at
 * `off` and returns the offset after it. The caller guarantees room.
 */
export function writeDelimitedPacketMsg(
  out: Uint8Array,
  off: number,
  channelId: number,
  eof: boolean,
  data: Uint8Array,
  start: number,
  end: number,
): number {
  const length = end - start;
  const inner = packetMsgInnerSize(channelId, eof, length);
  off = writeUvarint(out, off, 1 + uvarintLength(inner) + inner);
  out[off++] = TAG_MSG;
  off = writeUvarint(out, off, inner);
  if (channelId !== 0) {
    out[off++] = TAG_CHANNEL;
    off = writeUvarint(out, off, channelId);
  }
  if (eof) {
    out[off++] = TAG_EOF;
    out[off++] = 1;
  }
  if (length > 0) {
    out[off++] = TAG_DATA;
    off = writeUvarint(out, off, length);
    out.set(start === 0 && end === data.length ? data : data.subarray(start, end), off);
    off += length;
  }
  return off;
}

/** Encodes a Packet body (no length prefix), e.g. for vectors and tests. */
export function encodePacket(packet: Packet): Uint8Array {
  if (packet.kind === 'ping') return PACKET_PING_WIRE.slice(1);
  if (packet.kind === 'pong') return PACKET_PONG_WIRE.slice(1);
  const { channelId, eof, data } = packet;
  const delimited = encodeDelimitedPacket(packet);
  return delimited.subarray(uvarintLength(packetMsgBodySize(channelId, eof, data.length)));
}

/** Encodes `uvarint(len) ‖ Packet`, exactly what goes on the stream. */
export function encodeDelimitedPacket(packet: Packet): Uint8Array {
  if (packet.kind === 'ping') return PACKET_PING_WIRE.slice();
  if (packet.kind === 'pong') return PACKET_PONG_WIRE.slice();
  if (!Number.isInteger(packet.channelId) || packet.channelId < 0 || packet.channelId > 0x7fffffff) {
    throw new InvalidArgumentError(`PacketMsg channelId must be an integer in 0..2147483647, got ${packet.channelId}`);
  }
  const body = packetMsgBodySize(packet.channelId, packet.eof, packet.data.length);
  const out = new Uint8Array(uvarintLength(body) + body);
  writeDelimitedPacketMsg(out, 0, packet.channelId, packet.eof, packet.data, 0, packet.data.length);
  return out;
}

// Varint reads return the value and leave the position (and the low 32 bits,
// for int32 fields) here, so the hot path allocates nothing.
let readPos = 0;
let readLow32 = 0;

function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let low = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new PacketDecodeError(`truncated varint at byte ${pos}`);
    const b = buf[pos++];
    // `<<` truncates to 32 bits, which is exactly how proto3 reads int32 fields.
    if (i < 5) low |= (b & 0x7f) << (7 * i);
    value += (b & 0x7f) * scale;
    scale *= 0x80;
    if (b < 0x80) {
      readPos = pos;
      readLow32 = low;
      return value;
    }
  }
  throw new PacketDecodeError(`varint longer than 10 bytes at byte ${pos - 10}`);
}

function readLength(buf: Uint8Array, pos: number, end: number, what: string): number {
  const length = readVarint(buf, pos, end);
  if (length > end - readPos) {
    throw new PacketDecodeError(`${what} declares ${length} bytes but only ${end - readPos} remain`);
  }
  return length;
}

const MAX_FIELD_NUMBER = 0x1fffffff;

/** Reads one field key; returns the tag and leaves the position in readPos. */
function readTag(buf: Uint8Array, pos: number, end: number): number {
  const tag = readVarint(buf, pos, end);
  const field = Math.floor(tag / 8);
  if (field === 0 || field > MAX_FIELD_NUMBER) {
    throw new PacketDecodeError(`invalid field number ${field} at byte ${pos}`);
  }
  return tag;
}

/** Skips the value of a field we do not know; returns the position after it. */
function skipField(buf: Uint8Array, pos: number, end: number, wireType: number): number {
  let depth = 0;
  for (;;) {
    switch (wireType) {
      case 0:
        readVarint(buf, pos, end);
        pos = readPos;
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const length = readLength(buf, pos, end, 'field');
        pos = readPos + length;
        break;
      }
      case 5:
        pos += 4;
        break;
      case 3:
        depth++;
        break;
      case 4:
        if (depth === 0) throw new PacketDecodeError(`unexpected end-group at byte ${pos}`);
        depth--;
        break;
      default:
        throw new PacketDecodeError(`illegal wire type ${wireType} at byte ${pos}`);
    }
    if (pos > end) throw new PacketDecodeError(`field runs past the end of the packet`);
    if (depth === 0) return pos;
    wireType = readTag(buf, pos, end) & 7;
    pos = readPos;
  }
}

/** Ping and pong have no fields, but a valid encoding may still carry unknown ones. */
function skipMessage(buf: Uint8Array, pos: number, end: number): void {
  while (pos < end) {
    const tag = readTag(buf, pos, end);
    pos = skipField(buf, readPos, end, tag & 7);
  }
}

function decodePacketMsg(buf: Uint8Array, pos: number, end: number, target: DecodedPacket): void {
  let channelId = 0;
  let eof = false;
  let data = EMPTY;
  while (pos < end) {
    const tag = readTag(buf, pos, end);
    pos = readPos;
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field >= 1 && field <= 3) {
      const expected = field === 3 ? 2 : 0;
      if (wireType !== expected) {
        throw new PacketDecodeError(`PacketMsg field ${field} has wire type ${wireType}, expected ${expected}`);
      }
      if (field === 1) {
        readVarint(buf, pos, end);
        channelId = readLow32;
        pos = readPos;
      } else if (field === 2) {
        eof = readVarint(buf, pos, end) !== 0;
        pos = readPos;
      } else {
        const length = readLength(buf, pos, end, 'PacketMsg.data');
        data = buf.subarray(readPos, readPos + length);
        pos = readPos + length;
      }
    } else {
      pos = skipField(buf, pos, end, wireType);
    }
  }
  target.channelId = channelId;
  target.eof = eof;
  target.data = data;
}

/**
 * Decodes a Packet body (no length prefix) from `buf[start:end]`. Writes into
 * `target` when given so per-packet decoding allocates nothing. Throws
 * PacketDecodeError for malformed bytes and EmptyPacketError when no oneof
 * member is set. As in gogoproto, the last oneof member on the wire wins.
 */
export function decodePacket(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
  target: DecodedPacket = { kind: 'ping', channelId: 0, eof: false, data: EMPTY },
): DecodedPacket {
  let kind: PacketKind | undefined;
  let pos = start;
  while (pos < end) {
    const tag = readTag(buf, pos, end);
    pos = readPos;
    const field = Math.floor(tag / 8);
    if (field < 1 || field > 3) {
      pos = skipField(buf, pos, end, tag & 7);
      continue;
    }
    if ((tag & 7) !== 2) throw new PacketDecodeError(`Packet field ${field} has wire type ${tag & 7}, expected 2`);
    const length = readLength(buf, pos, end, 'Packet member');
    pos = readPos;
    if (field === 3) {
      decodePacketMsg(buf, pos, pos + length, target);
      kind = 'msg';
    } else {
      skipMessage(buf, pos, pos + length);
      kind = field === 1 ? 'ping' : 'pong';
    }
    pos += length;
  }
  if (kind === undefined) throw new EmptyPacketError();
  target.kind = kind;
  if (kind !== 'msg') {
    target.channelId = 0;
    target.eof = false;
    target.data = EMPTY;
  }
  return target;
}
