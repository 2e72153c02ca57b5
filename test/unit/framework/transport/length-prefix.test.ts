import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { DelimitedReader, encodeDelimited, encodeUvarint, uvarintLength, writeUvarint } from '../../../../framework/transport/length-prefix.js';
import { InvalidVarintError, MessageTooLargeError } from '../../../../framework/transport/errors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Splits `bytes` at the given cut points (sorted, deduplicated by the caller). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

function drain(reader: DelimitedReader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let m = reader.next(); m; m = reader.next()) out.push(m);
  return out;
}

describe('length-prefixed (uvarint-delimited) messages', () => {
  it('encodes uvarints as protobuf does', () => {
    assert.equal(hex(encodeUvarint(0)), '00');
    assert.equal(hex(encodeUvarint(1)), '01');
    assert.equal(hex(encodeUvarint(127)), '7f');
    assert.equal(hex(encodeUvarint(128)), '8001');
    assert.equal(hex(encodeUvarint(300)), 'ac02');
    assert.equal(hex(encodeUvarint(2 ** 32)), '8080808010');
    assert.equal(hex(encodeUvarint(Number.MAX_SAFE_INTEGER)), 'ffffffffffffff0f');
    for (const n of [0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 35 - 1, 2 ** 35, Number.MAX_SAFE_INTEGER]) {
      assert.equal(uvarintLength(n), encodeUvarint(n).length, `length of ${n}`);
    }
    const buf = new Uint8Array(4);
    assert.equal(writeUvarint(buf, 1, 300), 3);
    assert.equal(hex(buf), '00ac0200');
  });

  it('rejects values that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => encodeUvarint(bad), InvalidArgumentError, String(bad));
    assert.throws(() => new DelimitedReader(-1), InvalidArgumentError);
  });

  it('prefixes a body with its length', () => {
    assert.equal(hex(encodeDelimited(Uint8Array.of(0xaa, 0xbb))), '02aabb');
    assert.equal(hex(encodeDelimited(new Uint8Array(0))), '00');
    assert.equal(encodeDelimited(new Uint8Array(200)).length, 202);
  });

  it('yields messages split at every possible byte boundary', () => {
    const msgs = [Uint8Array.of(1, 2, 3), new Uint8Array(0), new Uint8Array(300).fill(7), Uint8Array.of(9)];
    const stream = Buffer.concat(msgs.map(encodeDelimited));
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new DelimitedReader(1000);
      const got: Uint8Array[] = [];
      for (const part of split(stream, [cut])) {
        reader.push(part);
        got.push(...drain(reader));
      }
      assert.deepEqual(got.map(hex), msgs.map(hex), `cut at ${cut}`);
      assert.equal(reader.bufferedBytes, 0);
    }
  });

  it('returns a zero-copy view when a message lies inside one chunk', () => {
    const chunk = encodeDelimited(Uint8Array.of(5, 6, 7));
    const reader = new DelimitedReader(10);
    reader.push(chunk);
    const msg = reader.next()!;
    assert.equal(msg.buffer, chunk.buffer);
  });

  it('waits for the rest of a message and reports what is buffered', () => {
    const reader = new DelimitedReader(10);
    reader.push(Uint8Array.of(3, 1));
    assert.equal(reader.next(), undefined);
    assert.equal(reader.bufferedBytes, 2, 'the prefix counts until its message is returned');
    reader.push(Uint8Array.of(2));
    assert.equal(reader.next(), undefined);
    reader.push(Uint8Array.of(3, 4));
    assert.deepEqual([...reader.next()!], [1, 2, 3]);
    assert.equal(reader.bufferedBytes, 1);
  });

  it('accepts a message of exactly maxSize and rejects maxSize + 1', () => {
    const ok = new DelimitedReader(4);
    ok.push(encodeDelimited(new Uint8Array(4)));
    assert.equal(ok.next()!.length, 4);
    const tooBig = new DelimitedReader(4);
    tooBig.push(encodeUvarint(5));
    assert.throws(() => tooBig.next(), (err: unknown) => err instanceof MessageTooLargeError && err.size === 5 && err.limit === 4 && /5 bytes.*limit is 4/.test(err.message));
    const named = new DelimitedReader(4, { what: 'packet' });
    named.push(encodeUvarint(5));
    assert.throws(() => named.next(), /^MessageTooLargeError: packet declares 5 bytes; the limit is 4$/);
  });

  it('rejects a huge declared length before any body arrives', () => {
    const reader = new DelimitedReader(1024 * 1024);
    reader.push(encodeUvarint(1024 * 1024 + 1));
    assert.throws(() => reader.next(), MessageTooLargeError);
  });

  it('rejects a length prefix longer than 10 bytes even fed byte by byte, and accepts a non-minimal one', () => {
    const reader = new DelimitedReader(1034);
    for (let i = 0; i < 9; i++) {
      reader.push(Uint8Array.of(0x80));
      assert.equal(reader.next(), undefined);
    }
    reader.push(Uint8Array.of(0x80)); // a 10th byte that still continues
    assert.throws(() => reader.next(), InvalidVarintError);
    const nonMinimal = new DelimitedReader(10);
    nonMinimal.push(Uint8Array.of(0x82, 0x80, 0x00, 0x0a, 0x00));
    assert.equal(hex(nonMinimal.next()!), '0a00');
  });

  it('rejects varints longer than 10 bytes or overflowing 64 bits', () => {
    const long = new DelimitedReader(10);
    long.push(new Uint8Array(11).fill(0xff));
    assert.throws(() => long.next(), InvalidVarintError);
    const overflow = new DelimitedReader(10);
    overflow.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02));
    assert.throws(() => overflow.next(), InvalidVarintError);
    // 2^63 is a valid uvarint (then simply too large).
    const max = new DelimitedReader(10);
    max.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
    assert.throws(() => max.next(), MessageTooLargeError);
  });

  it('hands over unread bytes with takeBuffered(), a partly arrived message included', () => {
    const reader = new DelimitedReader(10);
    reader.push(Uint8Array.of(1, 0xaa, 0xbb, 0xcc));
    reader.push(Uint8Array.of(0xdd));
    assert.deepEqual([...reader.next()!], [0xaa]);
    assert.deepEqual(reader.takeBuffered().map(hex), ['bbcc', 'dd']);
    assert.equal(reader.bufferedBytes, 0);
    assert.equal(reader.next(), undefined);
    const mid = new DelimitedReader(10);
    mid.push(Uint8Array.of(5, 1));
    assert.equal(mid.next(), undefined);
    assert.deepEqual(mid.takeBuffered().map(hex), ['0501'], 'nothing of the waiting message is lost');
  });

  it('with reuseBuffer, copies messages that span chunks into one scratch buffer and still views the rest', () => {
    const reader = new DelimitedReader(8, { reuseBuffer: true });
    const whole = encodeDelimited(Uint8Array.of(1, 2, 3));
    reader.push(whole);
    assert.equal(reader.next()!.buffer, whole.buffer, 'inside one chunk: a view of it');
    const spanning = encodeDelimited(Uint8Array.of(4, 5, 6, 7));
    reader.push(spanning.subarray(0, 3));
    reader.push(spanning.subarray(3));
    const first = reader.next()!;
    assert.equal(hex(first), '04050607');
    reader.push(encodeDelimited(Uint8Array.of(8, 9)).subarray(0, 2));
    reader.push(Uint8Array.of(9));
    const second = reader.next()!;
    assert.equal(hex(second), '0809');
    assert.equal(second.buffer, first.buffer, 'the same scratch buffer serves both');
  });

  for (const reuseBuffer of [false, true]) {
    it(`round-trips arbitrary messages over arbitrary chunkings${reuseBuffer ? ', reusing its buffer' : ''} (property)`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, rawCuts) => {
          const stream = Buffer.concat(msgs.map(encodeDelimited));
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const reader = new DelimitedReader(400, { reuseBuffer });
          const got: string[] = [];
          for (const part of split(stream, cuts)) {
            reader.push(part);
            // Read each message before the next call, as a reuseBuffer owner must.
            for (let m = reader.next(); m !== undefined; m = reader.next()) got.push(hex(m));
          }
          assert.deepEqual(got, msgs.map(hex));
          assert.equal(reader.bufferedBytes, 0);
        }),
      );
    });
  }

  for (const reuseBuffer of [false, true]) {
    it(`nextRange() gives the bodies next() gives, by offsets into a chunk or the copy${reuseBuffer ? ', reusing its buffer' : ''} (property)`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 400 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, rawCuts) => {
          const stream = Buffer.concat(msgs.map(encodeDelimited));
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const parts = split(stream, cuts);
          const reader = new DelimitedReader(400, { reuseBuffer });
          const got: string[] = [];
          for (const part of parts) {
            reader.push(part);
            for (let buf = reader.nextRange(); buf !== undefined; buf = reader.nextRange()) {
              assert.ok(reader.rangeStart >= 0 && reader.rangeStart <= reader.rangeEnd && reader.rangeEnd <= buf.length);
              // A body inside one chunk is read where it lies in that chunk.
              if (reader.rangeEnd > reader.rangeStart && !reuseBuffer && buf.length !== reader.rangeEnd - reader.rangeStart) assert.ok(parts.some((p) => p === buf));
              got.push(hex(buf.subarray(reader.rangeStart, reader.rangeEnd)));
            }
          }
          assert.deepEqual(got, msgs.map(hex));
          assert.equal(reader.bufferedBytes, 0);
        }),
      );
    });
  }

  it('handles many tiny chunks (compaction path)', () => {
    const body = new Uint8Array(5000).map((_, i) => i & 0xff);
    const stream = Buffer.concat([encodeDelimited(body), encodeDelimited(Uint8Array.of(1))]);
    const reader = new DelimitedReader(10_000);
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) {
      reader.push(stream.subarray(i, i + 1));
      got.push(...drain(reader));
    }
    assert.equal(got.length, 2);
    assert.deepEqual(got[0], body);
    assert.deepEqual([...got[1]], [1]);
  });

  it("takes a new maxSize between messages (a handshake's small frames, then the session's), also with a reused buffer", () => {
    for (const reuseBuffer of [false, true]) {
      const reader = new DelimitedReader(2, { reuseBuffer });
      const big = new Uint8Array(300).fill(5);
      const wire = Buffer.concat([encodeDelimited(Uint8Array.of(1, 2)), encodeDelimited(big)]);
      // Byte by byte, so the big message spans chunks and goes through the (reused) copy buffer.
      for (const b of wire.subarray(0, 3)) reader.push(Uint8Array.of(b));
      assert.deepEqual([...reader.next()!], [1, 2]);
      for (const b of wire.subarray(3, 6)) reader.push(Uint8Array.of(b));
      assert.throws(() => reader.next(), { name: 'MessageTooLargeError' }, 'still bounded by the first limit');
      const again = new DelimitedReader(2, { reuseBuffer });
      for (const b of wire.subarray(0, 3)) again.push(Uint8Array.of(b));
      assert.deepEqual([...again.next()!], [1, 2]);
      again.maxSize = 300;
      for (const b of wire.subarray(3)) again.push(Uint8Array.of(b));
      assert.deepEqual(again.next(), big);
      assert.throws(() => (again.maxSize = -1), { name: 'InvalidArgumentError' });
    }
  });
});
