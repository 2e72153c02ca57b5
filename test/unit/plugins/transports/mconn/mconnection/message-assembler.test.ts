import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MessageAssembler } from '../../../../../../plugins/transports/mconn/mconnection/message-assembler.js';

function concat(chunks: readonly Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c)));
}

describe('MessageAssembler', () => {
  it('returns exactly the concatenation of its chunks, for any chunking and first block size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        (firstBlock, messages) => {
          const assembler = new MessageAssembler(firstBlock);
          // One assembler serves message after message, as a channel's does.
          for (const chunks of messages) {
            for (const chunk of chunks.slice(0, -1)) assembler.append(chunk);
            assert.equal(assembler.length, chunks.slice(0, -1).reduce((n, c) => n + c.length, 0));
            const message = assembler.finish(chunks[chunks.length - 1]);
            assert.deepEqual(message, concat(chunks));
            assert.equal(assembler.length, 0);
          }
        },
      ),
    );
  });

  it('copies chunks, so a caller may reuse the buffer a chunk was a view of', () => {
    const assembler = new MessageAssembler(4);
    const scratch = Buffer.from('abcdefgh');
    assembler.append(scratch.subarray(0, 6));
    scratch.fill(0x7a);
    const message = assembler.finish(Buffer.from('!'));
    assert.equal(message.toString(), 'abcdef!');
  });

  it('assembles a 1 MiB message across 64 KiB blocks', () => {
    const assembler = new MessageAssembler(4096);
    const chunks = Array.from({ length: 1025 }, (_, i) => Buffer.alloc(1024, i % 251));
    for (const chunk of chunks.slice(0, -1)) assembler.append(chunk);
    const message = assembler.finish(chunks[1024]);
    assert.equal(message.length, 1025 * 1024);
    assert.deepEqual(message, Buffer.concat(chunks));
  });

  it('clear() drops a partial message', () => {
    const assembler = new MessageAssembler(8);
    assembler.append(Buffer.from('partial message'));
    assembler.clear();
    assert.equal(assembler.length, 0);
    assert.equal(assembler.finish(Buffer.from('next')).toString(), 'next');
  });
});
