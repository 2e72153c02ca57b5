import assert from 'node:assert/strict';
import {
  DEFAULT_PEER_MANAGER_OPTIONS,
  resolvePeerManagerOptions,
  type PeerManagerOptionsInput,
} from '../../../../framework/peer/options.js';
import { InvalidPeerManagerOptionsError } from '../../../../framework/peer/errors.js';
import { P2PError } from '../../../../framework/errors/base.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { addr, nid, SELF } from './helpers.js';

function rejects(input: unknown, option: string, rule: RegExp): void {
  assert.throws(
    () => resolvePeerManagerOptions(input as PeerManagerOptionsInput),
    (err: unknown) => {
      assert.ok(err instanceof InvalidPeerManagerOptionsError, `expected InvalidPeerManagerOptionsError, got ${String(err)}`);
      assert.ok(err instanceof P2PError);
      assert.equal(err.name, 'InvalidPeerManagerOptionsError');
      assert.equal(err.option, option);
      assert.match(err.message, new RegExp(option));
      assert.match(err.rule, rule);
      return true;
    },
  );
}

describe('resolvePeerManagerOptions', () => {
  it('fills every documented default', () => {
    const o = resolvePeerManagerOptions({ selfId: SELF });
    assert.equal(o.selfId, SELF);
    assert.equal(o.maxConnected, 64);
    assert.equal(o.maxOutgoing, 10);
    assert.equal(o.maxInbound, 40);
    assert.equal(o.maxConnectedUpgrade, 4);
    assert.equal(o.maxDialFailures, 16);
    assert.equal(o.maxPeers, 1000);
    assert.equal(o.minRetryTimeMs, 250);
    assert.equal(o.maxRetryTimeMs, 30 * 60_000);
    assert.equal(o.maxRetryTimePersistentMs, 5 * 60_000);
    assert.equal(o.retryJitterMs, 3000);
    assert.equal(o.disconnectCooldownMs, 2000);
    assert.equal(o.inactiveCooldownMs, 10 * 60_000);
    assert.deepEqual(o.persistentPeers, []);
    assert.deepEqual(o.privatePeerIds, []);
    assert.equal(o.selfAddress, undefined);
    assert.equal(DEFAULT_PEER_MANAGER_OPTIONS.maxConnected, 64);
  });

  it('keeps overrides and treats undefined as "use the default"', () => {
    const o = resolvePeerManagerOptions({ selfId: SELF, maxConnected: 60, maxOutgoing: undefined, persistentPeers: [addr(1)] });
    assert.equal(o.maxConnected, 60);
    assert.equal(o.maxOutgoing, 10);
    assert.equal(o.maxInbound, 40);
    assert.equal(o.persistentPeers.length, 1);
  });

  it('validates the combination after defaults (default maxOutgoing 10 > maxConnected 8)', () => {
    rejects({ selfId: SELF, maxConnected: 8, maxInbound: 0 }, 'maxOutgoing', /maxConnected/);
    const o = resolvePeerManagerOptions({ selfId: SELF, maxConnected: 8, maxOutgoing: 4, maxInbound: 4 });
    assert.ok(Object.isFrozen(o));
    assert.ok(Object.isFrozen(o.persistentPeers));
  });

  it('keeps the outbound budget out of reach of inbound peers: maxInbound + maxOutgoing <= maxConnected', () => {
    rejects({ selfId: SELF, maxConnected: 49 }, 'maxInbound', /plus maxOutgoing = 10 must not exceed maxConnected = 49/);
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, maxConnected: 50 }).maxInbound, 40);
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, maxConnected: 20, maxInbound: 0 }).maxInbound, 0, '0 = no separate inbound cap');
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, maxConnected: 0, maxOutgoing: 0, maxPeers: 0 }).maxInbound, 40, 'unlimited connections');
  });

  it('is idempotent on its own output', () => {
    const o = resolvePeerManagerOptions({ selfId: SELF, persistentPeers: [addr(1)], privatePeerIds: [nid(2)] });
    assert.deepEqual(resolvePeerManagerOptions(o), o);
  });

  it('requires a valid selfId', () => {
    rejects({}, 'selfId', /required/);
    rejects({ selfId: 'ABC' }, 'selfId', /node ID/);
    rejects(null, 'options', /object/);
  });

  for (const name of [
    'maxConnected',
    'maxOutgoing',
    'maxConnectedUpgrade',
    'maxPeers',
    'minRetryTimeMs',
    'maxRetryTimeMs',
    'maxRetryTimePersistentMs',
    'retryJitterMs',
    'disconnectCooldownMs',
    'inactiveCooldownMs',
  ]) {
    it(`rejects a negative, fractional or non-numeric ${name}`, () => {
      for (const bad of [-1, 1.5, Number.NaN, Infinity, '5']) rejects({ selfId: SELF, [name]: bad }, name, /non-negative integer/);
    });
  }

  it('rejects unknown option names (typos)', () => {
    rejects({ selfId: SELF, maxConnection: 5 }, 'maxConnection', /unknown option/);
  });

  it('rejects invalid persistent peers and private IDs', () => {
    rejects({ selfId: SELF, persistentPeers: ['not an address'] }, 'persistentPeers', /NodeAddress/);
    rejects({ selfId: SELF, persistentPeers: 'x' }, 'persistentPeers', /array/);
    rejects({ selfId: SELF, privatePeerIds: ['zz'] }, 'privatePeerIds', /node ID/);
    rejects({ selfId: SELF, privatePeerIds: nid(1) }, 'privatePeerIds', /array/);
  });

  it('rejects self as a persistent peer and a self address of another node', () => {
    rejects({ selfId: nid(1), persistentPeers: [addr(1)] }, 'persistentPeers', /selfId/);
    rejects({ selfId: SELF, selfAddress: addr(1) }, 'selfAddress', /selfId/);
    rejects({ selfId: SELF, selfAddress: 'mconn://x' }, 'selfAddress', /NodeAddress/);
  });

  it('requires every persistent peer to fit in maxConnected', () => {
    const persistentPeers = [addr(1), addr(2), addr(3)];
    rejects({ selfId: SELF, maxConnected: 2, maxOutgoing: 2, maxInbound: 0, maxPeers: 0, persistentPeers }, 'persistentPeers', /maxConnected is 2/);
    // Two addresses of one peer count once.
    const o = resolvePeerManagerOptions({ selfId: SELF, maxConnected: 2, maxOutgoing: 2, maxInbound: 0, persistentPeers: [addr(1), addr(1, '1.1.1.1'), addr(2)] });
    assert.equal(o.persistentPeers.length, 3);
  });

  it('with maxPeers set, requires maxConnected set and maxConnected + maxConnectedUpgrade <= maxPeers', () => {
    rejects({ selfId: SELF, maxConnected: 0, maxOutgoing: 0, maxPeers: 10 }, 'maxConnected', /maxPeers/);
    rejects({ selfId: SELF, maxConnected: 8, maxOutgoing: 4, maxInbound: 4, maxConnectedUpgrade: 4, maxPeers: 11 }, 'maxPeers', /12/);
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, maxConnected: 8, maxOutgoing: 4, maxInbound: 4, maxConnectedUpgrade: 4, maxPeers: 12 }).maxPeers, 12);
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, maxConnected: 0, maxOutgoing: 3, maxPeers: 0 }).maxConnected, 0);
  });

  it('requires retry caps >= minRetryTimeMs unless 0', () => {
    rejects({ selfId: SELF, minRetryTimeMs: 1000, maxRetryTimeMs: 999 }, 'maxRetryTimeMs', /minRetryTimeMs = 1000/);
    rejects({ selfId: SELF, minRetryTimeMs: 1000, maxRetryTimePersistentMs: 10 }, 'maxRetryTimePersistentMs', /minRetryTimeMs/);
    const o = resolvePeerManagerOptions({ selfId: SELF, minRetryTimeMs: 1000, maxRetryTimeMs: 0, maxRetryTimePersistentMs: 0 });
    assert.equal(o.maxRetryTimeMs, 0);
    // Retries disabled for ordinary peers while persistent ones keep a cap.
    assert.equal(resolvePeerManagerOptions({ selfId: SELF, minRetryTimeMs: 0 }).minRetryTimeMs, 0);
  });

  it('names the bad value in the message', () => {
    assert.throws(() => resolvePeerManagerOptions({ selfId: SELF, maxPeers: -7 }), /maxPeers = -7/);
    assert.throws(() => resolvePeerManagerOptions({ selfId: SELF, privatePeerIds: ['nope' as NodeID] }), /"nope"/);
  });
});
