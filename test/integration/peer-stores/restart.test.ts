import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'inversify';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import type { PeerRecord, PeerStore } from '../../../framework/peer/peer-store.js';
import type { RouterEvent } from '../../../framework/router/events.js';
import { LevelPeerStore } from '../../../plugins/peer-stores/leveldb.js';
import { MongoPeerStore } from '../../../plugins/peer-stores/mongodb/mongo-peer-store.js';
import { MemoryNetwork } from '../../../plugins/transports/memory/memory-network.js';
import { useMongo } from './mongo-server-hooks.js';
import { TOKENS } from '../../../framework/tokens.js';

const FAST = { min_retry_time: '10ms', max_retry_time: '200ms', retry_jitter: '10ms', disconnect_cooldown: '20ms', max_outgoing_connections: 0 };

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What `store` holds, read by opening it as a node would, then closing it. */
async function recordsIn(store: PeerStore): Promise<PeerRecord[]> {
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

interface Scenario {
  /** p2p config of the node under test (its store). */
  readonly p2p: Record<string, unknown>;
  readonly configure?: (container: Container) => void;
  /** What the node's store holds after it stopped. */
  readonly storedRecords: (home: string) => Promise<PeerRecord[]>;
}

/**
 * A node with a persistent store connects to two peers, stops, and restarts
 * with the same home (same key, same store). The peers never dial anybody
 * (their disconnect cooldown outlasts the test), so every connection after
 * the restart is one the node made from what its store remembered.
 */
function restartScenario(scenario: () => Scenario): void {
  let home: string;
  let network: MemoryNetwork;
  const nodes: Node[] = [];

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmp2p-restart-'));
    network = new MemoryNetwork();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0).reverse()) await node.stop();
    await rm(home, { recursive: true, force: true });
  });

  const startPeer = async (): Promise<Node> => {
    const node = await createNode(
      { values: { p2p: { transports: ['memory'], laddr: 'memory', disconnect_cooldown: '1h', min_retry_time: '0ms' }, reactors: { enabled: [] } } },
      { memoryNetwork: network, logger: silentLogger() },
    );
    nodes.push(node);
    return node;
  };

  const startSubject = async (events: RouterEvent[]): Promise<Node> => {
    const { p2p, configure } = scenario();
    const node = await createNode(
      { values: { p2p: { transports: ['memory'], laddr: 'memory', ...FAST, ...p2p }, reactors: { enabled: [] } }, home },
      { memoryNetwork: network, logger: silentLogger(), configure, start: false },
    );
    nodes.push(node);
    node.events$.subscribe((event) => events.push(event));
    await node.start();
    return node;
  };

  it('redials the peers it knew, from its store, after a restart with the same home', async () => {
    const b = await startPeer();
    const c = await startPeer();
    const before: RouterEvent[] = [];
    const first = await startSubject(before);
    first.addPeer(b.addresses()[0]!);
    first.addPeer(c.addresses()[0]!);
    await until(() => first.peers().length === 2, 'the first run to connect to both peers');
    const id = first.nodeId;
    await first.stop();
    await until(() => !b.peers().includes(id) && !c.peers().includes(id), 'the peers to see the node go');

    // What survived: both peers, with the connection recorded.
    const stored = await scenario().storedRecords(home);
    const remembered = new Map(stored.map((r) => [r.nodeId, r]));
    for (const peer of [b, c]) {
      const record = remembered.get(peer.nodeId);
      assert.ok(record, `peer ${peer.nodeId} is in the store`);
      assert.ok(record.lastConnected !== undefined && record.lastDisconnected !== undefined);
      assert.ok(record.addresses.some((a) => a.address === `memory:${peer.nodeId}`));
    }

    const after: RouterEvent[] = [];
    const second = await startSubject(after);
    assert.equal(second.nodeId, id, 'same key from the same home');
    // Right after start, before any connection: the manager already knows both peers.
    const known = new Set(second.peerManager.snapshot().map((p) => p.nodeId));
    assert.ok(known.has(b.nodeId) && known.has(c.nodeId), 'loaded from the store');
    await until(() => second.peers().length === 2, 'the restarted node to reconnect');
    const ups = after.filter((e): e is Extract<RouterEvent, { type: 'peer-up' }> => e.type === 'peer-up');
    assert.deepStrictEqual(new Set(ups.map((e) => e.nodeId)), new Set([b.nodeId, c.nodeId]));
    assert.ok(ups.every((e) => e.direction === 'outbound'), 'the node dialed them itself');
    assert.ok(!after.some((e) => e.type === 'dial-failed'), 'no dial of an unknown address');
  });
}

describe('restart with a persistent peer store', function () {
  this.timeout(60_000);

  describe('leveldb (under <home>/data/peerstore)', () => {
    restartScenario(() => ({
      p2p: { peer_store: 'leveldb' },
      // Opening the store also proves the stopped node released the LOCK.
      storedRecords: (home) => recordsIn(new LevelPeerStore({ path: join(home, 'data', 'peerstore') })),
    }));
  });

  describe('leveldb (p2p.peer_store_path relative to the home)', () => {
    restartScenario(() => ({
      p2p: { peer_store: 'leveldb', peer_store_path: 'custom/peers' },
      storedRecords: (home) => recordsIn(new LevelPeerStore({ path: join(home, 'custom', 'peers') })),
    }));
  });

  describe('mongodb (options bound in the container)', () => {
    const mongo = useMongo();
    let database = '';
    beforeEach(() => {
      database = mongo.database('restart');
    });
    restartScenario(() => ({
      // No URI in the config: the store's options come only from the rebinding (plugins/peer-stores/README.md).
      p2p: { peer_store: 'mongodb' },
      configure: (c) => void c.rebind(TOKENS.MongoPeerStoreOptions).toConstantValue({ uri: mongo.server().uri, database }),
      storedRecords: () => recordsIn(new MongoPeerStore({ uri: mongo.server().uri, database })),
    }));
  });

  describe('mongodb (p2p.peer_store_mongodb_uri and _database from config)', () => {
    const mongo = useMongo();
    let database = '';
    beforeEach(() => {
      database = mongo.database('restart-config');
    });
    restartScenario(() => ({
      p2p: { peer_store: 'mongodb', peer_store_mongodb_uri: mongo.server().uri, peer_store_mongodb_database: database },
      storedRecords: () => recordsIn(new MongoPeerStore({ uri: mongo.server().uri, database })),
    }));
  });
});
