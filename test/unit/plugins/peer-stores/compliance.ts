import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore } from '../../../../framework/peer/peer-store.js';
import { decodeRecords } from '../../../../framework/peer/peer-records.js';
import { addressOf, byId, fullRecord, minimalRecord, nid } from './fixtures.js';

/** How the suite drives one store implementation. */
export interface StoreHarness<S extends PeerStore = PeerStore> {
  /** A store on fresh, empty storage. */
  create(): Promise<S>;
  /** A new store on the same storage as `store`, which has been closed. Absent when nothing outlives the instance. */
  reopen?(store: S): Promise<S>;
  /**
   * Writes undecodable data for the given node IDs straight into the backend
   * under `store` (one kind of damage per ID, as the backend allows: bytes
   * that are not a record, a record of the wrong shape, a record under
   * another node's key, a record of an unknown format version). Returns the
   * store to go on with (a backend with a lock may need close + reopen).
   */
  injectCorrupt(store: S, nodeIds: readonly NodeID[]): Promise<S>;
  /** True when `load()` itself drops corrupted records; otherwise it returns them and the PeerManager must. */
  readonly loadSkipsCorrupt: boolean;
  /**
   * True when a save merges into what is stored (shared-database stores keep
   * the newest facts of concurrent writers) rather than replacing it; the
   * overwrite test then only checks the fields that moved forward.
   */
  readonly mergesOnSave?: boolean;
  /** Records for the "many records" test. Default 5000. */
  readonly manyRecords?: number;
}

/** What the PeerManager would keep of a load result. */
function acceptedByManager(records: unknown[]): NodeID[] {
  const decoded = decodeRecords(records, {
    selfId: 'f'.repeat(40) as NodeID,
    now: 0,
    random: { next: () => 0.5 },
    retryJitterMs: 0,
    persistent: () => false,
  });
  return decoded.entries.map((e) => e.nodeId).sort();
}

/**
 * The behaviour every PeerStore plugin must have. Call inside a describe();
 * `harness` is read lazily so a before() hook may build it.
 */
