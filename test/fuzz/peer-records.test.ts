import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PeerManager } from '../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../framework/peer/options.js';
import { MemoryPeerStore } from '../../plugins/peer-stores/memory.js';
import { decodeRecordJSON } from '../../plugins/peer-stores/record-codec.js';
import { DefaultScoringStrategy } from '../../plugins/scoring/default.js';
import { FakeClock, FixedRandom } from '../support/fakes.js';
import { nid } from '../unit/reactors/pex/helpers.js';
import { fuzzParameters, hostileText, typedOrResolved } from './fuzz-kit.js';

const ID = nid('stored');

/** What a damaged or doctored store may hold: records of the right shape with hostile fields, other JSON, text. */
const address = fc.record(
  {
    address: fc.oneof(fc.constant(`${ID}@203.0.113.1:26656`), fc.constant(`mconn://${ID}@[::1]:1`), hostileText()),
    dialFailures: fc.oneof(fc.nat(100), fc.double(), fc.constant(-1), fc.string()),
    lastDialSuccess: fc.oneof(fc.nat(), fc.double(), fc.string()),
    lastDialFailure: fc.oneof(fc.nat(), fc.double()),
    learnedFrom: fc.oneof(fc.constantFrom('loopback', 'link-local', 'private', 'public'), fc.string()),
  },
  { requiredKeys: [] },
);
const record = fc.record(
  {
    v: fc.oneof(fc.constant(1), fc.integer()),
    nodeId: fc.oneof(fc.constant(ID), hostileText('0123456789abcdef')),
    addresses: fc.oneof(fc.array(fc.oneof(address, fc.jsonValue()), { maxLength: 5 }), fc.jsonValue()),
    lastConnected: fc.oneof(fc.nat(), fc.double()),
    inactive: fc.oneof(fc.boolean(), fc.jsonValue()),
    bannedUntil: fc.oneof(fc.nat(), fc.double(), fc.constant(Number.MAX_VALUE)),
    mutableScore: fc.oneof(fc.integer(), fc.double()),
  },
  { requiredKeys: [] },
);
const storedText = fc.oneof(record.map((r) => JSON.stringify(r)), fc.jsonValue().map((v) => JSON.stringify(v)), hostileText('{}[]":,0123456789'));

describe('fuzz: stored peer records (plugins/peer-stores/record-codec.ts, PeerManager load)', () => {
  it('decodeRecordJSON judges any stored text without throwing', () => {
    fc.assert(
      fc.property(storedText, (text) => {
        const checked = decodeRecordJSON(text, ID);
        if (checked.ok) {
          assert.equal(checked.record.nodeId, ID);
          assert.ok(Array.isArray(checked.record.addresses));
        } else assert.equal(typeof checked.problem, 'string');
      }),
      fuzzParameters(),
    );
  });

  it('a PeerManager starts on whatever records decode, dropping what it cannot use', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storedText, { maxLength: 4 }), async (texts) => {
        const store = new MemoryPeerStore();
        for (const text of texts) {
          const checked = decodeRecordJSON(text, ID);
          if (checked.ok) await store.save(checked.record);
        }
        const pm = new PeerManager(resolvePeerManagerOptions({ selfId: nid('self'), retryJitterMs: 0 }), store, new DefaultScoringStrategy(), new FakeClock(), new FixedRandom(0));
        await typedOrResolved('PeerManager.start', () => pm.start());
        for (const peer of pm.snapshot()) for (const a of peer.addresses) assert.equal(typeof a, 'string');
        await pm.close();
      }),
      fuzzParameters(0.25),
    );
  });
});
