import assert from 'node:assert/strict';
import { google, tmp2p } from '../../../../proto/gen/messages.js';
import { MessageEncoder } from '../../../../framework/router/message-encoder.js';
import type { MessageType } from '../../../../framework/router/message-type.js';

const { BytesValue } = google.protobuf;
const { EchoMessage, Ping } = tmp2p.echo;

/** Deterministic filler, different per size so outputs cannot be confused. */
function payload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + size) & 0xff;
  return out;
}

describe('MessageEncoder', () => {
  it('produces the bytes encode().finish() produces, for small, slab-sized and large messages', () => {
    const encoder = new MessageEncoder();
    for (const size of [0, 1, 63, 64, 65, 200, 4089, 4090, 4096, 5000, 70_000, 1024 * 1024]) {
      const message = BytesValue.create({ value: payload(size) });
      assert.deepEqual(encoder.encode(BytesValue, message), new Uint8Array(BytesValue.encode(message).finish()), `size ${size}`);
    }
    const ping = EchoMessage.create({ ping: Ping.create({ content: 'héllo ✓', sentAtUs: 123456789 }) });
    assert.deepEqual(encoder.encode(EchoMessage, ping), new Uint8Array(EchoMessage.encode(ping).finish()));
  });

  it('hands out bytes that later encodes never overwrite', () => {
    const encoder = new MessageEncoder();
    const sizes = [10, 300, 3000, 4100, 6000, 70_000, 200, 9000, 5];
    const kept = sizes.map((size) => ({ size, bytes: encoder.encode(BytesValue, BytesValue.create({ value: payload(size) })) }));
    // Many more messages through the same scratch writer and slabs.
    for (let i = 0; i < 500; i++) encoder.encode(BytesValue, BytesValue.create({ value: payload(i * 37) }));
    for (const { size, bytes } of kept) {
      assert.deepEqual(bytes, new Uint8Array(BytesValue.encode(BytesValue.create({ value: payload(size) })).finish()), `size ${size}`);
    }
  });

  it('recovers after an encode that throws half-way', () => {
    const encoder = new MessageEncoder();
    encoder.encode(BytesValue, BytesValue.create({ value: payload(50) }));
    // Throws inside the nested Ping, after the outer tag and a fork are written.
    const inner = Ping.create({ sentAtUs: 1 });
    Object.defineProperty(inner, 'content', { enumerable: true, get: () => { throw new Error('boom'); } });
    assert.throws(() => encoder.encode(EchoMessage, EchoMessage.create({ ping: inner })), /boom/);
    const good = BytesValue.create({ value: payload(77) });
    assert.deepEqual(encoder.encode(BytesValue, good), new Uint8Array(BytesValue.encode(good).finish()));
  });

  it('uses the result of a type that ignores the writer it is given', () => {
    const encoder = new MessageEncoder();
    const seen: unknown[] = [];
    const custom: MessageType<string> = {
      encode(message: string, ...rest: unknown[]) {
        seen.push(rest[0]);
        return { finish: () => new TextEncoder().encode(message) };
      },
      decode: (bytes) => new TextDecoder().decode(bytes),
    } as MessageType<string>;
    assert.equal(new TextDecoder().decode(encoder.encode(custom, 'one')), 'one');
    // Its own object is not a protobufjs writer, so the encoder never keeps or passes one.
    assert.equal(new TextDecoder().decode(encoder.encode(custom, 'two')), 'two');
    assert.deepEqual(seen, [undefined, undefined]);
    // A protobufjs type after it still works.
    const message = BytesValue.create({ value: payload(9) });
    assert.deepEqual(encoder.encode(BytesValue, message), new Uint8Array(BytesValue.encode(message).finish()));
  });
});
