import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import type { PeerRecord, PeerStore } from '../../../../framework/peer/peer-store.js';
import { StoreWriter } from '../../../../framework/peer/store-writer.js';
import { CapturingLogger } from './helpers.js';
import { nid } from './ids.js';

class SlowStore implements PeerStore {
  readonly name = 'slow';
  readonly ops: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private release: (() => void)[] = [];
  held = false;
  async load(): Promise<PeerRecord[]> {
    return [];
  }
  private async op(label: string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.held) await new Promise<void>((r) => this.release.push(r));
    this.ops.push(label);
    this.inFlight--;
  }
  save(record: PeerRecord): Promise<void> {
    return this.op(`save:${Number(record.nodeId)}:${record.mutableScore ?? 0}`);
  }
  delete(nodeId: NodeID): Promise<void> {
    return this.op(`delete:${Number(nodeId)}`);
  }
  async close(): Promise<void> {}
  releaseAll(): void {
    this.held = false;
    for (const r of this.release.splice(0)) r();
  }
}

describe('StoreWriter', () => {
  it('runs one write at a time, in order, with the state at write time', async () => {
    const store = new SlowStore();
    const state = new Map<NodeID, number>([[nid(1), 1], [nid(2), 2]]);
    const writer = new StoreWriter(store, (id) => (state.has(id) ? { nodeId: id, addresses: [], mutableScore: state.get(id) } : undefined), new CapturingLogger());
    store.held = true;
    writer.save(nid(1));
    writer.save(nid(2));
    state.set(nid(2), 20);
    writer.save(nid(2)); // coalesced with the pending one
    writer.save(nid(1)); // nid(1) is in flight: a second write is queued
    state.delete(nid(1));
    assert.equal(writer.pendingCount, 2);
    const flushed = writer.flush();
    store.releaseAll();
    await new Promise((r) => setImmediate(r));
    store.releaseAll();
    await flushed;
    assert.deepEqual(store.ops, ['save:1:1', 'save:2:20', 'delete:1']);
    assert.equal(store.maxInFlight, 1);
  });

  it('starts a new drain for writes scheduled after the previous one finished', async () => {
    const store = new SlowStore();
    const writer = new StoreWriter(store, (id) => ({ nodeId: id, addresses: [] }), new CapturingLogger());
    writer.save(nid(1));
    await writer.flush();
    writer.delete(nid(2));
    await writer.flush();
    assert.deepEqual(store.ops, ['save:1:0', 'delete:2']);
  });

  it('bounds waiting writes, dropping the oldest with a warning', async () => {
    const store = new SlowStore();
    const log = new CapturingLogger();
    const writer = new StoreWriter(store, (id) => ({ nodeId: id, addresses: [] }), log, 3);
    store.held = true;
    writer.save(nid(1)); // in flight, not waiting
    for (let n = 2; n <= 6; n++) writer.save(nid(n));
    assert.equal(writer.pendingCount, 3);
    assert.equal(writer.dropped, 2);
    assert.equal(log.at('warn').length, 2);
    store.releaseAll();
    const flushed = writer.flush();
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      store.releaseAll();
    }
    await flushed;
    assert.deepEqual(store.ops, ['save:1:0', 'save:4:0', 'save:5:0', 'save:6:0']);
  });

  it('ignores writes after close', async () => {
    const store = new SlowStore();
    const writer = new StoreWriter(store, (id) => ({ nodeId: id, addresses: [] }), new CapturingLogger());
    writer.close();
    writer.save(nid(1));
    await writer.flush();
    assert.deepEqual(store.ops, []);
  });
});
