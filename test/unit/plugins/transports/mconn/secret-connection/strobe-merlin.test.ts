import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../../../../framework/errors/base.js';
import { Transcript } from '../../../../../../plugins/transports/mconn/secret-connection/merlin.js';
import { Strobe128 } from '../../../../../../plugins/transports/mconn/secret-connection/strobe.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('secret-connection: STROBE-128 and Merlin', () => {
  it('matches the upstream STROBE sanity vector (meta-AD, KEY, clone, AD, PRF)', () => {
    const s = Strobe128.create('test-strobe-sanity');
    const data = new Uint8Array(1024).map((_, i) => i & 0xff);
    s.metaAD(data, false);
    s.key('test-strobe-sanity-key', false);
    const copy = s.clone();
    s.ad(data, false);
    s.ad(data, true);
    assert.equal(
      hex(s.prf(64, false)),
      'c4728cdd0361684d643a44221d16dc4677c62ed74a7f103635bd9cb6f3cc11bdd8405b105cd7de36f800dda96ea52c6adab88225c44faba4281dcdf84b2f3454',
    );
    assert.equal(hex(copy.prf(16, false)), '16671f5f3603853adaf55614387d5604');
  });

  it('does not modify the caller\'s buffers', () => {
    const s = Strobe128.create('x');
    const key = Uint8Array.of(1, 2, 3);
    s.key(key, false);
    s.ad(key, false);
    assert.deepEqual([...key], [1, 2, 3]);
  });

  it('rejects continuing an operation with different flags, and bad PRF lengths', () => {
    const s = Strobe128.create('x');
    s.ad('a', false);
    assert.throws(() => s.metaAD('b', true), InvalidArgumentError);
    assert.throws(() => s.prf(-1, false), InvalidArgumentError);
    assert.throws(() => s.prf(1.5, false), InvalidArgumentError);
  });

  it('matches the simple transcript vector', () => {
    const t = new Transcript('test protocol');
    t.appendMessage('some label', 'some data');
    assert.equal(hex(t.extractBytes('challenge', 32)), 'd5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615');
  });

  it('matches the complex transcript vector (32 rounds, 1 KiB messages)', () => {
    const t = new Transcript('test protocol');
    t.appendMessage('step1', 'some data');
    const big = new Uint8Array(1024).fill(0x63);
    let c: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 32; i++) {
      c = t.extractBytes('challenge', 32);
      t.appendMessage('bigdata', big);
      t.appendMessage('challengedata', c);
    }
    assert.equal(hex(c), 'a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c');
  });

  it('clones are independent and agree with a transcript built the same way', () => {
    const t = new Transcript('test protocol');
    t.appendMessage('some label', 'some data');
    const copy = t.clone();
    t.appendMessage('diverge', 'x');
    assert.equal(hex(copy.extractBytes('challenge', 32)), 'd5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615');
    assert.notEqual(hex(t.extractBytes('challenge', 32)), 'd5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615');
  });

  it('binds labels and messages (changing either changes the output)', () => {
    const out = (label: string, msg: string): string => {
      const t = new Transcript('p');
      t.appendMessage(label, msg);
      return hex(t.extractBytes('c', 32));
    };
    const base = out('a', 'bc');
    assert.notEqual(out('ab', 'c'), base);
    assert.notEqual(out('a', 'bd'), base);
    assert.equal(out('a', 'bc'), base);
  });
});
