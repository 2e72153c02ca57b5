import assert from 'node:assert/strict';
import {
  DialedIdMismatchError,
  IncompatiblePeerError,
  InvalidNodeInfoError,
  InvalidNodeKeyError,
  InvalidPeerNodeInfoError,
  NodeIdMismatchError,
  SelfConnectionError,
} from '../../../../framework/identity/errors.js';
import { validatePeerHandshake } from '../../../../framework/identity/handshake-checks.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';
import { HandshakeError } from '../../../../framework/transport/errors.js';
import { P2PError } from '../../../../framework/errors/base.js';
import { makeNodeInfo } from '../../../support/node-info.js';

describe('validatePeerHandshake', () => {
  const localKey = NodeKey.fromSecret('local');
  const remoteKey = NodeKey.fromSecret('remote');
  const thirdKey = NodeKey.fromSecret('third');
  const local = makeNodeInfo({ nodeId: localKey.nodeId, moniker: 'local' });
  const remote = makeNodeInfo({ nodeId: remoteKey.nodeId, moniker: 'remote' });

  it('accepts a valid, compatible, correctly keyed peer (inbound and outbound)', () => {
    validatePeerHandshake({ local, remote, remotePublicKey: remoteKey.publicKey });
    validatePeerHandshake({ local, remote, remotePublicKey: remoteKey.publicKey, expectedNodeId: remoteKey.nodeId });
  });

  const cases: Array<[string, () => void, new (...args: never[]) => Error, (err: never) => boolean]> = [
    [
      'dialed ID differs from the authenticated key',
      () => validatePeerHandshake({ local, remote, remotePublicKey: remoteKey.publicKey, expectedNodeId: thirdKey.nodeId }),
      DialedIdMismatchError,
      (err: DialedIdMismatchError) => err.expectedNodeId === thirdKey.nodeId && err.authenticatedNodeId === remoteKey.nodeId,
    ],
    [
      'remote NodeInfo is invalid',
      () => validatePeerHandshake({ local, remote: { ...remote, moniker: '' }, remotePublicKey: remoteKey.publicKey }),
      InvalidPeerNodeInfoError,
      (err: InvalidPeerNodeInfoError) => err.cause instanceof InvalidNodeInfoError && err.field === 'moniker',
    ],
    [
      'NodeInfo ID differs from the authenticated key',
      () => validatePeerHandshake({ local, remote: { ...remote, nodeId: thirdKey.nodeId }, remotePublicKey: remoteKey.publicKey }),
      NodeIdMismatchError,
      (err: NodeIdMismatchError) => err.claimedNodeId === thirdKey.nodeId && err.authenticatedNodeId === remoteKey.nodeId,
    ],
    [
      'remote is ourselves',
      () => validatePeerHandshake({ local, remote: { ...local }, remotePublicKey: localKey.publicKey }),
      SelfConnectionError,
      (err: SelfConnectionError) => err.nodeId === localKey.nodeId,
    ],
    [
      'remote is incompatible',
      () => validatePeerHandshake({ local, remote: { ...remote, network: 'elsewhere' }, remotePublicKey: remoteKey.publicKey }),
      IncompatiblePeerError,
      (err: IncompatiblePeerError) => err.reason === 'network',
    ],
  ];
  for (const [label, run, cls, check] of cases) {
    it(`${label} → ${cls.name}`, () => {
      assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
        assert.ok(err instanceof HandshakeError && err instanceof P2PError);
        assert.equal(err.name, cls.name);
        assert.ok(check(err as never));
        return true;
      });
    });
  }

  it('applies the checks in order: dialed ID before NodeInfo validity', () => {
    assert.throws(
      () => validatePeerHandshake({ local, remote: { ...remote, moniker: '' }, remotePublicKey: remoteKey.publicKey, expectedNodeId: thirdKey.nodeId }),
      DialedIdMismatchError,
    );
  });

  it('applies the checks in order: NodeInfo validity before ID match', () => {
    assert.throws(() => validatePeerHandshake({ local, remote: { ...remote, nodeId: thirdKey.nodeId, moniker: '' }, remotePublicKey: remoteKey.publicKey }), InvalidPeerNodeInfoError);
  });

  it('applies the checks in order: self before compatibility', () => {
    assert.throws(() => validatePeerHandshake({ local, remote: { ...local, network: 'x' }, remotePublicKey: localKey.publicKey }), SelfConnectionError);
  });

  it('rejects a public key that is not 32 bytes', () => {
    assert.throws(() => validatePeerHandshake({ local, remote, remotePublicKey: new Uint8Array(31) }), InvalidNodeKeyError);
  });
});
