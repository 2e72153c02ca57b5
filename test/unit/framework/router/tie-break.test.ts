import assert from 'node:assert/strict';
import { decideDuplicate, lowerIdDialed, sharesTieBreak, type DuplicateCase } from '../../../../framework/router/tie-break.js';
import { parseNodeID } from '../../../../framework/identity/node-id.js';
import { fakePeer } from '../../../support/fake-transport.js';

const LOW = parseNodeID('0'.repeat(40));
const HIGH = parseNodeID('f'.repeat(40));

describe('tie-break: the decision for a second connection to a routed peer', () => {
  const base: DuplicateCase = { localId: LOW, remoteId: HIGH, newDirection: 'inbound', routedDirection: 'outbound', remoteSharesRule: true, standbyHeld: false };

  it('refuses a second connection in the routed direction (a redial, not a race), whatever the peer', () => {
    for (const remoteSharesRule of [true, false]) {
      assert.equal(decideDuplicate({ ...base, newDirection: 'outbound', routedDirection: 'outbound', remoteSharesRule }), 'refuse');
      assert.equal(decideDuplicate({ ...base, newDirection: 'inbound', routedDirection: 'inbound', remoteSharesRule }), 'refuse');
    }
  });

  it('refuses while a standby is held (one per peer)', () => {
    assert.equal(decideDuplicate({ ...base, remoteSharesRule: false, standbyHeld: true }), 'refuse');
    assert.equal(decideDuplicate({ ...base, localId: HIGH, remoteId: LOW, standbyHeld: true }), 'refuse');
  });

  it('with a peer that shares the rule, replaces when the new connection is the one the lower ID dialed, else holds it for the peer to close', () => {
    // We are LOW: our outbound is the kept one.
    assert.equal(decideDuplicate({ ...base, newDirection: 'outbound', routedDirection: 'inbound' }), 'replace');
    assert.equal(decideDuplicate({ ...base, newDirection: 'inbound', routedDirection: 'outbound' }), 'hold');
    // We are HIGH: the peer's connection (inbound here) is the kept one.
    assert.equal(decideDuplicate({ ...base, localId: HIGH, remoteId: LOW, newDirection: 'inbound', routedDirection: 'outbound' }), 'replace');
    assert.equal(decideDuplicate({ ...base, localId: HIGH, remoteId: LOW, newDirection: 'outbound', routedDirection: 'inbound' }), 'hold');
  });

  it('with any other peer, holds the new connection of the opposite direction', () => {
    assert.equal(decideDuplicate({ ...base, remoteSharesRule: false }), 'hold');
    assert.equal(decideDuplicate({ ...base, remoteSharesRule: false, newDirection: 'outbound', routedDirection: 'inbound' }), 'hold');
  });

  it('both ends of a pair name the same connection as the one the lower ID dialed', () => {
    // The LOW→HIGH connection is outbound at LOW and inbound at HIGH.
    assert.equal(lowerIdDialed(LOW, HIGH, 'outbound'), true);
    assert.equal(lowerIdDialed(HIGH, LOW, 'inbound'), true);
    assert.equal(lowerIdDialed(LOW, HIGH, 'inbound'), false);
    assert.equal(lowerIdDialed(HIGH, LOW, 'outbound'), false);
  });

  it('a peer shares the rule when its NodeInfo.version starts with "tmp2p/"', () => {
    assert.equal(sharesTieBreak(fakePeer({ version: 'tmp2p/0.1.0' }).nodeInfo), true);
    assert.equal(sharesTieBreak(fakePeer({ version: '0.38.17' }).nodeInfo), false);
    assert.equal(sharesTieBreak(fakePeer({ version: '' }).nodeInfo), false);
    assert.equal(sharesTieBreak(fakePeer({ version: 'xtmp2p/1' }).nodeInfo), false);
  });
});
