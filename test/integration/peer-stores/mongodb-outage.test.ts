import assert from 'node:assert/strict';
import { NodeAddress } from '../../../framework/address/node-address.js';
import { PeerManager } from '../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../../framework/peer/options.js';
import { MongoPeerStore } from '../../../plugins/peer-stores/mongodb/mongo-peer-store.js';
import { DefaultScoringStrategy } from '../../../plugins/scoring/default.js';
import { addressOf, byId, fullRecord, minimalRecord, nid } from '../../unit/plugins/peer-stores/fixtures.js';
import { useMongo } from './mongo-server-hooks.js';
import { recordingLogger } from '../../support/recording-logger.js';

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MongoPeerStore through a database outage (server stopped and restarted)', function () {
  this.timeout(120_000);
  // This test stops the server, so it needs one of its own (never a shared MONGODB_URI).
  const mongo = useMongo({ ownServer: true });
  const stores: MongoPeerStore[] = [];
  const open = (database: string, logger?: ReturnType<typeof recordingLogger>['logger']) => {
    const store = new MongoPeerStore(
      { uri: mongo.server().uri, database, serverSelectionTimeoutMs: 500, retryMinMs: 50, retryMaxMs: 400 },
      logger,
    );
    stores.push(store);
    return store;
  };

  beforeEach(function () {
    if (mongo.server().suspend === undefined) this.skip();
  });
  afterEach(async () => {
    await mongo.server().resume?.();
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('buffers writes while the server is down, reports the outage, and catches up when it returns', async () => {
    const database = mongo.database('outage');
    const { lines, logger } = recordingLogger();
    const store = open(database, logger);
    for (let n = 1; n <= 10; n++) await store.save(fullRecord(n));
    await store.flush();
    assert.equal(store.status().state, 'up');

    await mongo.server().suspend!();
    // The node keeps going: these return at once even though nothing can be written.
    for (let n = 11; n <= 30; n++) await store.save(minimalRecord(n));
    for (let n = 1; n <= 5; n++) await store.save({ ...fullRecord(n), lastConnected: 1_900_000_000_000 + n });
    await store.delete(nid(6));
    await until(() => store.status().state === 'down', 'the outage to be noticed');
    const down = store.status();
    assert.equal(down.outages, 1);
    assert.ok(down.pending >= 20, `pending ${down.pending}`);
    assert.ok(down.lastError);
    assert.ok(lines.some((l) => l.level === 'warn' && /unreachable/.test(l.msg ?? '')));
    // Still down after several retries, without a new outage per retry.
    await until(() => store.status().consecutiveFailures >= 3, 'retries during the outage');
    assert.equal(store.status().outages, 1);

    await mongo.server().resume!();
    await store.flush(AbortSignal.timeout(60_000));
    const up = store.status();
    assert.equal(up.state, 'up');
    assert.equal(up.pending, 0);
    assert.equal(up.dropped, 0);
    assert.equal(up.failed, 0, 'no write was given up as rejected');
    assert.equal(up.consecutiveFailures, 0);
    assert.ok(lines.some((l) => l.level === 'info' && /reachable again/.test(l.msg ?? '')));

    // A fresh reader sees everything: the pre-outage data (which survived the restart) and the buffered writes.
    const reader = open(database);
    const loaded = byId(await reader.load());
    const expected = byId([
      ...[1, 2, 3, 4, 5].map((n) => ({ ...fullRecord(n), lastConnected: 1_900_000_000_000 + n })),
      ...[7, 8, 9, 10].map((n) => fullRecord(n)),
      ...Array.from({ length: 20 }, (_, i) => minimalRecord(11 + i)),
    ]);
    assert.deepStrictEqual(loaded, expected);
  });

  it('keeps a PeerManager running while the database is down', async () => {
    const database = mongo.database('manager');
    const store = open(database);
    const manager = new PeerManager(resolvePeerManagerOptions({ selfId: nid(0xfff) }), store, new DefaultScoringStrategy());
    await manager.start();
    await mongo.server().suspend!();
    for (let n = 1; n <= 25; n++) assert.equal(manager.add(NodeAddress.parse(addressOf(n))), true);
    // The manager's own write queue drains at once: the store buffers instead of blocking it.
    await manager.flush();
    assert.equal(manager.metrics().storeErrors, 0);
    assert.ok(store.status().pending >= 25);
    // What operators see through the manager (/status, /metrics, Prometheus): the outage and its backlog.
    await until(() => manager.storeHealth().state === 'down', 'the manager to report the store down');
    const health = manager.storeHealth();
    assert.equal(health.store, 'mongodb');
    assert.ok(health.pendingWrites >= 25, `pending ${health.pendingWrites}`);
    assert.ok(health.lastError, 'the failure is named');
    await mongo.server().resume!();
    await store.flush(AbortSignal.timeout(60_000));
    assert.equal(store.status().failed, 0, 'no write was given up as rejected');
    assert.deepEqual([manager.storeHealth().state, manager.storeHealth().pendingWrites], ['up', 0]);
    await manager.close();
    const reader = open(database);
    assert.equal((await reader.load()).length, 25);
  });
});
