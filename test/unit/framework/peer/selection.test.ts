import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { ConnectionTable } from '../../../../framework/peer/connections.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import { newAddressEntry, newPeerEntry, type PeerEntry } from '../../../../framework/peer/peer-entry.js';
import { nextDialTime } from '../../../../framework/peer/selection.js';
import { SELF, addr, nid } from './helpers.js';

const NOW = 1_000_000;
const options = resolvePeerManagerOptions({ selfId: SELF, retryJitterMs: 0, minRetryTimeMs: 250, disconnectCooldownMs: 2000 });

function peer(n: number, persistent = false): PeerEntry {
  const entry = newPeerEntry(nid(n), persistent, 0);
  const info = newAddressEntry(addr(n));
  entry.addresses.set(info.key, info);
  return entry;
}

function book(...entries: PeerEntry[]) {
  const map = new Map<NodeID, PeerEntry>(entries.map((e) => [e.nodeId, e]));
  return { get: (id: NodeID) => map.get(id), values: () => map.values() };
}

describe('nextDialTime', () => {
  it('is the earliest time a waiting peer becomes dialable: a retry delay, cooldown or ban ending', () => {
    const retrying = peer(1);
    const info = [...retrying.addresses.values()][0];
    info.dialFailures = 1;
    info.lastDialFailure = NOW - 100; // retry at NOW + 150
    const cooling = peer(2);
    cooling.lastDisconnected = NOW - 1500; // dialable at NOW + 500
    const banned = peer(3);
    banned.bannedUntil = NOW + 100;
    assert.equal(nextDialTime(book(retrying, cooling, banned), new ConnectionTable(options), options, NOW, false), NOW + 100);
    assert.equal(nextDialTime(book(retrying, cooling), new ConnectionTable(options), options, NOW, false), NOW + 150);
  });

  it('is undefined when no peer waits on time: dialable now, or never (no address)', () => {
    const addressless = newPeerEntry(nid(2), false, 0);
    assert.equal(nextDialTime(book(peer(1), addressless), new ConnectionTable(options), options, NOW, false), undefined);
  });

  it('leaves out peers being dialed or connected, and non-persistent ones while maxOutgoing is reached', () => {
    const dialing = peer(1);
    dialing.bannedUntil = NOW + 100;
    const ordinary = peer(2);
    ordinary.bannedUntil = NOW + 200;
    const persistent = peer(3, true);
    persistent.bannedUntil = NOW + 300;
    const conns = new ConnectionTable(options);
    conns.dialing.set(nid(1), addr(1).toString());
    assert.equal(nextDialTime(book(dialing, ordinary, persistent), conns, options, NOW, false), NOW + 200);
    assert.equal(nextDialTime(book(dialing, ordinary, persistent), conns, options, NOW, true), NOW + 300);
  });
});
