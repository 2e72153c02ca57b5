import assert from 'node:assert/strict';
import { PEER_TEXT_MAX_LENGTH, PeerFaultLog, peerErrorFields, peerText } from '../../../../framework/logging/peer-faults.js';
import { countingLogger } from '../../../support/log-sink.js';

describe('peerText', () => {
  it('keeps printable ASCII as it is', () => {
    assert.equal(peerText('node-1 (validator) v0.38.17'), 'node-1 (validator) v0.38.17');
  });

  it('escapes line breaks, terminal escapes, backslashes and non-ASCII so a peer cannot forge a line', () => {
    assert.equal(peerText('a\nb\r\tc'), 'a\\nb\\r\\tc');
    assert.equal(peerText('\x1b[31mred'), '\\x1b[31mred');
    assert.equal(peerText('C:\\path'), 'C:\\\\path');
    assert.equal(peerText('é\u202egnp'), '\\xe9\\u202egnp');
    assert.equal(peerText('\ud83d'), '\\ud83d', 'a lone surrogate is escaped, not passed on');
  });

  it('cuts long text, saying how much was left out', () => {
    const text = peerText('x'.repeat(10_000));
    assert.equal(text, `${'x'.repeat(PEER_TEXT_MAX_LENGTH)}…(+${10_000 - PEER_TEXT_MAX_LENGTH} chars)`);
    assert.equal(peerText('abcdef', 3), 'abc…(+3 chars)');
  });

  it('never lets escapes push the result past the limit', () => {
    const text = peerText('\u0001'.repeat(100), 20);
    assert.equal(text, `${'\\x01'.repeat(5)}…(+95 chars)`);
  });

  it('renders what is not a string', () => {
    assert.equal(peerText(42), '42');
    assert.equal(peerText(undefined), 'undefined');
  });
});

describe('peerErrorFields', () => {
  it('gives the name and the escaped, cut message, without a stack unless asked', () => {
    const error = new TypeError(`bad moniker ${'\n'.repeat(3)}${'y'.repeat(1000)}`);
    const fields = peerErrorFields(error);
    assert.equal(fields.type, 'TypeError');
    assert.ok(fields.message.startsWith('bad moniker \\n\\n\\n'));
    assert.ok(fields.message.length < 250);
    assert.equal(fields.stack, undefined);
    assert.match(peerErrorFields(error, { stack: true }).stack ?? '', /^TypeError: bad moniker \\n/);
  });

  it('adds the cause only when the message does not already say it', () => {
    const inner = new RangeError('index out of range');
    assert.equal(peerErrorFields(new Error('decoding failed', { cause: inner })).cause, 'RangeError: index out of range');
    assert.equal(peerErrorFields(new Error('decoding failed: index out of range', { cause: inner })).cause, undefined);
  });
});

describe('PeerFaultLog', () => {
  it('logs the first error of a connection at warn without a stack, and only counts the rest', () => {
    const { logger, sink } = countingLogger('info');
    const faults = new PeerFaultLog(logger);
    const a = faults.connection({ peer: 'aa' });
    const b = faults.connection({ peer: 'bb' });
    assert.equal(a.report(new Error('first'), { fatal: true }), true);
    for (let i = 0; i < 1000; i++) assert.equal(a.report(new Error(`again ${i}`)), false);
    assert.equal(b.report(new Error('other peer')), true);

    const lines = sink.entries();
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], { level: 40, time: lines[0]!['time'], peer: 'aa', fatal: true, error: { type: 'Error', message: 'first' }, msg: 'peer error' });
    assert.equal(lines[1]!['peer'], 'bb');
    assert.deepEqual([a.reported, a.notLogged, b.reported, b.notLogged], [1001, 1000, 1, 0]);
    assert.deepEqual(faults.stats(), { logged: 2, notLogged: 1000 });
  });

  it('adds the stack at debug level only, once per connection', () => {
    const { logger, sink } = countingLogger('debug');
    const connection = new PeerFaultLog(logger).connection({ peer: 'aa' });
    connection.report(new Error('boom'));
    connection.report(new Error('boom again'));
    const lines = sink.entries();
    assert.deepEqual(lines.map((l) => l['level']), [40, 20]);
    assert.equal((lines[0]!['error'] as { stack?: string }).stack, undefined);
    assert.match((lines[1]!['error'] as { stack: string }).stack, /^Error: boom\\n {4}at /);
  });

  it('counts errors no connection covers without logging them', () => {
    const { logger, sink } = countingLogger('info');
    const faults = new PeerFaultLog(logger);
    faults.countNotLogged();
    assert.equal(sink.lines.length, 0);
    assert.deepEqual(faults.stats(), { logged: 0, notLogged: 1 });
  });
});
