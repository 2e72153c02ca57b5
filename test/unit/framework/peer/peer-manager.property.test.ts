import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { NodeAddress } from '../../../../framework/address/node-address.js';
import type { NodeID } from '../../../../framework/identity/node-id.js';
import { PeerRejectedError } from '../../../../framework/peer/errors.js';
import { MAX_PEER_SCORE, MIN_PEER_SCORE } from '../../../../framework/peer/scoring.js';
import { PeerManager } from '../../../../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../../../../framework/peer/options.js';
import type { PeerUpdate } from '../../../../framework/peer/types.js';
import { MemoryPeerStore } from '../../../../plugins/peer-stores/memory.js';
import { DefaultScoringStrategy } from '../../../../plugins/scoring/default.js';
import { addr, FakeClock, nid, SeededRandom, SELF } from './helpers.js';

const PEERS = 8;

type Command =
  | { op: 'add'; peer: number; host: number }
  | { op: 'dialNext' }
  | { op: 'dialSucceeds'; pick: number }
  | { op: 'dialFails'; pick: number }
  | { op: 'accept'; peer: number }
  | { op: 'ready'; pick: number }
  | { op: 'disconnect'; pick: number }
  | { op: 'evict' }
  | { op: 'errored'; peer: number }
  | { op: 'report'; peer: number; kind: 'good' | 'bad' }
  | { op: 'ban'; peer: number; durationMs: number }
  | { op: 'inactivate'; peer: number }
  | { op: 'advance'; ms: number };

const peer = fc.integer({ min: 1, max: PEERS });
const pick = fc.nat(20);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), peer, host: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('dialNext' as const) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('dialSucceeds' as const), pick }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('dialFails' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('accept' as const), peer }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('ready' as const), pick }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('disconnect' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('evict' as const) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('errored' as const), peer }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('report' as const), peer, kind: fc.constantFrom('good' as const, 'bad' as const) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('ban' as const), peer, durationMs: fc.integer({ min: 0, max: 5000 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('inactivate' as const), peer }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4000 }) }), weight: 3 },
);

const config = fc
  .record({
    maxConnected: fc.integer({ min: 1, max: 5 }),
    maxConnectedUpgrade: fc.integer({ min: 0, max: 2 }),
    outgoingShare: fc.double({ min: 0, max: 1, noNaN: true }),
    inboundShare: fc.double({ min: 0, max: 1, noNaN: true }),
    maxDialFailures: fc.constantFrom(0, 2, 5),
    limitPeers: fc.boolean(),
    minRetryTimeMs: fc.constantFrom(0, 50, 250),
    retryJitterMs: fc.constantFrom(0, 100),
    disconnectCooldownMs: fc.constantFrom(0, 500),
    persistent: fc.subarray([1, 2, 3]),
    seed: fc.integer(),
  })
  .map((c) => ({
    ...c,
    maxOutgoing: Math.floor(c.outgoingShare * c.maxConnected),
    maxInbound: Math.floor(c.inboundShare * (c.maxConnected - Math.floor(c.outgoingShare * c.maxConnected))),
    maxPeers: c.limitPeers ? c.maxConnected + c.maxConnectedUpgrade : 0,
    persistent: c.persistent.slice(0, c.maxConnected),
  }));

function rejectedOrThrow(error: unknown): void {
  if (!(error instanceof PeerRejectedError)) throw error;
}

