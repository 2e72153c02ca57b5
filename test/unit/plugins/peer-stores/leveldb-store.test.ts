import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../../node/config/loader.js';
import { componentOptions } from '../../../../node/config/component-options.js';
import { NodeKey } from '../../../../framework/identity/node-key.js';
import { LevelPeerStore, levelKeyOf } from '../../../../plugins/peer-stores/leveldb.js';
import { resolveLevelPath } from '../../../../plugins/peer-stores/level-options.js';
import { PEER_RECORD_FORMAT_VERSION } from '../../../../plugins/peer-stores/record-codec.js';
import { peerStoreCompliance } from './compliance.js';
import { byId, fullRecord, minimalRecord, nid } from './fixtures.js';
import { levelHarness, readRaw, removeTempDirs, tempDir, writeRaw } from './harness-level.js';
import { recordingLogger } from '../../../support/recording-logger.js';

/** The store's options as a node with this home and `p2p.peer_store_path` gets them. */
async function storeOptions(home: string | undefined, peerStorePath = '') {
  const config = await loadConfig({ home, values: { p2p: { peer_store_path: peerStorePath } } });
  return componentOptions(config, NodeKey.generate()).levelPeerStore;
}

describe('LevelPeerStore', () => {
  after(removeTempDirs);

  peerStoreCompliance(() => levelHarness());

  describe('with fsync and tiny batches', () => {
    peerStoreCompliance(() => ({ ...levelHarness({ sync: true, maxBatchSize: 7, maxPendingWrites: 20 }), manyRecords: 500 }));
  });

  describe('location', () => {
    it('takes its directory from p2p.peer_store_path: default <home>/data/peerstore, relative to the home, created on first use', async () => {
      const home = await tempDir();
      const store = new LevelPeerStore(await storeOptions(home));
      assert.equal(store.path, join(home, 'data', 'peerstore'));
      assert.equal(existsSync(store.path), false);
      await store.save(minimalRecord(1));
      assert.equal(existsSync(join(store.path, 'CURRENT')), true);
      await store.close();
      assert.equal(new LevelPeerStore(await storeOptions('/h', 'custom/peers')).path, '/h/custom/peers');
      assert.equal(new LevelPeerStore(await storeOptions('/h', '/abs/peers')).path, '/abs/peers');
      assert.equal(resolveLevelPath({ path: '/elsewhere/db' }), '/elsewhere/db');
    });

    it('refuses to guess a directory for a node without a home', async () => {
      const options = await storeOptions(undefined);
      assert.throws(() => new LevelPeerStore(options), { name: 'PeerStoreConfigError', message: /needs a directory.*--home/ });
      assert.throws(() => new LevelPeerStore(), { name: 'PeerStoreConfigError' });
    });

    it('rejects bad tuning options, naming them', async () => {
      const path = join(await tempDir(), 'db');
      assert.throws(() => new LevelPeerStore({ path, maxBatchSize: 0 }), { name: 'PeerStoreConfigError', message: /maxBatchSize.*got 0/ });
      assert.throws(() => new LevelPeerStore({ path, maxPendingWrites: 1.5 }), { name: 'PeerStoreConfigError', message: /maxPendingWrites/ });
    });
  });

  describe('locking and lifecycle', () => {
    it('holds the database lock until close, then another store can open it', async () => {
      const path = join(await tempDir(), 'db');
      const first = new LevelPeerStore({ path });
      await first.save(fullRecord(1));
      const second = new LevelPeerStore({ path });
      await assert.rejects(second.load(), { name: 'PeerStoreOpenError', message: /LOCK/ });
      await first.close();
      assert.deepStrictEqual(await second.load(), [fullRecord(1)]);
      await second.close();
    });

    it('rejects writes and loads after close; close is idempotent', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      await store.save(minimalRecord(1));
      await Promise.all([store.close(), store.close()]);
      await assert.rejects(store.save(minimalRecord(2)), { name: 'PeerStoreClosedError' });
      await assert.rejects(store.delete(nid(1)), { name: 'PeerStoreClosedError' });
      assert.equal(store.stats().open, false);
    });

    it('commits writes queued before close', async () => {
      const path = join(await tempDir(), 'db');
      const store = new LevelPeerStore({ path });
      const writes = Array.from({ length: 300 }, (_, i) => store.save(minimalRecord(i + 1)));
      await store.close();
      await Promise.all(writes);
      const reopened = new LevelPeerStore({ path });
      assert.equal((await reopened.load()).length, 300);
      await reopened.close();
    });

    it('closes cleanly when it was never used', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      await store.close();
      assert.equal(existsSync(store.path), false);
    });

    it('repairs a database LevelDB reports as corrupted at open, keeping what it salvages', async () => {
      const path = join(await tempDir(), 'db');
      const first = new LevelPeerStore({ path });
      for (const n of [1, 2, 3]) await first.save(fullRecord(n));
      await first.close();
      await writeFile(join(path, 'CURRENT'), 'garbage'); // the pointer to the MANIFEST
      const { lines, logger } = recordingLogger();
      const store = new LevelPeerStore({ path }, logger);
      assert.deepStrictEqual(byId(await store.load()), [fullRecord(1), fullRecord(2), fullRecord(3)]);
      assert.equal(store.stats().repairs, 1);
      assert.ok(lines.some((l) => l.level === 'warn' && /repair/.test(l.msg ?? '')));
      await store.close();
    });

    it('reports corruption instead of repairing when told not to', async () => {
      const path = join(await tempDir(), 'db');
      const first = new LevelPeerStore({ path });
      await first.save(fullRecord(1));
      await first.close();
      await writeFile(join(path, 'CURRENT'), 'garbage');
      const store = new LevelPeerStore({ path, repairOnCorruption: false });
      await assert.rejects(store.load(), { name: 'PeerStoreOpenError', message: /Corruption/ });
      assert.equal(store.stats().repairs, 0);
      await store.close();
    });

    it('rejects a delete of something that is not a node ID', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      await assert.rejects(store.delete('peer/../x' as never), { name: 'InvalidArgumentError' });
      await store.close();
    });
  });

  describe('format and writes', () => {
    it('stores one versioned JSON value per node ID', async () => {
      const path = join(await tempDir(), 'db');
      const store = new LevelPeerStore({ path });
      await store.save(fullRecord(7));
      await store.close();
      const raw = JSON.parse((await readRaw(path, levelKeyOf(nid(7))))!);
      assert.deepStrictEqual(raw, { v: PEER_RECORD_FORMAT_VERSION, ...fullRecord(7) });
    });

    it('drops unknown fields of a stored record instead of passing them on', async () => {
      const path = join(await tempDir(), 'db');
      await writeRaw(path, [[levelKeyOf(nid(1)), JSON.stringify({ v: 1, ...minimalRecord(1), extra: { big: 'x' }, persistent: true })]]);
      const store = new LevelPeerStore({ path });
      assert.deepStrictEqual(await store.load(), [minimalRecord(1)]);
      await store.close();
    });

    it('groups concurrent writes into few batches', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      await Promise.all(Array.from({ length: 2000 }, (_, i) => store.save(minimalRecord(i + 1))));
      const { writes, batches } = store.stats();
      assert.equal(writes, 2000);
      assert.ok(batches <= 10, `2000 concurrent saves took ${batches} batches`);
      await store.close();
    });

    it('saveMany writes all or, when one record is invalid, nothing', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      const records = Array.from({ length: 1000 }, (_, i) => fullRecord(i + 1));
      await assert.rejects(store.saveMany([...records.slice(0, 10), { ...minimalRecord(11), nodeId: 'bad' as never }]), { name: 'InvalidArgumentError' });
      assert.deepStrictEqual(await store.load(), []);
      await store.saveMany(records);
      assert.equal((await store.load()).length, 1000);
      assert.ok(store.stats().batches <= 3, `${store.stats().batches} batches`);
      await store.close();
    });

    it('bounds queued writes: callers wait for room, and every write lands', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db'), maxPendingWrites: 5 });
      let maxPending = 0;
      const writes = Array.from({ length: 200 }, async (_, i) => {
        await store.save(minimalRecord(i + 1));
        maxPending = Math.max(maxPending, store.stats().pending);
      });
      await Promise.all(writes);
      assert.ok(maxPending <= 5, `pending reached ${maxPending}`);
      assert.ok(store.stats().batches >= 40);
      assert.equal((await store.load()).length, 200);
      await store.close();
    });

    it('logs and counts each corrupted record it skips', async () => {
      const path = join(await tempDir(), 'db');
      await writeRaw(path, [
        [levelKeyOf(nid(1)), JSON.stringify({ v: 1, ...fullRecord(1) })],
        [levelKeyOf(nid(2)), '{"v":1,"nodeId":'],
        [levelKeyOf(nid(3)), JSON.stringify({ v: 1, ...fullRecord(3), lastConnected: -5 })],
      ]);
      const { lines, logger } = recordingLogger();
      const store = new LevelPeerStore({ path }, logger);
      assert.deepStrictEqual(byId(await store.load()), [fullRecord(1)]);
      assert.equal(store.stats().corrupt, 2);
      assert.equal(store.stats().loaded, 1);
      const warnings = lines.filter((l) => l.level === 'warn');
      assert.equal(warnings.length, 2);
      assert.match(JSON.stringify(warnings[0]!.obj), /not JSON/);
      assert.match(JSON.stringify(warnings[1]!.obj), /lastConnected is -5/);
      await store.close();
    });

    it('rejects a record it could not load back (bad timestamps) at save', async () => {
      const store = new LevelPeerStore({ path: join(await tempDir(), 'db') });
      await assert.rejects(store.save({ ...minimalRecord(1), lastConnected: Number.NaN }), { name: 'InvalidArgumentError', message: /lastConnected/ });
      await assert.rejects(store.save({ nodeId: nid(1), addresses: 'x' } as never), { name: 'InvalidArgumentError', message: /addresses/ });
      await store.close();
    });
  });
});
