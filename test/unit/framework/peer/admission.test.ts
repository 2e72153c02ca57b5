import assert from 'node:assert/strict';
import { recordAdmission } from '../../../../framework/peer/admission.js';
import { newAddressEntry, newPeerEntry, type PeerEntry } from '../../../../framework/peer/peer-entry.js';
import { addr, nid } from './helpers.js';

const NOW = 5_000;

/** Peer 1 with two addresses that have failed 3 and 2 times. */
function failingPeer(): PeerEntry {
  const entry = newPeerEntry(nid(1), false, 0);
  for (const [address, failures] of [[addr(1), 3], [addr(1, '9.9.9.9'), 2]] as const) {
    const info = newAddressEntry(address);
    info.dialFailures = failures;
    info.jitter = 100;
    entry.addresses.set(info.key, info);
  }
  entry.inactiveSince = 1_000;
  return entry;
}

describe('recordAdmission', () => {
  it('outbound: clears the dialed address only, as a success, keeping its failure count in the record', () => {
    const entry = failingPeer();
    const record = recordAdmission(entry, 'outbound', addr(1), NOW);
    assert.deepEqual(record, { direction: 'outbound', since: NOW, persistent: false, dialedAddress: { key: addr(1).toString(), failuresBefore: 3 } });
    const dialed = entry.addresses.get(addr(1).toString());
    assert.deepEqual([dialed?.dialFailures, dialed?.jitter, dialed?.lastDialSuccess], [0, 0, NOW]);
    assert.equal(entry.addresses.get(addr(1, '9.9.9.9').toString())?.dialFailures, 2);
  });

  it('inbound: clears every address, recording no dial success', () => {
    const entry = failingPeer();
    const record = recordAdmission(entry, 'inbound', undefined, NOW);
    assert.deepEqual(record, { direction: 'inbound', since: NOW, persistent: false, dialedAddress: undefined });
    for (const info of entry.addresses.values()) assert.deepEqual([info.dialFailures, info.lastDialSuccess], [0, undefined]);
  });

  it('remembers an address it did not know, ends inactivity and stamps the connection', () => {
    const entry = failingPeer();
    recordAdmission(entry, 'inbound', addr(1, '7.7.7.7'), NOW);
    assert.equal(entry.addresses.has(addr(1, '7.7.7.7').toString()), true);
    assert.equal(entry.inactiveSince, undefined);
    assert.equal(entry.lastConnected, NOW);
  });

  it('carries the peer\'s persistence into the record', () => {
    const entry = newPeerEntry(nid(2), true, 0);
    assert.equal(recordAdmission(entry, 'inbound', undefined, NOW).persistent, true);
  });
});
