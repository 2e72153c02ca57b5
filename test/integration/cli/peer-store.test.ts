import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unlink } from 'node:fs/promises';
import { LevelPeerStore, type LevelRepairReport } from '../../../plugins/peer-stores/leveldb.js';
import { fileOf, fillAcrossRestart, flipBytes } from '../../unit/plugins/peer-stores/harness-level.js';
import { startCli, stopCli as stop, tmp2p, type RunningNode } from '../../support/cli.js';

/** `tmp2p start` for a home on ports chosen at start, resolved once it printed its listen address and status endpoint. */
function start(home: string, ...set: string[]): Promise<RunningNode> {
  const args = ['--home', home, '--set', 'p2p.laddr=tcp://127.0.0.1:0', '--set', 'status.laddr=127.0.0.1:0', '--set', 'log_level=warn'];
  for (const s of set) args.push('--set', s);
  return startCli(args, { status: true });
}

describe('tmp2p start with the leveldb peer store that init configures', function () {
  this.timeout(90_000);
  const homes: string[] = [];
  const running: RunningNode[] = [];

  afterEach(async () => {
    for (const node of running.splice(0)) await stop(node);
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  async function initHome(): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'tmp2p-cli-store-'));
    homes.push(home);
    assert.equal((await tmp2p(['init', '--home', home])).code, 0);
    return home;
  }

  it('persists the peers a node connected to under <home>/data/peerstore', async () => {
    const [homeA, homeB] = [await initHome(), await initHome()];
    assert.match(await readFile(join(homeB, 'config', 'config.toml'), 'utf8'), /^peer_store = "leveldb"$/m);
    const a = await start(homeA);
    running.push(a);
    const b = await start(homeB, `p2p.persistent_peers=${a.address}`);
    running.push(b);
    const idA = a.nodeId;

    const deadline = Date.now() + 30_000;
    for (;;) {
      const peers = (await (await fetch(`${b.statusUrl}/peers`)).json()) as Array<{ nodeId: string; state: string }>;
      if (peers.some((p) => p.nodeId === idA && p.state === 'ready')) break;
      assert.ok(Date.now() < deadline, `B never got ready with A: ${JSON.stringify(peers)}\n${b.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await stop(b), 0, b.output());

    const store = new LevelPeerStore({ path: join(homeB, 'data', 'peerstore') });
    try {
      const records = await store.load();
      const recordA = records.find((r) => r.nodeId === idA);
      assert.ok(recordA, `A is in B's store: ${JSON.stringify(records)}`);
      assert.ok(recordA.lastConnected !== undefined, 'the connection was recorded');
      assert.ok(recordA.addresses.some((x) => x.address.includes('127.0.0.1')), JSON.stringify(recordA.addresses));
    } finally {
      await store.close();
    }
  });

  it('keeps peers in LevelDB under the home even when the home has no config file', async () => {
    const home = await initHome();
    await rm(join(home, 'config', 'config.toml'));
    const node = await start(home);
    running.push(node);
    assert.equal(await stop(node), 0, node.output());
    assert.ok(existsSync(join(home, 'data', 'peerstore', 'CURRENT')), 'a LevelDB database was created under <home>/data/peerstore');
  });

  describe('on a damaged store, repairs, starts and says what it recovered', () => {
    const TOTAL = 596;

    /** Starts on `home`'s damaged store; returns the repair as /status reports it and the node's log. */
    async function startRepaired(home: string): Promise<{ repair: LevelRepairReport; output: string }> {
      const node = await start(home);
      running.push(node);
      const status = (await (await fetch(`${node.statusUrl}/status`)).json()) as { peerStore: { details: { lastRepair?: LevelRepairReport } } };
      const repair = status.peerStore.details.lastRepair;
      assert.ok(repair, `/status reports the repair: ${JSON.stringify(status.peerStore)}\n${node.output()}`);
      assert.equal(await stop(node), 0, node.output());
      return { repair, output: node.output() };
    }

    it('a table with flipped bytes', async () => {
      const home = await initHome();
      const path = join(home, 'data', 'peerstore');
      await fillAcrossRestart(path, TOTAL);
      await flipBytes(await fileOf(path, /\.ldb$/), 1 / 3, 16);
      const { repair, output } = await startRepaired(home);
      assert.equal(repair.expected, TOTAL);
      assert.ok(repair.recovered > 500 && repair.recovered < TOTAL, JSON.stringify(repair));
      assert.match(output, new RegExp(`peer store repaired: ${repair.recovered} of ${TOTAL} records recovered, ${repair.lost} lost`));
    });

    it('a deleted CURRENT', async () => {
      const home = await initHome();
      const path = join(home, 'data', 'peerstore');
      await fillAcrossRestart(path, TOTAL);
      await unlink(join(path, 'CURRENT'));
      const { repair, output } = await startRepaired(home);
      assert.deepEqual([repair.recovered, repair.expected, repair.lost], [TOTAL, TOTAL, 0]);
      assert.match(output, /CURRENT is missing/);
    });
  });

  it('refuses a mongodb store without a connection string, naming the config key', async () => {
    const home = await initHome();
    const result = await tmp2p(['start', '--home', home, '--set', 'p2p.peer_store=mongodb', '--set', 'log_level=warn'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PeerStoreConfigError/);
    assert.match(result.stderr, /p2p\.peer_store_mongodb_uri/);
  });

  it('rejects a malformed MongoDB connection string at config load', async () => {
    const home = await initHome();
    const result = await tmp2p(['start', '--home', home, '--set', 'p2p.peer_store_mongodb_uri=http://db:27017'], { timeoutMs: 30_000 });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ConfigError: .*"p2p\.peer_store_mongodb_uri" = "http:\/\/db:27017" is invalid: expected a connection string/);
  });
});
