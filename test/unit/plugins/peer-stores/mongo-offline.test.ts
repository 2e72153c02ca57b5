import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { MongoPeerStore } from '../../../../plugins/peer-stores/mongodb/mongo-peer-store.js';
import type { MongoPeerStoreOptions } from '../../../../plugins/peer-stores/mongodb/options.js';
import { freePort } from '../../../support/mongodb/processes.js';
import { fullRecord, minimalRecord, nid } from './fixtures.js';
import { recordingLogger } from '../../../support/recording-logger.js';

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Against a port nothing listens on: the database is down for the whole test. */
describe('MongoPeerStore while the database is unreachable', function () {
  this.timeout(20_000);
  let uri: string;
  const stores: MongoPeerStore[] = [];
  const open = (options: Partial<MongoPeerStoreOptions> = {}, logger?: ReturnType<typeof recordingLogger>['logger']) => {
    const store = new MongoPeerStore(
      { uri, serverSelectionTimeoutMs: 150, retryMinMs: 10, retryMaxMs: 40, closeTimeoutMs: 100, ...options },
      logger,
    );
    stores.push(store);
    return store;
  };

  before(async () => {
    uri = `mongodb://127.0.0.1:${await freePort()}/`;
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('accepts writes at once, reports the outage, and keeps them buffered and coalesced', async () => {
    const { lines, logger } = recordingLogger();
    const store = open({}, logger);
    assert.equal(store.status().state, 'connecting');
    for (const n of [1, 2, 3]) await store.save(fullRecord(n));
    await store.save(minimalRecord(1));
    await store.delete(nid(2));
    await until(() => store.status().state === 'down', 'the store to report down');
    const status = store.status();
    assert.equal(status.pending, 3);
    assert.equal(status.coalesced, 2);
    assert.equal(status.outages, 1);
    assert.equal(status.written, 0);
    // The driver reports the failed connection as a selection failure, or — to an operation that was
    // waiting on the connection attempt — as its topology closed; both are the outage.
    assert.match(status.lastError ?? '', /127\.0\.0\.1|ECONNREFUSED|Server selection|Topology is closed/i);
    const warning = lines.find((l) => l.level === 'warn' && /unreachable/.test(l.msg ?? ''));
    assert.ok(warning, 'an outage warning was logged');
    assert.equal(warning.obj.pending, 3);
    // Retries go on with backoff; still one outage, not one per attempt.
    await until(() => store.status().consecutiveFailures >= 3, 'a few retries');
    assert.equal(store.status().outages, 1);
    assert.equal(lines.filter((l) => l.level === 'warn' && /unreachable/.test(l.msg ?? '')).length, 1);
  });

  it('bounds the buffer: the oldest writes are dropped and counted', async () => {
    const { lines, logger } = recordingLogger();
    const store = open({ maxBufferedWrites: 5 }, logger);
    for (let n = 1; n <= 12; n++) await store.save(minimalRecord(n));
    const status = store.status();
    assert.ok(status.pending <= 5, `pending ${status.pending}`);
    assert.equal(status.dropped + status.pending, 12);
    assert.ok(lines.some((l) => l.level === 'warn' && /buffer full/.test(l.msg ?? '')));
  });

  it('gives up on close after closeTimeoutMs, counting what it could not write', async () => {
    const { lines, logger } = recordingLogger();
    const store = open({}, logger);
    for (let n = 1; n <= 4; n++) await store.save(minimalRecord(n));
    await store.close();
    const status = store.status();
    assert.equal(status.state, 'closed');
    assert.equal(status.pending, 0);
    assert.equal(status.dropped, 4);
    assert.ok(lines.some((l) => l.level === 'error' && /never received/.test(l.msg ?? '')));
    await assert.rejects(store.save(minimalRecord(9)), { name: 'PeerStoreClosedError' });
    await assert.rejects(store.load(), { name: 'PeerStoreClosedError' });
  });

  it('fails load within its deadline, or at once when the caller aborts', async () => {
    const slow = open({ serverSelectionTimeoutMs: 60_000, loadTimeoutMs: 200 });
    await assert.rejects(slow.load(), { name: 'PeerStoreUnavailableError', message: /did not finish within 200 ms/ });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await assert.rejects(slow.load(controller.signal), { name: 'AbortError' });
    const quick = open({ serverSelectionTimeoutMs: 100, loadTimeoutMs: 30_000 });
    await assert.rejects(quick.load(), { name: 'PeerStoreUnavailableError', message: /failed/ });
    assert.equal(quick.status().state, 'down');
  });

  it('flush waits through the outage; an AbortSignal bounds it', async () => {
    const store = open();
    await store.save(minimalRecord(1));
    await assert.rejects(store.flush(AbortSignal.timeout(100)), { name: 'TimeoutError' });
    assert.equal(store.status().pending, 1);
  });

  it('validates what it is given before buffering it', async () => {
    const store = open();
    await assert.rejects(store.save({ ...minimalRecord(1), bannedUntil: -1 }), { name: 'InvalidArgumentError', message: /bannedUntil/ });
    await assert.rejects(store.delete('nope' as NodeID), { name: 'InvalidArgumentError' });
    assert.equal(store.status().pending, 0);
  });
});
