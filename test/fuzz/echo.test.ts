import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChannelRuntime } from '../../framework/router/channel.js';
import { FifoQueueFactory } from '../../plugins/queues/fifo.js';
import { EchoChannel, EchoMessage, Ping, Pong } from '../../reactors/echo/echo-channel.js';
import { nid } from '../unit/reactors/pex/helpers.js';
import { RecordingRoutes } from '../unit/framework/router/helpers.js';
import { bytes, fuzzParameters, hostileText, typedOrResult } from './fuzz-kit.js';

describe('fuzz: echo messages (reactors/echo, the router channel decode)', () => {
  it('the echo channel decodes and unwraps a message or fails typed', () => {
    const channel = new ChannelRuntime(EchoChannel, new RecordingRoutes(), new FifoQueueFactory(), () => {});
    const message = fc.oneof(
      fc.record({ content: hostileText(), sentAtUs: fc.oneof(fc.nat(), fc.maxSafeNat()) }, { requiredKeys: [] }).chain((body) =>
        fc.constantFrom(EchoMessage.encode({ ping: body }).finish(), EchoMessage.encode({ pong: body }).finish()),
      ),
      bytes(4000),
    );
    fc.assert(
      fc.property(message, (input) => {
        const decoded = typedOrResult('ChannelRuntime.decode', () => channel.decode(nid('peer'), input));
        if (decoded !== undefined) assert.ok(decoded.message instanceof Ping || decoded.message instanceof Pong);
      }),
      fuzzParameters(),
    );
  });
});
