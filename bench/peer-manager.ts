import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeAddress } from '../framework/address/node-address.js';
import type { NodeID } from '../framework/identity/node-id.js';
import { PeerManager } from '../framework/peer/peer-manager.js';
import { resolvePeerManagerOptions } from '../framework/peer/options.js';
import type { PeerRecord, PeerStore } from '../framework/peer/peer-store.js';
import { LevelPeerStore } from '../plugins/peer-stores/leveldb.js';
import { MemoryPeerStore } from '../plugins/peer-stores/memory.js';
import { MongoPeerStore } from '../plugins/peer-stores/mongodb/mongo-peer-store.js';
import { DefaultScoringStrategy } from '../plugins/scoring/default.js';
import { startMongo } from '../test/support/mongodb/server.js';
import type { BenchRow, Scenario } from './harness.js';

const SELF = 'f'.repeat(40) as NodeID;
const id = (n: number): NodeID => n.toString(16).padStart(40, '0') as NodeID;
/** Public (routable) addresses, so every peer is an ordinary dial candidate. */
const address = (n: number): string => `mconn://${id(n)}@${11 + ((n >> 16) & 127)}.${(n >> 8) & 255}.${n & 255}.7:26656`;

function record(n: number): PeerRecord {
  return {
    nodeId: id(n),
    addresses: [{ address: address(n), dialFailures: n % 3, lastDialFailure: n % 3 ? 1_700_000_000_000 : undefined }],
    lastConnected: 1_700_000_000_000 + n,
    mutableScore: (n % 11) - 5,
  };
}

function manager(store: PeerStore = new MemoryPeerStore()): PeerManager {
  // A cycle connects and disconnects in no time, which is a flap (a failed dial) by default; the flap
  // window is off so that every cycle measures the same decisions (the backoff would rescore peers).
  const options = resolvePeerManagerOptions({ selfId: SELF, maxConnected: 50, maxOutgoing: 20, maxPeers: 0, minRetryTimeMs: 1, retryJitterMs: 0, disconnectCooldownMs: 0, flapWindowMs: 0 });
  return new PeerManager(options, store, new DefaultScoringStrategy());
}

/** Calls `step` until `ms` have passed; returns calls per second. */
function rate(ms: number, step: () => void): number {
  const until = performance.now() + ms;
  let n = 0;
  const started = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) step();
    n += 50;
  }
  return n / ((performance.now() - started) / 1000);
}

async function decisions(report: (row: BenchRow) => void): Promise<void> {
  const pm = manager();
  await pm.start();
  for (let n = 1; n <= 10_000; n++) pm.add(NodeAddress.parse(address(n)));
  const channels = new Set([0x00, 0x70]);
  // One full lifecycle: pick the best candidate, connect it, route it, lose it.
  const cycle = rate(2000, () => {
    const next = pm.tryDialNext();
    if (next === undefined) throw new Error('no dial candidate among 10,000 peers');
    pm.dialed(next);
    pm.ready(next.nodeId, channels);
    pm.disconnected(next.nodeId);
  });
  report({ scenario: 'peer-manager', case: 'dial→dialed→ready→disconnected, 10k peers', value: cycle * 4, unit: 'decisions/s', notes: `${Math.round(cycle).toLocaleString('en-US')} full cycles/s` });
  let fail = 0;
  const failures = rate(1000, () => {
    const next = pm.tryDialNext();
    if (next !== undefined) pm.dialFailed(next);
    else fail++;
  });
  report({ scenario: 'peer-manager', case: 'tryDialNext + dialFailed, 10k peers', value: failures * 2, unit: 'decisions/s', notes: fail ? `${fail} calls found nothing to dial` : '' });
  const requester = id(123_456);
  report({ scenario: 'peer-manager', case: 'advertise(250), 10k peers', value: rate(1000, () => pm.advertise(requester, 250)), unit: 'calls/s' });
  report({ scenario: 'peer-manager', case: 'snapshot() of 10k peers', value: rate(1000, () => pm.snapshot()), unit: 'calls/s' });
  await pm.close();
}

async function timedLoad(store: () => PeerStore): Promise<number> {
  const pm = manager(store());
  const started = performance.now();
  await pm.start();
  const ms = performance.now() - started;
  const loaded = pm.metrics().peers;
  await pm.close();
  if (loaded !== 100_000) throw new Error(`loaded ${loaded} of 100,000 peers`);
  return ms;
}

async function fill(store: PeerStore): Promise<void> {
  const writes: Promise<void>[] = [];
  for (let n = 1; n <= 100_000; n++) writes.push(store.save(record(n)));
  await Promise.all(writes);
  await (store as { flush?: () => Promise<void> }).flush?.();
  await store.close();
}

async function loading(report: (row: BenchRow) => void): Promise<void> {
  const memory = new MemoryPeerStore();
  await fill(memory);
  report({ scenario: 'peer-manager', case: 'start() loading 100k peers: memory', value: await timedLoad(() => memory), unit: 'ms' });

  const dir = await mkdtemp(join(tmpdir(), 'tmp2p-bench-level-'));
  try {
    await fill(new LevelPeerStore({ path: dir }));
    report({ scenario: 'peer-manager', case: 'start() loading 100k peers: leveldb', value: await timedLoad(() => new LevelPeerStore({ path: dir })), unit: 'ms' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  let mongo;
  try {
    mongo = await startMongo({ signal: AbortSignal.timeout(600_000) });
  } catch (error) {
    report({ scenario: 'peer-manager', case: 'start() loading 100k peers: mongodb', value: NaN, unit: 'ms', notes: `skipped: ${(error as Error).message}` });
    return;
  }
  try {
    const options = { uri: mongo.uri, database: `bench_${process.pid}`, maxBufferedWrites: 200_000, maxLoadRecords: 200_000 };
    await fill(new MongoPeerStore(options));
    report({
      scenario: 'peer-manager',
      case: 'start() loading 100k peers: mongodb',
      value: await timedLoad(() => new MongoPeerStore(options)),
      unit: 'ms',
      notes: `${mongo.kind} (${mongo.flavor})`,
    });
  } finally {
    await mongo.stop();
  }
}

export const peerManagerScenario: Scenario = {
  name: 'peer-manager',
  description: 'PeerManager decisions with 10,000 known peers; loading 100,000 peers from each store',
  async run(report) {
    await decisions(report);
    await loading(report);
  },
};
