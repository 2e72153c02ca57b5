import assert from 'node:assert/strict';
import { tmp2p } from '../../../../proto/gen/messages.js';
import { oneofWrapper, UnwrapError } from '../../../../framework/router/message-type.js';
import { defineChannel } from '../../../../framework/router/channel-definition.js';
import { InvalidArgumentError } from '../../../../framework/errors/base.js';
import { EchoChannel } from '../../../../reactors/echo/echo-channel.js';

const { EchoMessage, Ping, Pong } = tmp2p.echo;

describe('channel message typing', () => {
  const wrapper = oneofWrapper(EchoMessage, { ping: Ping, pong: Pong });

  it('wraps inner messages into the oneof and unwraps them back', () => {
    const outer = wrapper.wrap(Ping.create({ content: 'hi', sentAtUs: 5 }));
    assert.equal(outer.sum, 'ping');
    const bytes = EchoMessage.encode(outer).finish();
    assert.deepEqual([...bytes.slice(0, 2)], [0x0a, 0x06], 'field 1, length 6');
    const inner = wrapper.unwrap(EchoMessage.decode(bytes));
    assert.ok(inner instanceof Ping);
    assert.equal(inner.content, 'hi');
    assert.equal(inner.sentAtUs, 5);
    assert.ok(wrapper.unwrap(wrapper.wrap(Pong.create({ content: 'x' }))) instanceof Pong);
  });

  it('rejects an empty oneof and an unknown field with UnwrapError', () => {
    assert.throws(() => wrapper.unwrap(EchoMessage.decode(new Uint8Array())), UnwrapError);
    // Field 3 (length-delimited, empty) is unknown to EchoMessage: decodes, but wraps nothing.
    assert.throws(() => wrapper.unwrap(EchoMessage.decode(Uint8Array.from([0x1a, 0x00]))), /no known 'sum' field/);
  });

  it('refuses to wrap a message type the channel does not carry', () => {
    assert.throws(() => wrapper.wrap(EchoMessage.create() as never), InvalidArgumentError);
  });

  it('defineChannel fills documented defaults and exposes inner types', () => {
    const def = defineChannel({ id: 0x42, messageType: Ping });
    assert.equal(def.name, 'channel-0x42');
    assert.equal(def.priority, 1);
    assert.equal(def.recvMessageCapacity, 22020096);
    assert.deepEqual(def.innerTypes, [Ping]);
    assert.deepEqual(EchoChannel.innerTypes, [Ping, Pong]);
  });

  it('defineChannel rejects bad descriptors', () => {
    assert.throws(() => defineChannel({ id: 256, messageType: Ping }), /id must be an integer in 0\.\.255, got 256/);
    assert.throws(() => defineChannel({ id: 1, messageType: Ping, priority: 0 }), /priority must be an integer ≥ 1, got 0/);
    assert.throws(() => defineChannel({ id: 1, messageType: Ping, recvQueueCapacity: -1 }), /recvQueueCapacity/);
  });
});
