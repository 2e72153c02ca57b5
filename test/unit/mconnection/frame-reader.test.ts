import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FrameReader,
  PacketDecodeError,
  PacketTooLargeError,
  writeUvarint,
} from '../../../plugins/transports/mconn/mconnection/index.js';
import { hex, patternBytes } from './helpers.js';

function delimit(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(10 + body.length);
  const off = writeUvarint(out, 0, body.length);
  out.set(body, off);
  return out.subarray(0, off + body.length);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Feeds `stream` cut at `cuts` and returns hex of every frame, copied as soon as it is returned. */
function readAll(reader: FrameReader, stream: Uint8Array, cuts: number[]): string[] {
  const frames: string[] = [];
  let prev = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length]) {
    reader.push(stream.subarray(prev, cut));
    prev = cut;
    for (let f = reader.next(); f !== undefined; f = reader.next()) frames.push(hex(f));
  }
  return frames;
}

describe('mconnection FrameReader', () => {
  it('returns nothing until a frame is complete', () => {
    const reader = new FrameReader(1034);
    assert.equal(reader.next(), undefined);
    reader.push(Uint8Array.of(0x03, 0x0a));
    assert.equal(reader.next(), undefined);
    reader.push(Uint8Array.of(0x00, 0x01));
    assert.equal(hex(reader.next()!), '0a0001');
    assert.equal(reader.next(), undefined);
    assert.equal(reader.buffered, 0);
  });

  it('splits several frames out of one chunk, including zero-length ones', () => {
    const reader = new FrameReader(100);
    reader.push(Uint8Array.of(0x02, 0x0a, 0x00, 0x00, 0x02, 0x12, 0x00));
    assert.equal(hex(reader.next()!), '0a00');
    assert.equal(reader.next()!.length, 0);
    assert.equal(hex(reader.next()!), '1200');
    assert.equal(reader.next(), undefined);
  });

  it('reassembles frames and 2-byte prefixes cut at every possible position', () => {
    const frames = [patternBytes(1034, 1), patternBytes(200, 2), patternBytes(0, 3), patternBytes(130, 4)];
    const stream = concat(frames.map(delimit));
    for (let a = 1; a < stream.length; a += 3) {
      const got = readAll(new FrameReader(1034), stream, [a, a + 1, a + 1037]);
      assert.deepEqual(got, frames.map(hex), `cut at ${a}`);
    }
  });

  it('returns the same frames under arbitrary chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 2000 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (frames, rawCuts) => {
          const stream = concat(frames.map(delimit));
          const cuts = rawCuts.map((c) => (stream.length === 0 ? 0 : c % stream.length));
          assert.deepEqual(readAll(new FrameReader(2000), stream, cuts), frames.map(hex));
        },
      ),
    );
  });

  it('returns a frame inside one chunk as a view without copying', () => {
    const chunk = Uint8Array.from(Buffer.from('03616263', 'hex'));
    const reader = new FrameReader(10);
    reader.push(chunk);
    const frame = reader.next()!;
    assert.equal(frame.buffer, chunk.buffer);
  });

  it('rejects a body longer than maxSize as soon as the prefix is known', () => {
    const reader = new FrameReader(1034);
    reader.push(Uint8Array.of(0x8b, 0x08)); // 1035, no body yet
    assert.throws(
      () => reader.next(),
      (e: unknown) => e instanceof PacketTooLargeError && e.size === 1035 && e.maxSize === 1034,
    );
    const ok = new FrameReader(1034);
    ok.push(Uint8Array.of(0x8a, 0x08));
    assert.equal(ok.next(), undefined);
  });

  it('rejects a length prefix longer than 10 bytes, even fed byte by byte', () => {
    const reader = new FrameReader(1034);
    for (let i = 0; i < 9; i++) {
      reader.push(Uint8Array.of(0x80));
      assert.equal(reader.next(), undefined);
    }
    // A 10th byte that still has the continuation bit means at least 11 bytes.
    reader.push(Uint8Array.of(0x80));
    assert.throws(() => reader.next(), PacketDecodeError);
  });

  it('accepts a non-minimal prefix', () => {
    const reader = new FrameReader(10);
    reader.push(Uint8Array.of(0x82, 0x80, 0x00, 0x0a, 0x00));
    assert.equal(hex(reader.next()!), '0a00');
  });
});
