import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { FrameDecryptionError, FrameLengthError, NonceExhaustedError } from '../../../../../../plugins/transports/mconn/secret-connection/errors.js';
import {
  FrameOpener,
  frameNonce,
  FrameSealer,
  SEALED_FRAME_SIZE,
  TOTAL_FRAME_SIZE,
} from '../../../../../../plugins/transports/mconn/secret-connection/frame-cipher.js';
import { SealedFrameReader } from '../../../../../../plugins/transports/mconn/secret-connection/frame-reader.js';
import type { FrameAeadBackend } from '../../../../../../plugins/transports/mconn/secret-connection/aead/frame-aead.js';
import { nodeCryptoFrameAead } from '../../../../../../plugins/transports/mconn/secret-connection/aead/node-crypto.js';
import { loadLibsodiumFrameAead } from '../../../../../../plugins/transports/mconn/secret-connection/aead/libsodium.js';
import { sodiumNativeFrameAead } from '../../../../../../plugins/transports/mconn/secret-connection/aead/sodium-native.js';
import { checkedFrameCalls, sodiumNative } from '../../../../../../framework/crypto/sodium-native.js';
import { currentFrameAead, frameAeadReady, frameAeadStatus } from '../../../../../../plugins/transports/mconn/secret-connection/aead/select.js';

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

const backends: Array<{ name: string; load: () => Promise<FrameAeadBackend> }> = [
  { name: 'sodium-native', load: async () => sodiumNativeFrameAead() },
  // What the backend uses where the addon's unchecked calls fail their test at load.
  { name: 'sodium-native, checked calls', load: async () => sodiumNativeFrameAead(checkedFrameCalls(sodiumNative()!)) },
  { name: 'libsodium', load: loadLibsodiumFrameAead },
  { name: 'node:crypto', load: async () => nodeCryptoFrameAead },
];

describe('secret-connection: frame AEAD selection', () => {
  it('picks sodium-native by default, after checking it against node:crypto', async () => {
    assert.equal((await frameAeadReady).name, 'sodium-native');
    assert.equal(currentFrameAead().name, 'sodium-native');
    assert.equal(frameAeadStatus().fallbackReason, undefined);
  });
});

