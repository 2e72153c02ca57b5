import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../framework/errors/base.js';
import { FrameDecryptionError, FrameLengthError, NonceExhaustedError } from '../../../plugins/transports/mconn/secret-connection/errors.js';
import {
  FrameOpener,
  frameNonce,
  FrameSealer,
  SEALED_FRAME_SIZE,
  TOTAL_FRAME_SIZE,
} from '../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import { SealedFrameReader } from '../../../plugins/transports/mconn/secret-connection/frame-reader.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const KEY = new Uint8Array(32).map((_, i) => i);

/** Decrypts frame `index` of `sealed` independently of FrameOpener (plain node:crypto). */
function nativeOpen(key: Uint8Array, sealed: Uint8Array, index: number): Buffer {
  const frame = sealed.subarray(index * SEALED_FRAME_SIZE, (index + 1) * SEALED_FRAME_SIZE);
  const d = createDecipheriv('chacha20-poly1305', key, frameNonce(BigInt(index)), { authTagLength: 16 });
  d.setAuthTag(frame.subarray(TOTAL_FRAME_SIZE));
  const plain = Buffer.concat([d.update(frame.subarray(0, TOTAL_FRAME_SIZE)), d.final()]);
  return plain;
}

function nativeSeal(key: Uint8Array, plain: Uint8Array, counter: bigint): Buffer {
  const c = createCipheriv('chacha20-poly1305', key, frameNonce(counter), { authTagLength: 16 });
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function payloadOf(plain: Buffer): Buffer {
  return plain.subarray(4, 4 + plain.readUInt32LE(0));
}

describe('secret-connection: frames', () => {
  it('lays out nonces as 4 zero bytes + LE uint64 counter', () => {
    assert.equal(hex(frameNonce(0n)), '000000000000000000000000');
    assert.equal(hex(frameNonce(1n)), '000000000100000000000000');
    assert.equal(hex(frameNonce(256n)), '000000000001000000000000');
    assert.equal(hex(frameNonce(2n ** 32n)), '000000000000000001000000');
    assert.equal(hex(frameNonce(2n ** 64n - 1n)), '00000000ffffffffffffffff');
    assert.throws(() => frameNonce(-1n), InvalidArgumentError);
    assert.throws(() => frameNonce(2n ** 64n), InvalidArgumentError);
  });

  it('seals nothing for an empty write', () => {
    const s = new FrameSealer(KEY);
    assert.equal(s.seal(new Uint8Array(0)).length, 0);
    assert.equal(s.seal([]).length, 0);
    assert.equal(s.counter, 0n);
  });

  for (const size of [1, 1023, 1024, 1025, 5000]) {
    it(`seals ${size} bytes into ceil(n/1024) frames with nonces 0, 1, ... readable by plain node:crypto`, () => {
      const data = randomBytes(size);
      const s = new FrameSealer(KEY);
      const sealed = s.seal(data);
      const frames = Math.ceil(size / 1024);
      assert.equal(sealed.length, frames * SEALED_FRAME_SIZE);
      assert.equal(s.counter, BigInt(frames));
      const plains = Array.from({ length: frames }, (_, i) => nativeOpen(KEY, sealed, i));
      for (let i = 0; i < frames; i++) {
        const plain = plains[i];
        const expectedLen = i < frames - 1 ? 1024 : size - 1024 * (frames - 1);
        assert.equal(plain.readUInt32LE(0), expectedLen);
        // Padding is zeroed (not required by the protocol, but no stale payload leaks).
        assert.ok(plain.subarray(4 + expectedLen).every((b) => b === 0));
      }
      assert.deepEqual(Buffer.concat(plains.map(payloadOf)), data);
    });
  }

  it('fills frames across the chunks of one write (fewest frames)', () => {
    const s = new FrameSealer(KEY);
    const a = randomBytes(500);
    const b = randomBytes(600);
    const c = randomBytes(10);
    const sealed = s.seal([a, new Uint8Array(0), b, c]);
    assert.equal(sealed.length, 2 * SEALED_FRAME_SIZE);
    const p0 = nativeOpen(KEY, sealed, 0);
    const p1 = nativeOpen(KEY, sealed, 1);
    assert.equal(p0.readUInt32LE(0), 1024);
    assert.equal(p1.readUInt32LE(0), 86);
    assert.deepEqual(Buffer.concat([payloadOf(p0), payloadOf(p1)]), Buffer.concat([a, b, c]));
  });

  it('continues the counter across writes', () => {
    const s = new FrameSealer(KEY);
    s.seal(Uint8Array.of(1));
    const second = s.seal(Uint8Array.of(2));
    const plain = createDecipheriv('chacha20-poly1305', KEY, frameNonce(1n), { authTagLength: 16 }).setAuthTag(second.subarray(TOTAL_FRAME_SIZE)).update(second.subarray(0, TOTAL_FRAME_SIZE));
    assert.equal(plain[4], 2);
  });

  it('opens frames sealed by plain node:crypto, counting independently of the sealer', () => {
    const opener = new FrameOpener(KEY);
    for (let i = 0; i < 3; i++) {
      const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
      plain.writeUInt32LE(i + 1, 0);
      plain.fill(0xee, 4, 4 + i + 1);
      plain.fill(0x55, 4 + i + 1); // non-zero padding must be ignored
      assert.deepEqual([...opener.open(nativeSeal(KEY, plain, BigInt(i)))], new Array(i + 1).fill(0xee));
    }
    assert.equal(opener.counter, 3n);
  });

  it('rejects a tampered frame, a wrong key and a replayed frame with FrameDecryptionError', () => {
    const sealed = new FrameSealer(KEY).seal(Uint8Array.of(1, 2, 3));
    for (const pos of [0, 500, TOTAL_FRAME_SIZE - 1, TOTAL_FRAME_SIZE, SEALED_FRAME_SIZE - 1]) {
      const bad = Buffer.from(sealed);
      bad[pos] ^= 0x80;
      assert.throws(() => new FrameOpener(KEY).open(bad), (err: unknown) => err instanceof FrameDecryptionError && (err as Error).message.includes('failed to decrypt SecretConnection'), `flip at ${pos}`);
    }
    assert.throws(() => new FrameOpener(new Uint8Array(32)).open(sealed), FrameDecryptionError);
    const opener = new FrameOpener(KEY);
    opener.open(sealed);
    assert.throws(() => opener.open(sealed), FrameDecryptionError); // frame 0 again under nonce 1
  });

  it('rejects a length field above 1024 with FrameLengthError, and accepts exactly 1024', () => {
    const s = new FrameSealer(KEY);
    const out = Buffer.alloc(2 * SEALED_FRAME_SIZE);
    const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
    plain.writeUInt32LE(1024, 0);
    s.sealFrame(plain, out, 0);
    plain.writeUInt32LE(1025, 0);
    s.sealFrame(plain, out, SEALED_FRAME_SIZE);
    const opener = new FrameOpener(KEY);
    assert.equal(opener.open(out.subarray(0, SEALED_FRAME_SIZE)).length, 1024);
    assert.throws(() => opener.open(out.subarray(SEALED_FRAME_SIZE)), (err: unknown) => err instanceof FrameLengthError && /1025/.test((err as Error).message));
  });

  it('refuses to use counter 2^64 - 1 (never wraps)', () => {
    const s = new FrameSealer(KEY, { initialCounter: 2n ** 64n - 2n });
    const last = s.seal(Uint8Array.of(1));
    assert.equal(s.counter, 2n ** 64n - 1n);
    assert.throws(() => s.seal(Uint8Array.of(2)), NonceExhaustedError);
    const o = new FrameOpener(KEY, { initialCounter: 2n ** 64n - 2n });
    assert.deepEqual([...o.open(last)], [1]);
    assert.throws(() => o.open(last), NonceExhaustedError);
  });

  it('counts past 2^32 (carry into the high word)', () => {
    const s = new FrameSealer(KEY, { initialCounter: 2n ** 32n - 1n });
    const sealed = s.seal(randomBytes(2048));
    assert.equal(s.counter, 2n ** 32n + 1n);
    const o = new FrameOpener(KEY, { initialCounter: 2n ** 32n - 1n });
    o.open(sealed.subarray(0, SEALED_FRAME_SIZE));
    o.open(sealed.subarray(SEALED_FRAME_SIZE));
  });

  it('validates keys and frame sizes', () => {
    assert.throws(() => new FrameSealer(new Uint8Array(16)), InvalidArgumentError);
    assert.throws(() => new FrameOpener(KEY).open(new Uint8Array(1043)), InvalidArgumentError);
    assert.throws(() => new FrameSealer(KEY).sealFrame(new Uint8Array(1027), new Uint8Array(SEALED_FRAME_SIZE), 0), InvalidArgumentError);
    assert.throws(() => new FrameSealer(KEY).sealFrame(new Uint8Array(1028), new Uint8Array(SEALED_FRAME_SIZE), 1), InvalidArgumentError);
  });

  describe('SealedFrameReader', () => {
    it('reassembles frames from arbitrary chunk boundaries (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (writes, rawCuts) => {
          const sealer = new FrameSealer(KEY);
          const wire = Buffer.concat(writes.map((w) => sealer.seal(w)));
          const cuts = [...new Set(rawCuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const reader = new SealedFrameReader(new FrameOpener(KEY));
          const got: Buffer[] = [];
          let prev = 0;
          for (const c of [...cuts, wire.length]) {
            got.push(...reader.push(wire.subarray(prev, c)));
            prev = c;
          }
          assert.equal(reader.pendingBytes, 0);
          assert.deepEqual(Buffer.concat(got), Buffer.concat(writes));
        }),
        { numRuns: 50 },
      );
    });

    it('keeps a partial frame and reports its size', () => {
      const wire = new FrameSealer(KEY).seal(Uint8Array.of(7));
      const reader = new SealedFrameReader(new FrameOpener(KEY));
      assert.deepEqual(reader.push(wire.subarray(0, 1000)), []);
      assert.equal(reader.pendingBytes, 1000);
      assert.deepEqual(reader.push(wire.subarray(1000)).map(hex), ['07']);
      assert.equal(reader.pendingBytes, 0);
    });

    it('throws FrameDecryptionError for a bad frame', () => {
      const wire = Buffer.from(new FrameSealer(KEY).seal(Uint8Array.of(7)));
      wire[3] ^= 1;
      assert.throws(() => new SealedFrameReader(new FrameOpener(KEY)).push(wire), FrameDecryptionError);
    });
  });
});
