import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PeerAddressRecord, PeerRecord } from '../../../../framework/peer/peer-store.js';
import { mergeRecords } from '../../../../plugins/peer-stores/mongodb/record-merge.js';
import { addressOf, nid } from './fixtures.js';

const P = 1;
const a = (port: number, fields: Partial<PeerAddressRecord> = {}): PeerAddressRecord => ({ address: addressOf(P, port), dialFailures: 0, ...fields });

describe('mergeRecords (MongoDB concurrent writers)', () => {
  it('keeps the later of each timestamp, whichever side it comes from', () => {
    const stored: PeerRecord = { nodeId: nid(P), addresses: [], lastConnected: 200, lastDisconnected: 50, bannedUntil: 900 };
    const incoming: PeerRecord = { nodeId: nid(P), addresses: [], lastConnected: 100, lastDisconnected: 300 };
    assert.deepStrictEqual(mergeRecords(stored, incoming), { nodeId: nid(P), addresses: [], lastConnected: 200, lastDisconnected: 300, bannedUntil: 900 });
  });

  it('unions addresses, taking each address whole from the side with the newer dial event', () => {
    const stored: PeerRecord = {
      nodeId: nid(P),
      addresses: [a(1, { dialFailures: 4, lastDialFailure: 500 }), a(2, { lastDialSuccess: 100 }), a(3, { lastDialSuccess: 10 })],
    };
    const incoming: PeerRecord = {
      nodeId: nid(P),
      addresses: [a(1, { lastDialSuccess: 400 }), a(2, { dialFailures: 1, lastDialFailure: 200 }), a(4)],
    };
    const merged = mergeRecords(stored, incoming);
    assert.deepStrictEqual(merged.addresses, [
      a(1, { dialFailures: 4, lastDialFailure: 500 }), // stored is newer: no mixing of its failures with the incoming success time
      a(2, { dialFailures: 1, lastDialFailure: 200 }),
      a(4),
      a(3, { lastDialSuccess: 10 }), // stored only: after the incoming ones
    ]);
  });

  it('lets the incoming copy win a tie, and takes the writer’s own verdicts (inactive, score)', () => {
    const stored: PeerRecord = { nodeId: nid(P), addresses: [a(1, { dialFailures: 3, lastDialFailure: 7 })], inactive: true, mutableScore: 5 };
    const incoming: PeerRecord = { nodeId: nid(P), addresses: [a(1, { dialFailures: 0, lastDialFailure: 7 })], inactive: false, mutableScore: -2 };
    assert.deepStrictEqual(mergeRecords(stored, incoming), { nodeId: nid(P), addresses: [a(1, { dialFailures: 0, lastDialFailure: 7 })], inactive: false, mutableScore: -2 });
  });

  it('reads an absent verdict as the writer’s default (not inactive, score 0), as the peer manager writes them', () => {
    const stored: PeerRecord = { nodeId: nid(P), addresses: [], inactive: true, mutableScore: 5 };
    const merged = mergeRecords(stored, { nodeId: nid(P), addresses: [] });
    assert.deepStrictEqual(merged, { nodeId: nid(P), addresses: [] });
  });

  it('caps the address list, preferring the incoming addresses, then the most recently used stored ones', () => {
    const stored: PeerRecord = { nodeId: nid(P), addresses: [a(10, { lastDialSuccess: 1 }), a(11, { lastDialSuccess: 9 }), a(12, { lastDialSuccess: 5 })] };
    const incoming: PeerRecord = { nodeId: nid(P), addresses: [a(1), a(2)] };
    assert.deepStrictEqual(
      mergeRecords(stored, incoming, 3).addresses.map((x) => x.address),
      [addressOf(P, 1), addressOf(P, 2), addressOf(P, 11)],
    );
  });

  it('does not carry forward stored addresses that are garbage or belong to another node', () => {
    const stored = {
      nodeId: nid(P),
      addresses: [a(1), { address: addressOf(2), dialFailures: 0 }, { address: 'not an address', dialFailures: 0 }, 42, null],
    } as unknown as PeerRecord;
    assert.deepStrictEqual(mergeRecords(stored, { nodeId: nid(P), addresses: [] }).addresses, [a(1)]);
  });

  describe('properties', () => {
    const time = fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: undefined });
    const address = fc.record({ port: fc.integer({ min: 1, max: 40 }), dialFailures: fc.nat(5), lastDialSuccess: time, lastDialFailure: time }).map(
      ({ port, dialFailures, lastDialSuccess, lastDialFailure }) => {
        const r: PeerAddressRecord = { address: addressOf(P, port), dialFailures };
        if (lastDialSuccess !== undefined) r.lastDialSuccess = lastDialSuccess;
        if (lastDialFailure !== undefined) r.lastDialFailure = lastDialFailure;
        return r;
      },
    );
    const record = fc
      .record({ addresses: fc.uniqueArray(address, { selector: (x) => x.address, maxLength: 16 }), lastConnected: time, lastDisconnected: time, bannedUntil: time })
      .map((r) => {
        const out: PeerRecord = { nodeId: nid(P), addresses: r.addresses };
        for (const k of ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const) if (r[k] !== undefined) out[k] = r[k];
        return out;
      });

    it('never moves a timestamp back, never duplicates or exceeds the cap, keeps every incoming address', () => {
      fc.assert(
        fc.property(record, record, (stored, incoming) => {
          const merged = mergeRecords(stored, incoming);
          for (const k of ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const) {
            const values = [stored[k], incoming[k]].filter((v): v is number => v !== undefined);
            assert.equal(merged[k], values.length ? Math.max(...values) : undefined);
          }
          const keys = merged.addresses.map((x) => x.address);
          assert.equal(new Set(keys).size, keys.length);
          assert.ok(keys.length <= 16);
          for (const x of incoming.addresses) assert.ok(keys.includes(x.address));
        }),
      );
    });

    it('is idempotent: merging a record into itself changes nothing', () => {
      fc.assert(fc.property(record, (r) => assert.deepStrictEqual(mergeRecords(r, r), r)));
    });

    it('converges: merging the same two writes in either order gives the same timestamps and address set', () => {
      fc.assert(
        fc.property(record, record, (x, y) => {
          const xy = mergeRecords(x, y);
          const yx = mergeRecords(y, x);
          for (const k of ['lastConnected', 'lastDisconnected', 'bannedUntil'] as const) assert.equal(xy[k], yx[k]);
          if (x.addresses.length + y.addresses.length <= 16) {
            assert.deepStrictEqual(new Set(xy.addresses.map((q) => q.address)), new Set(yx.addresses.map((q) => q.address)));
          }
        }),
      );
    });
  });
});
