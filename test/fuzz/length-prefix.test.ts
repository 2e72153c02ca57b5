import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DelimitedReader } from '../../framework/transport/length-prefix.js';
import { assertTyped, bytes, chunked, fuzzParameters, rawUvarint, uvarintValue } from './fuzz-kit.js';

/** A stream of length-prefixed messages as a hostile peer sends it: honest messages, declared lengths of any size, raw garbage. */
const hostileStream = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((body) => [...rawUvarint(BigInt(body.length)), ...body]),
      uvarintValue.map(rawUvarint),
      fc.uint8Array({ maxLength: 12 }).map((b) => [...b]),
      fc.constant(Array(11).fill(0xff)),
    ),
    { maxLength: 12 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('fuzz: length-prefix reader (framework/transport/length-prefix.ts)', () => {
  for (const reuseBuffer of [false, true]) {
    it(`returns only messages within maxSize, holds only what was pushed, and fails typed (reuseBuffer ${reuseBuffer})`, () => {
      fc.assert(
        fc.property(fc.oneof(hostileStream, bytes()), fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 0, max: 1100 }), (stream, cuts, maxSize) => {
          const reader = new DelimitedReader(maxSize, { reuseBuffer, what: 'fuzzed message' });
          let pushed = 0;
          let returned = 0;
          try {
            for (const chunk of chunked(stream, cuts)) {
              reader.push(chunk);
              pushed += chunk.length;
              for (let message = reader.next(); message !== undefined; message = reader.next()) {
                assert.ok(message.length <= maxSize, `a ${message.length}-byte message passed a ${maxSize}-byte limit`);
                returned += message.length;
              }
              assert.ok(reader.bufferedBytes <= pushed - returned, 'the reader holds no more than it was given');
            }
          } catch (error) {
            assertTyped(error, 'DelimitedReader.next');
            assert.match(error.name, /^(MessageTooLargeError|InvalidVarintError)$/);
          }
        }),
        fuzzParameters(),
      );
    });
  }

  it('judges a declared length by its prefix alone, before any of the body arrives', () => {
    fc.assert(
      fc.property(uvarintValue, fc.integer({ min: 0, max: 1100 }), (declared, maxSize) => {
        const reader = new DelimitedReader(maxSize);
        reader.push(Uint8Array.from(rawUvarint(declared)));
        try {
          const message = reader.next();
          if (declared === 0n) assert.equal(message?.length, 0);
          else assert.equal(message, undefined, 'a body that has not arrived');
          assert.ok(declared <= BigInt(maxSize), `${declared} > ${maxSize} was not refused at the prefix`);
        } catch (error) {
          assertTyped(error, 'DelimitedReader.next');
          assert.equal(error.name, 'MessageTooLargeError');
          assert.ok(declared > BigInt(maxSize), `${error.name} for ${declared} ≤ ${maxSize}`);
        }
      }),
      fuzzParameters(),
    );
  });
});
