import assert from 'node:assert/strict';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import type { PeerRecord, PeerStore } from '../../../../framework/peer/peer-store.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { FixedScoringStrategy } from '../../../../plugins/scoring/fixed.js';
import { addr, CapturingLogger, connectInbound, drainDials, FakeClock, FixedRandom, harness, nid, SELF } from './helpers.js';

/** A store that returns canned records and can be told to fail or to hold writes. */
class ScriptedStore implements PeerStore {
  readonly name = 'scripted';
  readonly saves: PeerRecord[] = [];
  readonly deletes: NodeID[] = [];
  failWrites = false;
  closed = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  constructor(private readonly records: unknown[] | (() => Promise<unknown>) = []) {}
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  async load(): Promise<PeerRecord[]> {
    if (typeof this.records === 'function') return (await this.records()) as PeerRecord[];
    return structuredClone(this.records) as PeerRecord[];
  }
  async save(record: PeerRecord): Promise<void> {
    await this.gate;
    if (this.failWrites) throw new Error('disk full');
    this.saves.push(structuredClone(record));
  }
  async delete(nodeId: NodeID): Promise<void> {
    await this.gate;
    if (this.failWrites) throw new Error('disk full');
    this.deletes.push(nodeId);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

const good = (n: number, extra: Partial<PeerRecord> = {}): PeerRecord => ({
  nodeId: nid(n),
  addresses: [{ address: addr(n).toString(), dialFailures: 0 }],
  ...extra,
});

describe('PeerManager: loading the store', () => {
  it('loads valid records with their history', async () => {
    const clock = new FakeClock(5_000_000);
    const store = new ScriptedStore([
      good(1, { lastConnected: 10, lastDisconnected: 20, mutableScore: 3 }),
      { nodeId: nid(2), addresses: [{ address: addr(2).toString(), dialFailures: 2, lastDialFailure: clock.now() }] },
    ]);
    const { pm } = await harness({ store, clock, options: { minRetryTimeMs: 1000 } });
    const byId = new Map(pm.snapshot().map((s) => [s.nodeId, s]));
    assert.equal(byId.get(nid(1))?.behaviour, 3);
    assert.equal(byId.get(nid(1))?.lastConnected, 10);
    assert.equal(byId.get(nid(2))?.dialFailures, 2);
    assert.deepEqual(drainDials(pm).map((a) => a.nodeId), [nid(1)], 'peer 2 is still in its retry delay');
    assert.equal(pm.nextDialAt(), clock.now() + 2000);
  });

  it('skips corrupted records with a warning instead of throwing', async () => {
    const store = new ScriptedStore([
      null,
      42,
      { nodeId: 'not-an-id', addresses: [] },
      { nodeId: nid(3) },
      { nodeId: nid(4), addresses: 'mconn://…' },
      good(5, { lastConnected: 'yesterday' as unknown as number }),
      good(6, { inactive: 'yes' as unknown as boolean }),
      good(7, { mutableScore: Number.NaN }),
      good(8, { bannedUntil: -5 }),
      { nodeId: SELF, addresses: [] },
      good(9),
      good(9),
      good(10),
    ]);
    const { pm, log } = await harness({ store });
    assert.deepEqual(pm.snapshot().map((s) => Number(s.nodeId)).sort((a, b) => a - b), [9, 10]);
    const warnings = log.at('warn').filter((l) => /record/.test(l.msg ?? ''));
    assert.equal(warnings.length, 11);
    assert.equal(pm.metrics().corruptRecords, 11);
    assert.ok(warnings.some((l) => /invalid node ID/.test(JSON.stringify(l.obj))));
  });

  it('drops only the bad addresses of an otherwise valid record, and rewrites it clean', async () => {
    const store = new ScriptedStore([
      {
        nodeId: nid(1),
        addresses: [
          { address: 'garbage', dialFailures: 0 },
          { address: addr(2).toString(), dialFailures: 0 }, // another node's address
          { address: addr(1).toString(), dialFailures: -1 },
          { address: 7, dialFailures: 0 },
          null,
          { address: addr(1, '1.2.3.4').toString(), dialFailures: 0, lastDialSuccess: 'x' },
          { address: addr(1).toString(), dialFailures: 1, lastDialFailure: 1 },
          { address: addr(1).toString(), dialFailures: 0 },
        ],
      },
    ]);
    const { pm, log } = await harness({ store });
    assert.deepEqual(pm.addresses(nid(1)).map(String), [addr(1).toString()]);
    const warning = log.at('warn').find((l) => /partly corrupted/.test(l.msg ?? ''));
    assert.ok(warning);
    assert.equal((warning.obj as { problems: string[] }).problems.length, 7);
    await pm.flush();
    assert.deepEqual(store.saves.map((r) => r.addresses.length), [1]);
  });

  it('wraps a failing load in PeerStoreError and can be started again', async () => {
    let fail = true;
    const store = new ScriptedStore(async () => {
      if (fail) throw new Error('io error');
      return [good(1)];
    });
    const options = resolvePeerManagerOptions({ selfId: SELF });
    const pm = new PeerManager(options, store, new DefaultScoringStrategy(), new FakeClock(), new FixedRandom());
    await assert.rejects(pm.start(), (err: Error) => err.name === 'PeerStoreError' && /io error/.test(err.message) && /scripted/.test(err.message));
    fail = false;
    await pm.start();
    assert.equal(pm.snapshot().length, 1);
    await assert.rejects(pm.start(), { name: 'PeerManagerStateError' });
  });

  it('rejects a load that does not return an array', async () => {
    const store = new ScriptedStore(async () => ({ nope: true }));
    const pm = new PeerManager(resolvePeerManagerOptions({ selfId: SELF }), store, new DefaultScoringStrategy());
    await assert.rejects(pm.start(), { name: 'PeerStoreError' });
  });

  it('honours an aborted signal', async () => {
    const pm = new PeerManager(resolvePeerManagerOptions({ selfId: SELF }), new MemoryPeerStore(), new DefaultScoringStrategy());
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(pm.start(ac.signal), { name: 'AbortError' });
  });

  it('adds persistent peers after loading, marked persistent and ranked first', async () => {
    const store = new ScriptedStore([good(1, { mutableScore: 50 })]);
    const { pm } = await harness({ store, options: { persistentPeers: [addr(2), addr(1, '1.1.1.1')] } });
    const snap = pm.snapshot();
    assert.deepEqual(snap.map((s) => [Number(s.nodeId), s.persistent]), [[1, true], [2, true]]);
    assert.deepEqual(pm.addresses(nid(1)).map(String), [addr(1).toString(), addr(1, '1.1.1.1').toString()]);
  });
});

describe('PeerManager: persistence', () => {
  it('persists adds, failures, connections and disconnections', async () => {
    const { pm, store, clock } = await harness();
    pm.add(addr(1));
    const a = pm.tryDialNext();
    assert.ok(a);
    pm.dialFailed(a);
    await pm.flush();
    let [r] = await store.load();
    assert.equal(r.addresses[0].dialFailures, 1);
    assert.equal(r.addresses[0].lastDialFailure, clock.now());
    clock.advance(1000);
    pm.dialed(a);
    clock.advance(60_000); // past the flap window: a success
    pm.disconnected(a.nodeId);
    await pm.flush();
    [r] = await store.load();
    assert.deepEqual(r, {
      nodeId: nid(1),
      addresses: [{ address: addr(1).toString(), dialFailures: 0, lastDialSuccess: clock.now() - 60_000, lastDialFailure: clock.now() - 61_000 }],
      lastConnected: clock.now() - 60_000,
      lastDisconnected: clock.now(),
    });
  });

  it('persists where a learned address came from, so a restart keeps holding its DNS name to that scope', async () => {
    const store = new MemoryPeerStore();
    const { pm } = await harness({ store });
    const name = addr(1, 'claimed.test');
    pm.add(name, { learnedFrom: 'public' });
    pm.add(addr(2, 'mine.test'));
    await pm.flush();
    const records = await store.load();
    assert.deepEqual(records.find((r) => r.nodeId === nid(1))?.addresses, [{ address: name.toString(), dialFailures: 0, learnedFrom: 'public' }]);
    assert.deepEqual(records.find((r) => r.nodeId === nid(2))?.addresses, [{ address: addr(2, 'mine.test').toString(), dialFailures: 0 }]);

    const { pm: again } = await harness({ store: new ScriptedStore(records) });
    assert.equal(again.learnedFrom(name), 'public');
    assert.equal(again.learnedFrom(addr(2, 'mine.test')), undefined);
  });

  it('skips a stored address whose origin is not a scope', async () => {
    const { pm, log } = await harness({ store: new ScriptedStore([{ nodeId: nid(1), addresses: [{ address: addr(1, 'x.test').toString(), dialFailures: 0, learnedFrom: 'mars' }, { address: addr(1).toString(), dialFailures: 0 }] }]) });
    assert.deepEqual(pm.addresses(nid(1)).map(String), [addr(1).toString()]);
    assert.match(JSON.stringify(log.at('warn')), /learnedFrom is \\"mars\\"/);
  });

  it('coalesces writes per peer while the store is busy', async () => {
    const store = new ScriptedStore();
    const { pm } = await harness({ store });
    store.hold();
    pm.add(addr(1)); // starts a write that waits on the gate
    for (let i = 0; i < 50; i++) pm.report(nid(1), { kind: 'good' });
    pm.add(addr(2));
    store.release();
    await pm.flush();
    assert.deepEqual(store.saves.map((r) => [Number(r.nodeId), r.mutableScore]), [[1, undefined], [1, 50], [2, undefined]]);
  });

  it('counts and logs store failures without throwing', async () => {
    const store = new ScriptedStore();
    const { pm, log } = await harness({ store });
    store.failWrites = true;
    pm.add(addr(1));
    pm.add(addr(2));
    await pm.flush();
    assert.equal(pm.metrics().storeErrors, 2);
    assert.equal(log.at('error').length, 2);
    store.failWrites = false;
    pm.report(nid(1), { kind: 'good' });
    await pm.flush();
    assert.equal(store.saves.length, 1);
  });

  it('close flushes pending writes, closes the store and is idempotent', async () => {
    const store = new ScriptedStore();
    const { pm } = await harness({ store });
    store.hold();
    pm.add(addr(1));
    const closing = pm.close();
    store.release();
    await closing;
    await pm.close();
    assert.equal(store.saves.length, 1);
    assert.equal(store.closed, 1);
    assert.equal(pm.add(addr(2)), false, 'closed');
    assert.equal(pm.tryDialNext(), undefined);
    assert.throws(() => pm.accepted(nid(3)), { reason: 'closed' });
  });

  it('survives a restart over the same store', async () => {
    const store = new MemoryPeerStore();
    const clock = new FakeClock();
    const first = await harness({ store, clock });
    first.pm.add(addr(1));
    first.pm.add(addr(2));
    first.pm.report(nid(2), { kind: 'bad' });
    connectInbound(first.pm, nid(1));
    await first.pm.close();
    const second = await harness({ store, clock });
    const byId = new Map(second.pm.snapshot().map((s) => [s.nodeId, s]));
    assert.equal(byId.size, 2);
    assert.equal(byId.get(nid(1))?.lastDisconnected, clock.now(), 'close records the disconnect');
    assert.equal(byId.get(nid(2))?.behaviour, -1);
    assert.equal(byId.get(nid(1))?.state, 'disconnected');
  });
});

describe('PeerManager: pruning to maxPeers', () => {
  const small = { maxConnected: 2, maxOutgoing: 2, maxConnectedUpgrade: 0, maxPeers: 3 };

  it('forgets the lowest-ranked idle peers and deletes them from the store', async () => {
    const scoring = new FixedScoringStrategy(new Map([[nid(1), 5], [nid(2), -5], [nid(3), 1], [nid(4), 2]]));
    const { pm, store } = await harness({ options: small, scoring });
    for (const n of [1, 2, 3]) assert.equal(pm.add(addr(n)), true);
    assert.equal(pm.add(addr(4)), true);
    assert.equal(pm.state(nid(2)), undefined, 'the worst peer was pruned');
    await pm.flush();
    assert.deepEqual((await store.load()).map((r) => Number(r.nodeId)).sort(), [1, 3, 4]);
    assert.equal(pm.metrics().pruned, 1);
  });

  it('refuses a new peer that ranks no better than everyone kept', async () => {
    const { pm } = await harness({ options: small });
    for (const n of [1, 2, 3]) pm.add(addr(n));
    assert.equal(pm.add(addr(4)), false);
    assert.equal(pm.snapshot().length, 3);
  });

  it('never prunes dialing, connected, persistent or banned peers', async () => {
    const scoring = new FixedScoringStrategy(new Map([[nid(1), -9], [nid(2), -9], [nid(3), -9], [nid(4), -9]]));
    const { pm } = await harness({ options: { ...small, persistentPeers: [addr(1)] }, scoring });
    pm.add(addr(2));
    assert.equal(pm.tryDialNext()?.nodeId, nid(1));
    pm.accepted(nid(3));
    pm.report(nid(4), { kind: 'ban', durationMs: 1000 }); // 4 peers now, nobody prunable but 2
    assert.equal(pm.state(nid(2)), undefined);
    assert.deepEqual(pm.snapshot().map((s) => Number(s.nodeId)).sort(), [1, 3, 4]);
    assert.equal(pm.add(addr(5)), false);
  });
});

describe('PeerManager: snapshot and metrics', () => {
  it('reports every state', async () => {
    const { pm } = await harness({ options: { persistentPeers: [addr(1)], privatePeerIds: [nid(6)] } });
    for (const n of [2, 3, 4, 5, 6, 7]) pm.add(addr(n));
    const dialed = drainDials(pm).map((a) => a.nodeId);
    assert.equal(dialed[0], nid(1));
    pm.dialed(addr(1));
    pm.ready(nid(1), new Set([3, 1]));
    pm.dialed(addr(2));
    pm.accepted(nid(9));
    pm.report(nid(4), { kind: 'ban', durationMs: 100 });
    pm.dialFailed(addr(4));
    pm.inactivate(nid(5), 'x');
    pm.dialFailed(addr(5));
    pm.errored(nid(2), new Error('x'));
    pm.dialFailed(addr(7));
    const states = Object.fromEntries(pm.snapshot().map((s) => [Number(s.nodeId), s.state]));
    assert.deepEqual(states, { 1: 'ready', 2: 'evicting', 3: 'dialing', 4: 'banned', 5: 'inactive', 6: 'dialing', 7: 'disconnected', 9: 'connected-in' });
    const one = pm.snapshot().find((s) => s.nodeId === nid(1));
    assert.ok(one);
    assert.equal(one.persistent, true);
    assert.equal(one.direction, 'outbound');
    assert.deepEqual(one.channels, [1, 3]);
    assert.equal(one.score.parts.persistent, 7500);
    assert.equal(pm.snapshot().find((s) => s.nodeId === nid(6))?.private, true);
    const seven = pm.snapshot().find((s) => s.nodeId === nid(7));
    assert.ok(seven?.addressDetails[0].retryAt !== undefined);
    const m = pm.metrics();
    assert.equal(m.connected, 3);
    assert.equal(m.ready, 1);
    assert.equal(m.dialFailures, 3);
    assert.equal(m.dials, 2);
    assert.equal(m.accepted, 1);
    assert.equal(m.bans, 1);
  });

  it('logs through a pino-style child logger when the logger has one', async () => {
    const parent = new CapturingLogger();
    const children: object[] = [];
    const logger = Object.assign(parent, {
      child(bindings: object) {
        children.push(bindings);
        return parent;
      },
    });
    const pm = new PeerManager(resolvePeerManagerOptions({ selfId: SELF }), new MemoryPeerStore(), new DefaultScoringStrategy(), undefined, undefined, logger);
    await pm.start();
    assert.deepEqual(children, [{ component: 'peer-manager' }]);
    assert.ok(parent.at('info').some((l) => /started/.test(l.msg ?? '')));
  });

  it('survives a throwing scoring plugin, logging once', async () => {
    const { pm, log } = await harness({ scoring: { name: 'broken', score: () => { throw new Error('oops'); } } });
    pm.add(addr(1));
    pm.add(addr(2));
    assert.equal(drainDials(pm).length, 2);
    assert.equal(log.at('error').filter((l) => /scoring/.test(l.msg ?? '')).length, 1);
  });
});

describe('PeerManager: concurrent close', () => {
  it('every close() call waits for the same shutdown', async () => {
    const store = new ScriptedStore();
    const { pm } = await harness({ store });
    store.hold();
    pm.add(addr(1));
    let secondDone = false;
    const first = pm.close();
    const second = pm.close().then(() => (secondDone = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(secondDone, false, 'the second call does not return before the flush');
    store.release();
    await Promise.all([first, second]);
    assert.equal(store.saves.length, 1);
    assert.equal(store.closed, 1);
  });
});
