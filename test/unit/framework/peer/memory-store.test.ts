import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { TOKENS } from '../../../../framework/tokens.js';
import type { PeerRecord, PeerStore } from '../../../../framework/peer/peer-store.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { nid } from './ids.js';

function record(n: number): PeerRecord {
  return { nodeId: nid(n), addresses: [{ address: `mconn://${nid(n)}@1.2.3.4:26656`, dialFailures: 1, lastDialFailure: 5 }], lastConnected: 7 };
}

describe('MemoryPeerStore', () => {
  it('saves, loads, replaces and deletes records', async () => {
    const store = new MemoryPeerStore();
    assert.equal(store.name, 'memory');
    await store.save(record(1));
    await store.save(record(2));
    await store.save({ ...record(1), lastConnected: 99 });
    const loaded = await store.load();
    assert.equal(loaded.length, 2);
    assert.equal(loaded.find((r) => r.nodeId === nid(1))?.lastConnected, 99);
    await store.delete(nid(2));
    await store.delete(nid(3)); // unknown: not an error
    assert.deepEqual((await store.load()).map((r) => r.nodeId), [nid(1)]);
    assert.equal(store.size, 1);
  });

  it('copies on save: later changes to the caller object do not leak in', async () => {
    const store = new MemoryPeerStore();
    const r = record(1);
    await store.save(r);
    r.addresses[0].dialFailures = 1000;
    r.lastConnected = 1;
    const [loaded] = await store.load();
    assert.equal(loaded.addresses[0].dialFailures, 1);
    assert.equal(loaded.lastConnected, 7);
  });

  it('copies on load: mutating a loaded record does not change the store', async () => {
    const store = new MemoryPeerStore();
    await store.save(record(1));
    const [first] = await store.load();
    first.addresses.push({ address: 'x', dialFailures: 0 });
    first.addresses[0].address = 'changed';
    const [second] = await store.load();
    assert.deepEqual(second, record(1));
  });

  it('keeps records across close (like a database on disk)', async () => {
    const store = new MemoryPeerStore();
    await store.save(record(1));
    await store.close();
    assert.equal((await store.load()).length, 1);
  });

  it('rejects records without a valid node ID', async () => {
    const store = new MemoryPeerStore();
    await assert.rejects(store.save({ ...record(1), nodeId: 'bad' as NodeID }), /valid node ID/);
    await assert.rejects(store.save(null as unknown as PeerRecord), /PeerRecord/);
  });

  it('honours an aborted signal on load', async () => {
    const store = new MemoryPeerStore();
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(store.load(ac.signal), { name: 'AbortError' });
  });

  it('is injectable', () => {
    const c = new Container();
    c.bind<PeerStore>(TOKENS.PeerStore).to(MemoryPeerStore).inSingletonScope();
    assert.ok(c.get<PeerStore>(TOKENS.PeerStore) instanceof MemoryPeerStore);
  });
});
