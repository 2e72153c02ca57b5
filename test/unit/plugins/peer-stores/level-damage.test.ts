import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { truncate, unlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LEVEL_COUNT_KEY, LevelPeerStore, levelKeyOf } from '../../../../plugins/peer-stores/leveldb.js';
import { inspectLevelDirectory } from '../../../../plugins/peer-stores/level-damage.js';
import { fullRecord, nid } from './fixtures.js';
import { fileOf, fillAcrossRestart, flipBytes, readRaw, removeTempDirs, tempDir } from './harness-level.js';
import { recordingLogger } from '../../../support/recording-logger.js';

const TOTAL = 596;
let IN_TABLE = 0;

async function filledStore(): Promise<string> {
  const path = join(await tempDir(), 'peerstore');
  IN_TABLE = (await fillAcrossRestart(path, TOTAL)).inTable;
  return path;
}

async function loadWith(path: string, options: { repairOnCorruption?: boolean } = {}) {
  const { lines, logger } = recordingLogger();
  const store = new LevelPeerStore({ path, ...options }, logger);
  const warnings = () => lines.filter((l) => l.level === 'warn');
  return { store, lines, warnings };
}

describe('LevelPeerStore on damaged files', () => {
  after(removeTempDirs);

  it('repairs a table with flipped bytes, loads what LevelDB salvages and warns with the counts', async () => {
    const path = await filledStore();
    await flipBytes(await fileOf(path, /\.ldb$/), 1 / 3, 16);
    const { store, warnings } = await loadWith(path);
    const records = await store.load();

    const repair = store.stats().lastRepair!;
    assert.ok(repair, 'a repair ran and was reported');
    assert.equal(store.stats().repairs, 1);
    assert.match(repair.reason, /Corruption/);
    assert.equal(repair.recovered, records.length);
    assert.equal(repair.expected, TOTAL);
    assert.ok(records.length > 500 && records.length < TOTAL, `${records.length} of ${TOTAL} recovered`);
    assert.equal(repair.lost, TOTAL - records.length - repair.corrupt);
    const summary = warnings().find((w) => w.msg.startsWith('peer store repaired'));
    assert.ok(summary, JSON.stringify(warnings()));
    assert.match(summary.msg, new RegExp(`${records.length} of ${TOTAL} records recovered, ${repair.lost} lost`));
    assert.ok(existsSync(join(path, 'lost')), 'LevelDB kept the damaged table in lost/');
    // The store's health carries the report, for /status.
    assert.deepEqual((store.health().details as { lastRepair?: unknown }).lastRepair, repair);
    await store.close();

    const again = await loadWith(path);
    assert.equal((await again.store.load()).length, records.length, 'the repaired store reopens as it was');
    assert.equal(again.store.stats().repairs, 0);
    assert.deepEqual(again.warnings(), [], 'and without a warning: its count was updated');
    await again.store.close();
  });

  it('repairs a store whose CURRENT was deleted instead of opening it as a new one', async () => {
    const path = await filledStore();
    await unlink(join(path, 'CURRENT'));
    assert.match((await inspectLevelDirectory(path))!, /CURRENT is missing/);
    const { store, warnings } = await loadWith(path);
    assert.equal((await store.load()).length, TOTAL, 'every record is back (LevelDB alone would have loaded only those in its write log)');
    assert.deepEqual({ ...store.stats().lastRepair, reason: undefined, lostFiles: undefined }, {
      reason: undefined,
      recovered: TOTAL,
      corrupt: 0,
      expected: TOTAL,
      lost: 0,
      lostFiles: undefined,
    });
    assert.ok(warnings().some((w) => /CURRENT is missing/.test(String(w.obj['reason']))));
    await store.close();
  });

  it('refuses a store whose CURRENT was deleted when told not to repair, and leaves its files alone', async () => {
    const path = await filledStore();
    await unlink(join(path, 'CURRENT'));
    const table = await fileOf(path, /\.ldb$/);
    const { store } = await loadWith(path, { repairOnCorruption: false });
    await assert.rejects(store.load(), { name: 'PeerStoreOpenError', message: /damaged \(CURRENT is missing.*repairOnCorruption is off/ });
    await store.close();
    assert.equal(existsSync(join(path, 'CURRENT')), false, 'no new, empty database was created over it');
    assert.ok(existsSync(table));
  });

  it('refuses a table with flipped bytes when told not to repair', async () => {
    const path = await filledStore();
    await flipBytes(await fileOf(path, /\.ldb$/), 1 / 3, 16);
    const { store } = await loadWith(path, { repairOnCorruption: false });
    await assert.rejects(store.load(), { name: 'PeerStoreUnavailableError', message: /Corruption/ });
    await store.close();
  });

  it('repairs a store whose MANIFEST was deleted', async () => {
    const path = await filledStore();
    await unlink(await fileOf(path, /^MANIFEST-/));
    const { store } = await loadWith(path);
    assert.equal((await store.load()).length, TOTAL);
    assert.match(store.stats().lastRepair!.reason, /CURRENT names MANIFEST-\d+, which is missing/);
    await store.close();
  });

  it('repairs a store that lost a whole table and says how many records went with it', async () => {
    const path = await filledStore();
    await unlink(await fileOf(path, /\.ldb$/));
    const { store, warnings } = await loadWith(path);
    const records = await store.load();
    assert.equal(records.length, TOTAL - IN_TABLE);
    assert.equal(store.stats().lastRepair!.lost, IN_TABLE);
    assert.ok(warnings().some((w) => w.msg.includes(`${TOTAL - IN_TABLE} of ${TOTAL} records recovered, ${IN_TABLE} lost`)), JSON.stringify(warnings()));
    await store.close();
  });

  it('repairs a truncated table', async () => {
    const path = await filledStore();
    const table = await fileOf(path, /\.ldb$/);
    await truncate(table, Math.floor((await stat(table)).size / 2));
    const { store } = await loadWith(path);
    const records = await store.load();
    assert.equal(store.stats().repairs, 1);
    assert.equal(store.stats().lastRepair!.lost, TOTAL - records.length);
    await store.close();
  });

  it('warns when LevelDB drops write-log records that fail their checksum', async () => {
    const path = await filledStore();
    await flipBytes(await fileOf(path, /\.log$/), 1 / 2, 1);
    const { store, warnings } = await loadWith(path);
    const records = await store.load();
    assert.ok(records.length < TOTAL);
    assert.ok(store.stats().droppedLogBytes > 0);
    assert.ok(warnings().some((w) => /LevelDB dropped \d+ bytes of its write log \(Corruption: checksum mismatch\)/.test(w.msg)), JSON.stringify(warnings()));
    await store.close();
  });

  it('keeps the record count with every write once it has loaded, and drops it while it does not know', async () => {
    const path = join(await tempDir(), 'peerstore');
    const blind = new LevelPeerStore({ path });
    await blind.save(fullRecord(1)); // no load yet: the count is unknown
    await blind.close();
    assert.equal(await readRaw(path, LEVEL_COUNT_KEY), undefined);

    const store = new LevelPeerStore({ path });
    await store.load();
    await store.saveMany([fullRecord(2), fullRecord(3), fullRecord(1)]);
    await store.delete(nid(2));
    await store.delete(nid(99)); // not there: the count does not move
    await store.close();
    assert.equal(await readRaw(path, LEVEL_COUNT_KEY), '2');
    assert.equal(await readRaw(path, levelKeyOf(nid(2))), undefined);
  });
});
