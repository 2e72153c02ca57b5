import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { silentPeerLogger } from '../../../../framework/peer/types.js';
import type { PeerRecord } from '../../../../framework/peer/peer-store.js';
import type { DocumentWriter } from '../../../../plugins/peer-stores/mongodb/document-writer.js';
import { OutageTracker } from '../../../../plugins/peer-stores/mongodb/outage-tracker.js';
import { WriteBuffer } from '../../../../plugins/peer-stores/mongodb/write-buffer.js';
import { WriteLoop } from '../../../../plugins/peer-stores/mongodb/write-loop.js';
import { minimalRecord, nid } from './fixtures.js';

/** An error the store takes for an outage without the driver: a refused connection. */
function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { code: 'ECONNREFUSED' });
}

/** Stands in for DocumentWriter: records calls; `failures` makes the next calls of a kind throw. */
class FakeWriter {
  readonly known = new Set<NodeID>();
  readonly calls: string[] = [];
  readonly failures: { save: Error[]; delete: Error[] } = { save: [], delete: [] };

  isNew(id: NodeID): boolean {
    return !this.known.has(id);
  }

  async insertMany(records: readonly PeerRecord[]): Promise<Set<number>> {
    this.calls.push(`insertMany ${records.length}`);
    for (const r of records) this.known.add(r.nodeId);
    return new Set();
  }

  async save(record: PeerRecord): Promise<void> {
    this.calls.push(`save ${record.nodeId.slice(-1)}`);
    const failure = this.failures.save.shift();
    if (failure !== undefined) throw failure;
    this.known.add(record.nodeId);
  }

  async delete(id: NodeID): Promise<void> {
    this.calls.push(`delete ${id.slice(-1)}`);
    const failure = this.failures.delete.shift();
    if (failure !== undefined) throw failure;
    this.known.delete(id);
  }
}

function rig(options: { prepare?: () => Promise<void>; maxBufferedWrites?: number } = {}) {
  const writer = new FakeWriter();
  const buffer = new WriteBuffer(options.maxBufferedWrites ?? 100);
  const outage = new OutageTracker(silentPeerLogger, 'test');
  const loop = new WriteLoop({
    buffer,
    outage,
    options: { writeBatchSize: 500, writeConcurrency: 2, retryMinMs: 1, retryMaxMs: 4 },
    log: silentPeerLogger,
    target: 'test',
    prepare: options.prepare ?? (async () => {}),
    writer: () => writer as unknown as DocumentWriter,
  });
  return { loop, writer, buffer, outage };
}

const save = (n: number) => ({ kind: 'save' as const, record: minimalRecord(n) });

describe('MongoDB store WriteLoop', () => {
  it('inserts new peers with one insertMany and takes the conditional path for the rest', async () => {
    const { loop, writer, outage } = rig();
    writer.known.add(nid(4));
    for (const n of [1, 2, 3, 4]) loop.enqueue(nid(n), save(n));
    loop.enqueue(nid(5), { kind: 'delete' });
    await loop.whenIdle();
    assert.deepEqual(writer.calls.sort(), ['delete 5', 'insertMany 3', 'save 4']);
    assert.equal(loop.pending, 0);
    assert.equal(outage.state, 'up');
  });

  it('puts a write back after a transient failure and retries it once the database answers', async () => {
    const { loop, writer, outage } = rig();
    writer.failures.save.push(refused(), refused());
    writer.known.add(nid(1));
    loop.enqueue(nid(1), save(1));
    await loop.whenIdle();
    assert.deepEqual(writer.calls, ['save 1', 'save 1', 'save 1']);
    assert.equal(loop.retries, 2);
    assert.equal(outage.outages, 1);
    assert.equal(outage.state, 'up', 'caught up');
    assert.equal(outage.failures, 0);
  });

  it('drops a write the database rejects for good, and counts it', async () => {
    const { loop, writer, outage } = rig();
    writer.failures.delete.push(new Error('not authorized'));
    loop.enqueue(nid(1), { kind: 'delete' });
    await loop.whenIdle();
    assert.equal(loop.failed, 1);
    assert.equal(loop.retries, 0);
    assert.equal(loop.pending, 0);
    assert.equal(outage.state, 'up', 'a rejection is no outage');
  });

  it('counts what stop() abandons as dropped and releases those waiting for it to go idle', async () => {
    const { loop, outage } = rig({ prepare: async () => Promise.reject(refused()) });
    loop.enqueue(nid(1), save(1));
    loop.enqueue(nid(2), save(2));
    const idle = loop.whenIdle();
    while (outage.failures < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(outage.state, 'down');
    assert.equal(loop.stop(), 2);
    assert.equal(loop.dropped, 2);
    assert.equal(loop.pending, 0);
    await loop.currentRun;
    loop.releaseIdleWaiters();
    await idle;
  });

  it('counts the writes a full buffer drops', () => {
    const { loop } = rig({ maxBufferedWrites: 2, prepare: () => new Promise(() => {}) });
    for (const n of [1, 2, 3, 4]) loop.enqueue(nid(n), save(n));
    assert.equal(loop.dropped, 2);
    assert.equal(loop.pending, 2);
  });
});
