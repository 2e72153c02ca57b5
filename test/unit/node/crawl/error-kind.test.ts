import assert from 'node:assert/strict';
import { AddressResolutionError } from '../../../../framework/address/errors.js';
import { AbortError } from '../../../../framework/errors/base.js';
import { DialedIdMismatchError, IncompatiblePeerError, InvalidPeerNodeInfoError, InvalidNodeInfoError, SelfConnectionError } from '../../../../framework/identity/errors.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { DialError, HandshakeError, HandshakeTimeoutError } from '../../../../framework/transport/errors.js';
import { crawlErrorKind, isFinalKind } from '../../../../node/crawl/error-kind.js';
import { NodeInfoTooLargeError } from '../../../../plugins/transports/mconn/errors.js';

const A = 'a'.repeat(40) as NodeID;
const B = 'b'.repeat(40) as NodeID;

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('crawlErrorKind', () => {
  it('maps socket errors under a DialError by their errno code', () => {
    const dial = (code: string) => new DialError(`dialing failed: ${code}`, { cause: socketError(code) });
    assert.equal(crawlErrorKind(dial('ECONNREFUSED'), 'dial'), 'refused');
    assert.equal(crawlErrorKind(dial('ETIMEDOUT'), 'dial'), 'timeout');
    assert.equal(crawlErrorKind(dial('EHOSTUNREACH'), 'dial'), 'unreachable');
    assert.equal(crawlErrorKind(dial('ENETUNREACH'), 'dial'), 'unreachable');
    assert.equal(crawlErrorKind(dial('ECONNRESET'), 'dial'), 'dial-failed');
    assert.equal(crawlErrorKind(new DialError('no cause'), 'dial'), 'dial-failed');
  });

  it('maps handshake and identity errors by name', () => {
    assert.equal(crawlErrorKind(new AddressResolutionError('x.example', 'no such host'), 'dial'), 'dns');
    assert.equal(crawlErrorKind(new HandshakeTimeoutError('slow'), 'handshake'), 'handshake-timeout');
    assert.equal(crawlErrorKind(new DialedIdMismatchError(A, B), 'handshake'), 'wrong-node-id');
    assert.equal(crawlErrorKind(new InvalidPeerNodeInfoError(new InvalidNodeInfoError('moniker', 'bad')), 'handshake'), 'invalid-node-info');
    assert.equal(crawlErrorKind(new NodeInfoTooLargeError('huge'), 'handshake'), 'invalid-node-info');
    assert.equal(crawlErrorKind(new IncompatiblePeerError('network', 'other chain'), 'handshake'), 'incompatible');
    assert.equal(crawlErrorKind(new SelfConnectionError(A), 'handshake'), 'self');
    assert.equal(crawlErrorKind(new HandshakeError('EOF'), 'handshake'), 'handshake-failed');
  });

  it('falls back to the phase for errors of no known kind', () => {
    assert.equal(crawlErrorKind(new AbortError(), 'dial'), 'dial-failed');
    assert.equal(crawlErrorKind(new Error('odd'), 'handshake'), 'handshake-failed');
  });

  it('calls final only what the node itself settled: incompatible, invalid NodeInfo, ourselves', () => {
    assert.deepEqual(
      (['refused', 'timeout', 'wrong-node-id', 'handshake-failed', 'invalid-node-info', 'incompatible', 'self'] as const).filter(isFinalKind),
      ['invalid-node-info', 'incompatible', 'self'],
    );
  });
});
