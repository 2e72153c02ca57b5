import assert from 'node:assert/strict';
import { LineRing, LineSplitter } from '../../../interop/support/log-lines.js';

describe('interop-support: log lines', () => {
  describe('LineRing', () => {
    it('keeps only the last `capacity` lines, oldest first, and counts the dropped ones', () => {
      const ring = new LineRing({ capacity: 3 });
      for (let i = 1; i <= 10; i++) ring.push(`line ${i}`);
      assert.deepEqual(ring.lines(), ['line 8', 'line 9', 'line 10']);
      assert.equal(ring.size, 3);
      assert.equal(ring.dropped, 7);
    });

    it('stays bounded at the default capacity of 2000', () => {
      const ring = new LineRing();
      for (let i = 0; i < 5000; i++) ring.push(String(i));
      assert.equal(ring.size, 2000);
      assert.equal(ring.lines()[0], '3000');
      assert.equal(ring.lines().at(-1), '4999');
    });

    it('returns partial contents before it is full', () => {
      const ring = new LineRing({ capacity: 5 });
      assert.deepEqual(ring.lines(), []);
      ring.push('a');
      ring.push('b');
      assert.deepEqual(ring.lines(), ['a', 'b']);
      assert.deepEqual(ring.tail(1), ['b']);
      assert.deepEqual(ring.tail(10), ['a', 'b']);
      assert.deepEqual(ring.tail(0), []);
    });

    it('cuts over-long lines and strips colour codes', () => {
      const ring = new LineRing({ capacity: 2, maxLineLength: 20 });
      ring.push('x'.repeat(35));
      // 27 characters with colour codes, 18 without: must not be cut.
      ring.push('\x1b[32mI[2024]\x1b[0m Added peer');
      assert.equal(ring.lines()[0], `${'x'.repeat(20)}… [15 chars cut]`);
      assert.equal(ring.lines()[1], 'I[2024] Added peer');
    });

    it('greps with global regexes without skipping matches', () => {
      const ring = new LineRing({ capacity: 10 });
      for (const l of ['E Stopping peer for error a', 'I ok', 'E Stopping peer for error b']) ring.push(l);
      const re = /Stopping peer for error/g;
      assert.equal(ring.grep(re).length, 2);
      assert.equal(ring.grep(re).length, 2);
      assert.deepEqual(ring.grep(/nothing/), []);
    });

    it('rejects non-positive bounds', () => {
      assert.throws(() => new LineRing({ capacity: 0 }), { name: 'CometBFTHarnessError', message: /capacity/ });
      assert.throws(() => new LineRing({ maxLineLength: 2.5 }), /maxLineLength/);
    });
  });

  describe('LineSplitter', () => {
    it('reassembles lines split across chunks, including multi-byte characters and CRLF', () => {
      const lines: string[] = [];
      const splitter = new LineSplitter((l) => lines.push(l));
      const bytes = Buffer.from('first ✓ line\r\nsecond\nthird');
      // Split inside the 3-byte check mark and between \r and \n.
      for (const cut of [[0, 7], [7, 13], [13, 14], [14, bytes.length]] as const) splitter.write(bytes.subarray(cut[0], cut[1]));
      assert.deepEqual(lines, ['first ✓ line', 'second']);
      splitter.end();
      assert.deepEqual(lines, ['first ✓ line', 'second', 'third']);
    });

    it('flushes a partial line that grows past its bound instead of buffering it', () => {
      const lines: string[] = [];
      const splitter = new LineSplitter((l) => lines.push(l), 16);
      splitter.write('y'.repeat(40));
      assert.deepEqual(lines, ['y'.repeat(40)]);
      splitter.write('z\n');
      assert.deepEqual(lines, ['y'.repeat(40), 'z']);
    });

    it('emits nothing at end when there is no partial line', () => {
      const lines: string[] = [];
      const splitter = new LineSplitter((l) => lines.push(l));
      splitter.write('a\n');
      splitter.end();
      assert.deepEqual(lines, ['a']);
    });
  });
});