describe('PeerManager: properties under random event sequences', () => {
  it('keeps its invariants', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(command, { maxLength: 120 }), async (c, commands) => {
        const clock = new FakeClock();
        const options = resolvePeerManagerOptions({
          selfId: SELF,
          maxConnected: c.maxConnected,
          maxConnectedUpgrade: c.maxConnectedUpgrade,
          maxOutgoing: c.maxOutgoing,
          maxInbound: c.maxInbound,
          maxDialFailures: c.maxDialFailures,
          maxPeers: c.maxPeers,
          minRetryTimeMs: c.minRetryTimeMs,
          maxRetryTimeMs: 2000,
          maxRetryTimePersistentMs: 1000,
          retryJitterMs: c.retryJitterMs,
          disconnectCooldownMs: c.disconnectCooldownMs,
          inactiveCooldownMs: 3000,
          persistentPeers: c.persistent.map((n) => addr(n)),
        });
        const pm = new PeerManager(options, new MemoryPeerStore(), new DefaultScoringStrategy(), clock, new SeededRandom(c.seed));
        const updates: PeerUpdate[] = [];
        const up = new Set<NodeID>();
        pm.subscribe().subscribe((u) => {
          // ups and downs alternate per peer, starting with up
          if (u.status === 'up') assert.ok(!up.has(u.nodeId), `second up for ${u.nodeId}`);
          else assert.ok(up.has(u.nodeId), `down without up for ${u.nodeId}`);
          if (u.status === 'up') up.add(u.nodeId);
          else up.delete(u.nodeId);
          updates.push(u);
        });
        await pm.start();

        // The router's view: dials in flight and established connections (id → ready?).
        const dials: NodeAddress[] = [];
        const routed = new Map<NodeID, boolean>();
        const at = <T>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);

        const establish = (id: NodeID): void => {
          assert.ok(!routed.has(id), `second connection to ${id}`);
          routed.set(id, false);
        };

        for (const cmd of commands) {
          switch (cmd.op) {
            case 'add':
              pm.add(addr(cmd.peer, `8.8.${cmd.host}.${cmd.peer}`));
              break;
            case 'dialNext': {
              const a = pm.tryDialNext();
              if (a === undefined) break;
              assert.ok(!pm.isBanned(a.nodeId), 'banned peer offered for dialing');
              assert.notEqual(a.nodeId, SELF);
              assert.ok(!dials.some((d) => d.nodeId === a.nodeId), 'peer offered while already dialing');
              assert.ok(!routed.has(a.nodeId), 'connected peer offered for dialing');
              dials.push(a);
              break;
            }
            case 'dialSucceeds':
            case 'dialFails': {
              const a = at(dials, cmd.pick);
              if (a === undefined) break;
              dials.splice(dials.indexOf(a), 1);
              if (cmd.op === 'dialFails') {
                pm.dialFailed(a, new Error('refused'));
                break;
              }
              const wasBanned = pm.isBanned(a.nodeId);
              try {
                pm.dialed(a);
                assert.ok(!wasBanned, 'banned peer admitted on dial');
                establish(a.nodeId);
              } catch (error) {
                rejectedOrThrow(error);
                pm.dialFailed(a, error as Error); // what the Router does with a refused dial
              }
              break;
            }
            case 'accept': {
              const wasBanned = pm.isBanned(nid(cmd.peer));
              try {
                pm.accepted(nid(cmd.peer));
                assert.ok(!wasBanned, 'banned peer accepted');
                establish(nid(cmd.peer));
              } catch (error) {
                rejectedOrThrow(error);
              }
              break;
            }
            case 'ready': {
              const id = at([...routed].filter(([, r]) => !r).map(([i]) => i), cmd.pick);
              if (id === undefined) break;
              pm.ready(id, new Set([1]));
              routed.set(id, true);
              break;
            }
            case 'disconnect': {
              const id = at([...routed.keys()], cmd.pick);
              if (id === undefined) break;
              routed.delete(id);
              pm.disconnected(id);
              break;
            }
            case 'evict': {
              const id = pm.tryEvictNext();
              if (id === undefined) break;
              assert.ok(routed.has(id), 'evicting a peer that is not connected');
              routed.delete(id);
              pm.disconnected(id);
              break;
            }
            case 'errored':
              pm.errored(nid(cmd.peer), new Error('x'));
              break;
            case 'report':
              pm.report(nid(cmd.peer), { kind: cmd.kind });
              break;
            case 'ban':
              pm.report(nid(cmd.peer), { kind: 'ban', durationMs: cmd.durationMs });
              break;
            case 'inactivate':
              pm.inactivate(nid(cmd.peer), 'incompatible');
              break;
            case 'advance':
              clock.advance(cmd.ms);
              break;
          }

          // Invariants after every step.
          const m = pm.metrics();
          assert.ok(m.connected <= c.maxConnected + c.maxConnectedUpgrade, `connected ${m.connected} > ${c.maxConnected}+${c.maxConnectedUpgrade}`);
          assert.equal(m.connected, routed.size, 'manager and router agree on connections');
          assert.equal(m.dialing, dials.length, 'manager and router agree on dials');
          assert.deepEqual(new Set(pm.connectedPeers()), new Set([...routed].filter(([, r]) => r).map(([i]) => i)));
          const next = pm.nextDialAt();
          assert.ok(next === undefined || next > clock.now(), 'nextDialAt is in the future');
          const inbound = pm.snapshot().filter((snap) => snap.direction === 'inbound' && !snap.persistent).length;
          if (c.maxInbound > 0) assert.ok(inbound <= c.maxInbound, `${inbound} non-persistent inbound peers, max ${c.maxInbound}`);
          for (const snap of pm.snapshot()) {
            if (!snap.persistent && c.maxDialFailures > 0) {
              for (const a of snap.addressDetails) assert.ok(a.dialFailures < c.maxDialFailures, `${a.address} kept after ${a.dialFailures} failures`);
            }
            assert.ok(snap.score.total >= MIN_PEER_SCORE && snap.score.total <= MAX_PEER_SCORE, `score ${snap.score.total} of ${snap.nodeId} out of range`);
            for (const part of Object.values(snap.score.parts)) assert.ok(Number.isFinite(part), `score part of ${snap.nodeId} is ${part}`);
            if (snap.state === 'banned') assert.ok((snap.bannedUntil ?? 0) > clock.now(), 'banned state without a ban in force');
            const cap = snap.persistent ? 1000 : 2000;
            for (const a of snap.addressDetails) {
              if (a.retryAt === undefined || a.lastDialFailure === undefined) continue;
              const delay = a.retryAt - a.lastDialFailure;
              if (!snap.persistent && c.minRetryTimeMs === 0) assert.equal(delay, Infinity, 'minRetryTimeMs 0: never redialed');
              else assert.ok(delay >= 0 && delay <= cap, `retry delay ${delay} ms of ${a.address} outside [0, ${cap}]`);
            }
          }
        }

        // Once the router has carried out every eviction, at most maxConnected peers remain.
        for (let id = pm.tryEvictNext(); id !== undefined; id = pm.tryEvictNext()) {
          routed.delete(id);
          pm.disconnected(id);
        }
        assert.ok(pm.metrics().connected <= c.maxConnected, `${pm.metrics().connected} connected after evictions, max ${c.maxConnected}`);

        // Persistent peers are always retried: once every dial has ended and every ban, cooldown
        // and retry delay has run out, each of them is offered for dialing again.
        for (const a of dials.splice(0)) pm.dialFailed(a, new Error('refused'));
        for (const id of [...routed.keys()]) {
          routed.delete(id);
          pm.disconnected(id);
        }
        clock.advance(20_000);
        const offered = new Set<NodeID>();
        for (let a = pm.tryDialNext(); a !== undefined; a = pm.tryDialNext()) {
          offered.add(a.nodeId);
          pm.dialFailed(a, new Error('refused'));
        }
        for (const n of c.persistent) assert.ok(offered.has(nid(n)), `persistent peer ${n} is not retried`);

        await pm.close();
        assert.equal(up.size, 0, 'every up was followed by a down');
        const ups = updates.filter((u) => u.status === 'up').length;
        assert.equal(updates.length, ups * 2);
      }),
      { numRuns: Number(process.env.PEER_PROPERTY_RUNS ?? 300) },
    );
  });

  it('keeps retry delays within their caps however often dials fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          minRetryTimeMs: fc.integer({ min: 0, max: 500 }),
          maxRetryTimeMs: fc.integer({ min: 1, max: 60_000 }),
          maxRetryTimePersistentMs: fc.integer({ min: 1, max: 60_000 }),
          retryJitterMs: fc.integer({ min: 0, max: 3000 }),
          persistent: fc.subarray([1, 2, 3, 4]),
          rounds: fc.integer({ min: 1, max: 40 }),
          seed: fc.integer(),
        }).map((c) => ({ ...c, maxRetryTimeMs: c.minRetryTimeMs + c.maxRetryTimeMs, maxRetryTimePersistentMs: c.minRetryTimeMs + c.maxRetryTimePersistentMs })),
        async (c) => {
          const clock = new FakeClock();
          const options = resolvePeerManagerOptions({
            selfId: SELF,
            maxConnected: 10,
            maxOutgoing: 10,
            maxInbound: 0,
            minRetryTimeMs: c.minRetryTimeMs,
            maxRetryTimeMs: c.maxRetryTimeMs,
            maxRetryTimePersistentMs: c.maxRetryTimePersistentMs,
            retryJitterMs: c.retryJitterMs,
            persistentPeers: c.persistent.map((n) => addr(n)),
          });
          const pm = new PeerManager(options, new MemoryPeerStore(), new DefaultScoringStrategy(), clock, new SeededRandom(c.seed));
          await pm.start();
          for (let n = 1; n <= 4; n++) pm.add(addr(n));
          const failures = new Map<NodeID, number>();
          for (let round = 0; round < c.rounds; round++) {
            for (let a = pm.tryDialNext(); a !== undefined; a = pm.tryDialNext()) {
              pm.dialFailed(a, new Error('refused'));
              failures.set(a.nodeId, (failures.get(a.nodeId) ?? 0) + 1);
            }
            for (const snap of pm.snapshot()) {
              const cap = snap.persistent ? c.maxRetryTimePersistentMs : c.maxRetryTimeMs;
              for (const a of snap.addressDetails) {
                if (a.retryAt === undefined || a.lastDialFailure === undefined) continue;
                const delay = a.retryAt - a.lastDialFailure;
                if (!snap.persistent && c.minRetryTimeMs === 0) {
                  assert.equal(delay, Infinity, 'minRetryTimeMs 0 means a failed non-persistent peer is never redialed');
                  continue;
                }
                assert.ok(delay > 0 && delay <= cap, `retry delay ${delay} ms of ${snap.persistent ? 'persistent' : 'other'} peer after ${a.dialFailures} failures outside (0, ${cap}]`);
              }
            }
            const next = pm.nextDialAt();
            if (next === undefined) break;
            clock.t = next;
          }
          // Persistent peers never give up, even when minRetryTimeMs is 0 ("never retry" for others):
          // once their capped delay has passed, each is offered again.
          clock.advance(c.maxRetryTimePersistentMs + 1);
          const offered = new Set<NodeID>();
          for (let a = pm.tryDialNext(); a !== undefined; a = pm.tryDialNext()) offered.add(a.nodeId);
          for (const n of c.persistent) assert.ok(offered.has(nid(n)), `persistent peer ${n} not retried after ${failures.get(nid(n)) ?? 0} failures`);
          await pm.close();
        },
      ),
      { numRuns: Number(process.env.PEER_PROPERTY_RUNS ?? 200) },
    );
  });

  it('nextDialAt is exact: at that time something becomes dialable that was not before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ peer, fail: fc.boolean(), ms: fc.integer({ min: 0, max: 3000 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer(),
        async (steps, seed) => {
          const clock = new FakeClock();
          const options = resolvePeerManagerOptions({ selfId: SELF, maxConnected: 20, maxOutgoing: 20, maxInbound: 0, minRetryTimeMs: 100, retryJitterMs: 50, disconnectCooldownMs: 300 });
          const pm = new PeerManager(options, new MemoryPeerStore(), new DefaultScoringStrategy(), clock, new SeededRandom(seed));
          await pm.start();
          for (let n = 1; n <= PEERS; n++) pm.add(addr(n));
          for (const step of steps) {
            const a = pm.tryDialNext();
            if (a !== undefined) {
              if (step.fail) pm.dialFailed(a);
              else {
                pm.dialed(a);
                pm.disconnected(a.nodeId);
              }
            }
            clock.advance(step.ms);
          }
          // Everything dialable now is taken; then nextDialAt must be the first moment another peer appears.
          while (pm.tryDialNext() !== undefined);
          const next = pm.nextDialAt();
          if (next === undefined) return;
          clock.t = next - 1;
          assert.equal(pm.tryDialNext(), undefined, 'nothing before nextDialAt');
          clock.t = next;
          assert.notEqual(pm.tryDialNext(), undefined, 'something at nextDialAt');
        },
      ),
      { numRuns: Number(process.env.PEER_PROPERTY_RUNS ?? 200) },
    );
  });
});