for (const backend of backends) describe(`secret-connection: frames (${backend.name})`, () => {
  let aead: FrameAeadBackend;
  before(async () => {
    aead = await backend.load();
  });
  const sealer = (key: Uint8Array, options: { initialCounter?: bigint } = {}) => new FrameSealer(key, { ...options, aead });
  const opener = (key: Uint8Array, options: { initialCounter?: bigint } = {}) => new FrameOpener(key, { ...options, aead });

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
    const s = sealer(KEY);
    assert.equal(s.seal(new Uint8Array(0)).length, 0);
    assert.equal(s.seal([]).length, 0);
    assert.equal(s.counter, 0n);
  });

  for (const size of [1, 1023, 1024, 1025, 5000]) {
    it(`seals ${size} bytes into ceil(n/1024) frames with nonces 0, 1, ... readable by plain node:crypto`, () => {
      const data = randomBytes(size);
      const s = sealer(KEY);
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
    const s = sealer(KEY);
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

  it('seals batch after batch into one reused buffer (and into a view at an offset), each as node:crypto would', () => {
    const s = sealer(KEY);
    const backing = Buffer.alloc(20 * SEALED_FRAME_SIZE + 100);
    // Large enough to have its frame views cached (as a recycled write buffer), and a view starting mid-way
    // (its frames are not at the ArrayBuffer's start); a small buffer takes the uncached path.
    const targets = [backing.subarray(0, 17 * SEALED_FRAME_SIZE), backing.subarray(100), Buffer.alloc(7 * SEALED_FRAME_SIZE)];
    let counter = 0n;
    for (const size of [3000, 1, 6000, 1024, 4100, 7168]) {
      for (const out of targets) {
        const data = randomBytes(size);
        const written = s.sealInto([data], out);
        const frames = Math.ceil(size / 1024);
        assert.equal(written, frames * SEALED_FRAME_SIZE);
        for (let i = 0; i < frames; i++) {
          const sealed = out.subarray(i * SEALED_FRAME_SIZE, (i + 1) * SEALED_FRAME_SIZE);
          const d = createDecipheriv('chacha20-poly1305', KEY, frameNonce(counter + BigInt(i)), { authTagLength: 16 });
          d.setAuthTag(sealed.subarray(TOTAL_FRAME_SIZE));
          const plain = Buffer.concat([d.update(sealed.subarray(0, TOTAL_FRAME_SIZE)), d.final()]);
          assert.deepEqual(payloadOf(plain), data.subarray(i * 1024, Math.min(size, (i + 1) * 1024)), `size ${size}, frame ${i}`);
        }
        counter += BigInt(frames);
      }
    }
  });

  it('continues the counter across writes', () => {
    const s = sealer(KEY);
    s.seal(Uint8Array.of(1));
    const second = s.seal(Uint8Array.of(2));
    const plain = createDecipheriv('chacha20-poly1305', KEY, frameNonce(1n), { authTagLength: 16 }).setAuthTag(second.subarray(TOTAL_FRAME_SIZE)).update(second.subarray(0, TOTAL_FRAME_SIZE));
    assert.equal(plain[4], 2);
  });

  it('opens frames sealed by plain node:crypto, counting independently of the sealer', () => {
    const o = opener(KEY);
    for (let i = 0; i < 3; i++) {
      const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
      plain.writeUInt32LE(i + 1, 0);
      plain.fill(0xee, 4, 4 + i + 1);
      plain.fill(0x55, 4 + i + 1); // non-zero padding must be ignored
      assert.deepEqual([...o.open(nativeSeal(KEY, plain, BigInt(i)))], new Array(i + 1).fill(0xee));
    }
    assert.equal(o.counter, 3n);
  });

  it('rejects a tampered frame, a wrong key and a replayed frame with FrameDecryptionError', () => {
    const sealed = sealer(KEY).seal(Uint8Array.of(1, 2, 3));
    for (const pos of [0, 500, TOTAL_FRAME_SIZE - 1, TOTAL_FRAME_SIZE, SEALED_FRAME_SIZE - 1]) {
      const bad = Buffer.from(sealed);
      bad[pos] ^= 0x80;
      assert.throws(() => opener(KEY).open(bad), (err: unknown) => err instanceof FrameDecryptionError && (err as Error).message.includes('failed to decrypt SecretConnection'), `flip at ${pos}`);
    }
    assert.throws(() => opener(new Uint8Array(32)).open(sealed), FrameDecryptionError);
    const o = opener(KEY);
    o.open(sealed);
    assert.throws(() => o.open(sealed), FrameDecryptionError); // frame 0 again under nonce 1
  });

  it('rejects a length field above 1024 with FrameLengthError, and accepts exactly 1024', () => {
    const s = sealer(KEY);
    const out = Buffer.alloc(2 * SEALED_FRAME_SIZE);
    const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
    plain.writeUInt32LE(1024, 0);
    s.sealFrame(plain, out, 0);
    plain.writeUInt32LE(1025, 0);
    s.sealFrame(plain, out, SEALED_FRAME_SIZE);
    const o = opener(KEY);
    assert.equal(o.open(out.subarray(0, SEALED_FRAME_SIZE)).length, 1024);
    assert.throws(() => o.open(out.subarray(SEALED_FRAME_SIZE)), (err: unknown) => err instanceof FrameLengthError && /1025/.test((err as Error).message));
  });

  it('refuses to use counter 2^64 - 1 (never wraps)', () => {
    const s = sealer(KEY, { initialCounter: 2n ** 64n - 2n });
    const last = s.seal(Uint8Array.of(1));
    assert.equal(s.counter, 2n ** 64n - 1n);
    assert.throws(() => s.seal(Uint8Array.of(2)), NonceExhaustedError);
    const o = opener(KEY, { initialCounter: 2n ** 64n - 2n });
    assert.deepEqual([...o.open(last)], [1]);
    assert.throws(() => o.open(last), NonceExhaustedError);
  });

  it('counts past 2^32 (carry into the high word)', () => {
    const s = sealer(KEY, { initialCounter: 2n ** 32n - 1n });
    const sealed = s.seal(randomBytes(2048));
    assert.equal(s.counter, 2n ** 32n + 1n);
    const o = opener(KEY, { initialCounter: 2n ** 32n - 1n });
    o.open(sealed.subarray(0, SEALED_FRAME_SIZE));
    o.open(sealed.subarray(SEALED_FRAME_SIZE));
  });

  it('seals and opens writes of many batches (300 KiB), frame for frame what node:crypto does', () => {
    const data = randomBytes(300 * 1024 + 17);
    const sealed = sealer(KEY).seal(data);
    const frames = sealed.length / SEALED_FRAME_SIZE;
    assert.equal(frames, 301);
    for (const i of [0, 63, 64, 65, 127, 128, 300]) {
      assert.deepEqual(payloadOf(nativeOpen(KEY, sealed, i)), data.subarray(i * 1024, (i + 1) * 1024));
    }
    assert.deepEqual(opener(KEY).openFrames(sealed, 0, frames), data);
  });

  it('names the frame that fails inside a batch, and opens nothing past it', () => {
    const sealed = Buffer.from(sealer(KEY).seal(randomBytes(100 * 1024)));
    sealed[70 * SEALED_FRAME_SIZE + 9] ^= 1;
    const o = opener(KEY);
    assert.throws(() => o.openFrames(sealed, 0, 100), (err: unknown) => err instanceof FrameDecryptionError && /frame 70 /.test((err as Error).message));
    assert.equal(o.counter, 70n);
  });

  it('names the frame whose length field is too large inside a batch', () => {
    const s = sealer(KEY);
    const out = Buffer.alloc(3 * SEALED_FRAME_SIZE);
    const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
    for (const [i, length] of [10, 1025, 1].entries()) {
      plain.writeUInt32LE(length, 0);
      s.sealFrame(plain, out, i * SEALED_FRAME_SIZE);
    }
    assert.throws(() => opener(KEY).openFrames(out, 0, 3), (err: unknown) => err instanceof FrameLengthError && /frame 1 declares 1025/.test((err as Error).message));
    assert.throws(() => opener(KEY).openFrames(out, SEALED_FRAME_SIZE, 3), InvalidArgumentError);
  });

  it('opens frames in place: payloads joined at the front of the region, a view of the source', () => {
    const data = randomBytes(5 * 1024 + 300);
    const s = sealer(KEY);
    const wire = Buffer.concat([Buffer.alloc(7, 0xaa), s.seal(data.subarray(0, 2000)), s.seal(data.subarray(2000))]);
    const frames = (wire.length - 7) / SEALED_FRAME_SIZE;
    assert.equal(frames, 6); // 2 + 4, the last of each write short
    const opened = opener(KEY).openFramesInPlace(wire, 7, frames);
    assert.equal(opened.buffer, wire.buffer);
    assert.equal(opened.byteOffset, wire.byteOffset + 7);
    assert.deepEqual(opened, data);
    assert.deepEqual(wire.subarray(0, 7), Buffer.alloc(7, 0xaa));
  });

  it('opens in place what plain node:crypto sealed, frame for frame, with empty and short frames', () => {
    const lengths = [0, 1024, 5, 0, 1023];
    const wire = Buffer.concat(lengths.map((length, i) => {
      const plain = Buffer.alloc(TOTAL_FRAME_SIZE, 0x55); // non-zero padding is ignored
      plain.writeUInt32LE(length, 0);
      plain.fill(i + 1, 4, 4 + length);
      return nativeSeal(KEY, plain, BigInt(i));
    }));
    const opened = opener(KEY).openFramesInPlace(wire, 0, lengths.length);
    assert.deepEqual(opened, Buffer.concat(lengths.map((length, i) => Buffer.alloc(length, i + 1))));
    assert.equal(opener(KEY).openFramesInPlace(nativeSeal(KEY, Buffer.alloc(TOTAL_FRAME_SIZE), 0n), 0, 1).length, 0);
  });

  it('names the frame that fails in place, and the length field too large', () => {
    const sealed = Buffer.from(sealer(KEY).seal(randomBytes(10 * 1024)));
    sealed[6 * SEALED_FRAME_SIZE + 1030] ^= 1; // inside frame 6's tag
    const o = opener(KEY);
    assert.throws(() => o.openFramesInPlace(sealed, 0, 10), (err: unknown) => err instanceof FrameDecryptionError && /frame 6 /.test((err as Error).message));
    assert.equal(o.counter, 6n);
    const s = sealer(KEY);
    const out = Buffer.alloc(3 * SEALED_FRAME_SIZE);
    const plain = Buffer.alloc(TOTAL_FRAME_SIZE);
    for (const [i, length] of [10, 1025, 1].entries()) {
      plain.writeUInt32LE(length, 0);
      s.sealFrame(plain, out, i * SEALED_FRAME_SIZE);
    }
    assert.throws(() => opener(KEY).openFramesInPlace(out, 0, 3), (err: unknown) => err instanceof FrameLengthError && /frame 1 declares 1025/.test((err as Error).message));
    assert.throws(() => opener(KEY).openFramesInPlace(out, 1, 3), InvalidArgumentError);
  });

  it('validates keys and frame sizes', () => {
    assert.throws(() => sealer(new Uint8Array(16)), InvalidArgumentError);
    assert.throws(() => opener(KEY).open(new Uint8Array(1043)), InvalidArgumentError);
    assert.throws(() => sealer(KEY).sealFrame(new Uint8Array(1027), new Uint8Array(SEALED_FRAME_SIZE), 0), InvalidArgumentError);
    assert.throws(() => sealer(KEY).sealFrame(new Uint8Array(1028), new Uint8Array(SEALED_FRAME_SIZE), 1), InvalidArgumentError);
  });

  describe('SealedFrameReader', () => {
    it('reassembles frames from arbitrary chunk boundaries (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (writes, rawCuts) => {
          const s = sealer(KEY);
          const wire = Buffer.concat(writes.map((w) => s.seal(w)));
          const cuts = [...new Set(rawCuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const reader = new SealedFrameReader(opener(KEY));
          const got: Buffer[] = [];
          let prev = 0;
          for (const c of [...cuts, wire.length]) {
            got.push(reader.push(wire.subarray(prev, c)));
            prev = c;
          }
          assert.equal(reader.pendingBytes, 0);
          assert.deepEqual(Buffer.concat(got), Buffer.concat(writes));
        }),
        { numRuns: 50 },
      );
    });

    it('reassembles frames from arbitrary chunk boundaries when it owns the chunks, at most two payloads per chunk (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), (writes, rawCuts) => {
          const s = sealer(KEY);
          const wire = Buffer.concat(writes.map((w) => s.seal(w)));
          const cuts = [...new Set(rawCuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const reader = new SealedFrameReader(opener(KEY), { ownsChunks: true });
          const got: Buffer[] = [];
          let prev = 0;
          for (const c of [...cuts, wire.length]) {
            // Each chunk is fresh memory, as a socket's are.
            const chunk = Buffer.from(wire.subarray(prev, c));
            let calls = 0;
            reader.read(chunk, (payload) => {
              calls++;
              assert.ok(payload.length > 0);
              got.push(payload);
            });
            assert.ok(calls <= 2);
            prev = c;
          }
          assert.equal(reader.pendingBytes, 0);
          assert.deepEqual(Buffer.concat(got), Buffer.concat(writes));
        }),
        { numRuns: 50 },
      );
    });

    it('leaves chunks it does not own untouched', () => {
      const wire = sealer(KEY).seal(randomBytes(3000));
      const copy = Buffer.from(wire);
      new SealedFrameReader(opener(KEY)).push(wire);
      assert.deepEqual(wire, copy);
    });

    it('keeps a partial frame and reports its size', () => {
      const wire = sealer(KEY).seal(Uint8Array.of(7));
      const reader = new SealedFrameReader(opener(KEY));
      assert.equal(reader.push(wire.subarray(0, 1000)).length, 0);
      assert.equal(reader.pendingBytes, 1000);
      assert.equal(hex(reader.push(wire.subarray(1000))), '07');
      assert.equal(reader.pendingBytes, 0);
    });

    it('throws FrameDecryptionError for a bad frame', () => {
      const wire = Buffer.from(sealer(KEY).seal(Uint8Array.of(7)));
      wire[3] ^= 1;
      assert.throws(() => new SealedFrameReader(opener(KEY)).push(wire), FrameDecryptionError);
    });
  });
});