export function peerStoreCompliance<S extends PeerStore>(harness: () => StoreHarness<S>): void {
  const open: S[] = [];
  const create = async (): Promise<S> => {
    const store = await harness().create();
    open.push(store);
    return store;
  };
  const reopen = async (store: S): Promise<S> => {
    await store.close();
    const next = await harness().reopen!(store);
    open.push(next);
    return next;
  };

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => {});
  });

  describe('PeerStore compliance', function () {
    this.timeout(120_000);

    it('round-trips records exactly, with every field and with only the required ones', async () => {
      const store = await create();
      const records = [fullRecord(1), minimalRecord(2), { ...fullRecord(3), inactive: true, mutableScore: -40 }, { nodeId: nid(4), addresses: [] }];
      for (const r of records) await store.save(r);
      assert.deepStrictEqual(byId(await store.load()), byId(records));
    });

    it('returns an empty list from empty storage', async () => {
      const store = await create();
      assert.deepStrictEqual(await store.load(), []);
    });

    it('replaces a record when it is saved again', async () => {
      const store = await create();
      await store.save(fullRecord(1));
      await store.save(minimalRecord(2));
      const newer: PeerRecord = {
        ...fullRecord(1),
        addresses: [{ address: addressOf(1), dialFailures: 0, lastDialSuccess: 1_750_000_000_000 }],
        lastConnected: 1_750_000_000_000,
        inactive: true,
        mutableScore: 9,
      };
      await store.save(newer);
      const loaded = byId(await store.load());
      assert.equal(loaded.length, 2);
      if (!harness().mergesOnSave) assert.deepStrictEqual(loaded[0], newer);
      assert.deepStrictEqual(loaded[0]!.lastConnected, newer.lastConnected);
      assert.deepStrictEqual(loaded[0]!.inactive, true);
      assert.deepStrictEqual(loaded[0]!.mutableScore, 9);
      assert.deepStrictEqual(
        loaded[0]!.addresses.find((a) => a.address === addressOf(1)),
        newer.addresses[0],
      );
      assert.deepStrictEqual(loaded[1], minimalRecord(2));
    });

    it('deletes records; deleting an unknown peer is not an error', async () => {
      const store = await create();
      for (const n of [1, 2, 3]) await store.save(fullRecord(n));
      await store.delete(nid(2));
      await store.delete(nid(99));
      assert.deepStrictEqual(byId(await store.load()).map((r) => r.nodeId), [nid(1), nid(3)]);
      await store.save(minimalRecord(2));
      assert.deepStrictEqual(byId(await store.load()).map((r) => r.nodeId), [nid(1), nid(2), nid(3)]);
    });

    it('holds many records', async () => {
      const store = await create();
      const count = harness().manyRecords ?? 5000;
      const records = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? fullRecord(i + 1) : minimalRecord(i + 1)));
      for (let i = 0; i < records.length; i += 250) await Promise.all(records.slice(i, i + 250).map((r) => store.save(r)));
      const loaded = byId(await store.load());
      assert.equal(loaded.length, count);
      assert.deepStrictEqual(loaded, byId(records));
    });

    it('copies: changing a saved or a loaded object does not change the store', async () => {
      const store = await create();
      const original = fullRecord(1);
      const saved = fullRecord(1);
      await store.save(saved);
      saved.addresses[0]!.dialFailures = 1000;
      saved.addresses.push({ address: addressOf(1, 1), dialFailures: 0 });
      saved.lastConnected = 1;
      const [first] = await store.load();
      assert.deepStrictEqual(first, original);
      first!.addresses[0]!.address = 'changed';
      first!.addresses.pop();
      first!.mutableScore = 77;
      const [second] = await store.load();
      assert.deepStrictEqual(second, original);
    });

    it('reports its health: up with nothing pending once idle, and never throws', async () => {
      const store = await create();
      await store.save(fullRecord(1));
      await store.load(); // waits for the store's own queued writes
      const health = store.health?.();
      assert.ok(health, 'every built-in store reports health');
      assert.equal(health.store, store.name);
      assert.equal(health.state, 'up');
      assert.equal(health.pendingWrites, 0);
      assert.equal(health.lastError, undefined);
    });

    it('rejects a record without a valid node ID', async () => {
      const store = await create();
      await assert.rejects(store.save({ ...minimalRecord(1), nodeId: 'not-a-node-id' as NodeID }), { name: 'InvalidArgumentError' });
      await assert.rejects(store.save({ ...minimalRecord(1), nodeId: nid(0xabcdef).toUpperCase() as NodeID }), { name: 'InvalidArgumentError' });
      await assert.rejects(store.save(null as unknown as PeerRecord), { name: 'InvalidArgumentError' });
      assert.deepStrictEqual(await store.load(), []);
    });

    it('rejects load with an aborted signal', async () => {
      const store = await create();
      await store.save(minimalRecord(1));
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(store.load(controller.signal), { name: 'AbortError' });
    });

    it('skips corrupted records without throwing, keeping the valid ones', async function () {
      let store = await create();
      for (const n of [1, 2, 3]) await store.save(fullRecord(n));
      const corrupt = [nid(10), nid(11), nid(12), nid(13)];
      store = await harness().injectCorrupt(store, corrupt);
      open.push(store);
      const loaded = await store.load();
      assert.deepStrictEqual(acceptedByManager(loaded), [nid(1), nid(2), nid(3)]);
      if (harness().loadSkipsCorrupt) assert.deepStrictEqual(byId(loaded), [fullRecord(1), fullRecord(2), fullRecord(3)]);
      // Still writable, and a corrupted peer can be saved over.
      await store.save(fullRecord(10));
      assert.ok(acceptedByManager(await store.load()).includes(nid(10)));
    });

    it('keeps records across close and reopen', async function () {
      if (harness().reopen === undefined) this.skip();
      let store = await create();
      for (const n of [1, 2, 3, 4]) await store.save(n % 2 ? fullRecord(n) : minimalRecord(n));
      await store.delete(nid(3));
      store = await reopen(store);
      assert.deepStrictEqual(byId(await store.load()), [fullRecord(1), minimalRecord(2), minimalRecord(4)]);
      await store.save({ ...minimalRecord(5) });
      store = await reopen(store);
      assert.deepStrictEqual(byId(await store.load()).map((r) => r.nodeId), [nid(1), nid(2), nid(4), nid(5)]);
    });
  });
}
