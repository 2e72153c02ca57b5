import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import type { NodeID } from '../../../framework/identity/node-id.js';
import type { PeerRecord } from '../../../framework/peer/peer-store.js';
import { MongoPeerStore } from '../../../plugins/peer-stores/mongodb/mongo-peer-store.js';
import type { MongoPeerStoreOptions } from '../../../plugins/peer-stores/mongodb/options.js';
import { peerStoreCompliance } from '../../unit/plugins/peer-stores/compliance.js';
import { addressOf, fullRecord, minimalRecord, nid } from '../../unit/plugins/peer-stores/fixtures.js';
import { useMongo } from './mongo-server-hooks.js';

/** A document as a test writes it straight into the collection, bypassing the store. */
type RawDocument = { _id: string | number; [field: string]: unknown };

/** Runs `fn` with a raw driver client on the fixture's server. */
async function withClient<T>(uri: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('MongoPeerStore on a real MongoDB-compatible server', function () {
  this.timeout(120_000);
  const mongo = useMongo();
  const databaseOf = new WeakMap<MongoPeerStore, string>();
  const opened: MongoPeerStore[] = [];
  const open = (database: string, options: Partial<MongoPeerStoreOptions> = {}) => {
    const store = new MongoPeerStore({ uri: mongo.server().uri, database, ...options });
    databaseOf.set(store, database);
    opened.push(store);
    return store;
  };
  // A store left open keeps its client's monitoring timers, and with them the test process, alive.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  peerStoreCompliance<MongoPeerStore>(() => ({
    create: async () => open(mongo.database('compliance')),
    reopen: async (store) => open(databaseOf.get(store)!),
    injectCorrupt: async (store, ids: readonly NodeID[]) => {
      const [a, b, c, d] = ids;
      const now = new Date();
      await withClient(mongo.server().uri, async (client) => {
        const peers = client.db(databaseOf.get(store)!).collection<RawDocument>('peers');
        await peers.insertMany([
          { _id: a, nodeId: a, v: 1, rev: 1, updatedAt: now, addresses: 'none' },
          { _id: b, nodeId: b, v: 7, rev: 1, updatedAt: now, addresses: [] }, // a future format
          { _id: c, nodeId: nid(0xc0ffee), v: 1, rev: 1, updatedAt: now, addresses: [] }, // under another node's key
          { _id: d, nodeId: d, v: 1, rev: 1, updatedAt: now, addresses: [], lastConnected: 'yesterday' },
          { _id: 12345, v: 1, rev: 1, updatedAt: now, addresses: [] },
        ]);
      });
      return store;
    },
    loadSkipsCorrupt: true,
    mergesOnSave: true,
  }));

  describe('schema', () => {
    it('keys documents by node ID with a unique nodeId index and an updatedAt index for load order', async () => {
      const database = mongo.database('schema');
      const store = open(database);
      await store.save(fullRecord(1));
      await store.flush();
      await store.close();
      await withClient(mongo.server().uri, async (client) => {
        const peers = client.db(database).collection<RawDocument>('peers');
        const indexes = await peers.indexes();
        const nodeIdIndex = indexes.find((i) => JSON.stringify(i.key) === '{"nodeId":1}');
        assert.ok(nodeIdIndex?.unique, `a unique index on nodeId: ${JSON.stringify(indexes)}`);
        assert.ok(indexes.some((i) => JSON.stringify(i.key) === '{"updatedAt":-1}'));
        const doc = await peers.findOne({ _id: nid(1) });
        assert.equal(doc?.nodeId, nid(1));
        assert.equal(doc?.v, 1);
        assert.equal(doc?.rev, 1);
        assert.ok(doc?.updatedAt instanceof Date);
        await assert.rejects(peers.insertOne({ _id: 'other', nodeId: nid(1) }), { code: 11000 });
      });
    });

    it('loads the most recently updated peers first and at most maxLoadRecords', async () => {
      const database = mongo.database('order');
      const writer = open(database);
      for (const n of [1, 2, 3]) {
        await writer.save(minimalRecord(n));
        await writer.flush();
        await new Promise((resolve) => setTimeout(resolve, 5)); // distinct updatedAt values
      }
      await writer.save({ ...minimalRecord(1), lastConnected: 5 });
      await writer.close();
      const reader = open(database, { maxLoadRecords: 2 });
      assert.deepStrictEqual((await reader.load()).map((r) => r.nodeId), [nid(1), nid(3)]);
      await reader.close();
    });
  });

  describe('two nodes writing the same peer', () => {
    it('merges a stale writer into the newer document instead of overwriting it', async () => {
      const database = mongo.database('stale');
      const a = open(database);
      const b = open(database);
      const p = 42;
      await a.save({ nodeId: nid(p), addresses: [{ address: addressOf(p, 1), dialFailures: 0 }], lastConnected: 100 });
      await a.flush();
      // B learns a newer connection through another address.
      await b.save({ nodeId: nid(p), addresses: [{ address: addressOf(p, 2), dialFailures: 0, lastDialSuccess: 200 }], lastConnected: 200 });
      await b.flush();
      // A, not knowing, records a failed dial with its old view of the peer.
      await a.save({
        nodeId: nid(p),
        addresses: [{ address: addressOf(p, 1), dialFailures: 1, lastDialFailure: 300 }],
        lastConnected: 100,
        lastDisconnected: 300,
      });
      await a.flush();
      assert.ok(a.status().conflicts >= 1, 'A noticed B’s revision');
      const [merged] = await open(database).load();
      assert.deepStrictEqual(merged, {
        nodeId: nid(p),
        addresses: [
          { address: addressOf(p, 1), dialFailures: 1, lastDialFailure: 300 },
          { address: addressOf(p, 2), dialFailures: 0, lastDialSuccess: 200 },
        ],
        lastConnected: 200, // not rolled back to A's 100
        lastDisconnected: 300,
      });
      await Promise.all([a.close(), b.close()]);
    });

    for (const writeLocks of ['auto', 'always'] as const) {
      it(`loses no update when two stores race on one peer (writeLocks: ${writeLocks})`, async () => {
        const database = mongo.database(`race_${writeLocks}`);
        const a = open(database, { writeConcurrency: 2, writeLocks });
        const b = open(database, { writeConcurrency: 2, writeLocks });
        const p = 7;
        const rounds = 25;
        const writer = async (store: MongoPeerStore, make: (i: number) => PeerRecord) => {
          for (let i = 1; i <= rounds; i++) {
            await store.save(make(i));
            await store.flush();
          }
        };
        await Promise.all([
          // A keeps connecting through port 1; B keeps failing to dial port 2.
          writer(a, (i) => ({ nodeId: nid(p), addresses: [{ address: addressOf(p, 1), dialFailures: 0, lastDialSuccess: 1000 + i }], lastConnected: 1000 + i })),
          writer(b, (i) => ({ nodeId: nid(p), addresses: [{ address: addressOf(p, 2), dialFailures: i, lastDialFailure: 2000 + i }], lastDisconnected: 2000 + i })),
        ]);
        const [final] = await open(database).load();
        const byAddress = Object.fromEntries(final!.addresses.map((x) => [x.address, x]));
        assert.deepStrictEqual(byAddress, {
          [addressOf(p, 1)]: { address: addressOf(p, 1), dialFailures: 0, lastDialSuccess: 1000 + rounds },
          [addressOf(p, 2)]: { address: addressOf(p, 2), dialFailures: rounds, lastDialFailure: 2000 + rounds },
        });
        assert.equal(final!.lastConnected, 1000 + rounds);
        assert.equal(final!.lastDisconnected, 2000 + rounds);
        // Without locks the two writers must have collided (else the race was not exercised);
        // with locks (FerretDB) they queue behind each other, so a collision is not guaranteed.
        if (!a.status().writeLocks) assert.ok(a.status().conflicts + b.status().conflicts > 0, 'the writers did interleave');
        assert.equal(a.status().failed + b.status().failed, 0);
        if (writeLocks === 'always') assert.equal(a.status().writeLocks, true);
        else assert.equal(a.status().writeLocks, mongo.server().flavor === 'ferretdb', 'locks exactly where updates are not atomic');
      });
    }

    it('does not delete a peer another writer changed since this store last saw it', async () => {
      const database = mongo.database('delete');
      const a = open(database);
      const b = open(database);
      await a.save(minimalRecord(1));
      await a.save(minimalRecord(2));
      await a.flush();
      await b.save({ ...minimalRecord(1), lastConnected: 77 });
      await b.flush();
      await a.delete(nid(1)); // A prunes it, unaware of B's news
      await a.delete(nid(2));
      await a.flush();
      const loaded = await open(database).load();
      assert.deepStrictEqual(loaded.map((r) => [r.nodeId, r.lastConnected]), [[nid(1), 77]]);
      await Promise.all([a.close(), b.close()]);
    });
  });

  describe('write locks', () => {
    it('waits for another writer’s live lock, puts the write back, and lands it once the lock is gone', async () => {
      const database = mongo.database('locks');
      const store = open(database, { writeLocks: 'always', lockWaitMs: 50, retryMinMs: 10, retryMaxMs: 20 });
      await store.save(minimalRecord(5));
      await store.flush();
      await withClient(mongo.server().uri, async (client) => {
        const locks = client.db(database).collection<RawDocument>('peers_locks');
        await locks.insertOne({ _id: nid(5), owner: 'another-node', expiresAt: new Date(Date.now() + 60_000) });
        await store.save({ ...minimalRecord(5), lastConnected: 55 });
        const deadline = Date.now() + 20_000;
        while (store.status().retries < 2) {
          assert.ok(Date.now() < deadline, 'the write was retried');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(store.status().pending, 1);
        assert.equal(store.status().state, 'up', 'contention is not an outage');
        await locks.deleteOne({ _id: nid(5) });
      });
      await store.flush();
      assert.deepStrictEqual(await store.load(), [{ ...minimalRecord(5), lastConnected: 55 }]);
    });

    it('takes over a lock whose holder died (lease expired) and releases its own', async () => {
      const database = mongo.database('stale_lock');
      const store = open(database, { writeLocks: 'always' });
      await withClient(mongo.server().uri, async (client) => {
        const locks = client.db(database).collection<RawDocument>('peers_locks');
        await locks.insertOne({ _id: nid(6), owner: 'crashed-node', expiresAt: new Date(Date.now() - 1000) });
        await store.save(minimalRecord(6));
        await store.flush();
        assert.equal(await locks.countDocuments({}), 0);
      });
      assert.deepStrictEqual(await store.load(), [minimalRecord(6)]);
    });
  });
});
