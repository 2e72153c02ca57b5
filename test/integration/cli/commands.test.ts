import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../node/config/loader.js';
import { tmp2p, spawnCli, startCli, stopCli, waitForOutput } from '../../support/cli.js';

describe('tmp2p command line', function () {
  this.timeout(60_000);
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'tmp2p-cli-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('init writes a loadable config and a CometBFT node key, and refuses to overwrite the key', async () => {
    const first = await tmp2p(['init', '--home', home, '--moniker', 'cli-test', '--network', 'cli-chain']);
    assert.equal(first.code, 0, first.stderr);
    const id = /node ID ([0-9a-f]{40})/.exec(first.stdout)?.[1];
    assert.ok(id, first.stdout);
    const key = JSON.parse(await readFile(join(home, 'config', 'node_key.json'), 'utf8'));
    assert.equal(key.priv_key.type, 'tendermint/PrivKeyEd25519');
    const config = await readFile(join(home, 'config', 'config.toml'), 'utf8');
    assert.match(config, /^moniker = "cli-test"$/m);
    assert.match(config, /^network = "cli-chain"$/m);
    assert.match(config, /^laddr = "tcp:\/\/127\.0\.0\.1:\d+"$/m, 'a P2P port of its own');
    assert.match(config, /^laddr = "127\.0\.0\.1:\d+"$/m, 'a status port of its own');
    const shown = await tmp2p(['show-node-id', '--home', home]);
    assert.equal(shown.stdout.trim(), id);
    const again = await tmp2p(['init', '--home', home]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `tmp2p: HomeExistsError: ${home} is already initialised: it has a node key (${join(home, 'config', 'node_key.json')}), which init never replaces; nothing was changed\n`);
    assert.equal((await tmp2p(['show-node-id', '--home', home])).stdout.trim(), id, 'the key was not replaced');
  });

  it('init --loopback-testnet writes the loopback testnet settings, and start names the key a too small max_connections clashes with', async () => {
    assert.equal((await tmp2p(['init', '--home', home, '--loopback-testnet'])).code, 0);
    const config = await loadConfig({ file: join(home, 'config', 'config.toml') });
    assert.equal(config.p2p.maxConcurrentInboundHandshakesPerIp, 0);
    assert.equal(config.gating.perIp.maxConnections, 0);
    assert.equal(config.p2p.maxConnections, 64, 'nothing else changed');
    assert.match(await readFile(join(home, 'config', 'config.toml'), 'utf8'), /^# Loopback testnets:/m, 'comments kept');

    const clash = await tmp2p(['start', '--home', home, '--set', 'p2p.max_connections=20', '--set', 'p2p.laddr=memory', '--set', 'p2p.transports=memory']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /ConfigError: config key "p2p\.max_inbound_connections" is invalid: .*maxInbound = 40: plus maxOutgoing = 10 must not exceed maxConnected = 20/);
  });

  it('start runs a node until SIGTERM, and peers reads its status endpoint', async () => {
    assert.equal((await tmp2p(['init', '--home', home])).code, 0);
    const node = await startCli(
      ['--home', home, '--set', 'p2p.transports=memory', '--set', 'p2p.laddr=memory', '--set', 'status.laddr=127.0.0.1:0', '--set', 'log_level=warn'],
      { status: true },
    );
    const statusUrl = node.statusUrl!;
    const status = (await (await fetch(`${statusUrl}/status`)).json()) as { nodeId: string; moniker: string };
    assert.equal(status.moniker, 'tmp2p-node');
    assert.match(status.nodeId, /^[0-9a-f]{40}$/);
    const peers = await tmp2p(['peers', '--status', statusUrl.replace('http://', '')]);
    assert.equal(peers.code, 0, peers.stderr);
    assert.equal(peers.stdout.trim(), 'no known peers');
    assert.equal((await fetch(`${statusUrl}/nope`)).status, 404);
    assert.equal(await stopCli(node), 0);
    assert.match(node.output(), /shutting down/);
  });

  it('stops cleanly when the reader of its output goes away (tmp2p demo | head -1)', async () => {
    const demo = spawnCli(['demo', '--nodes', '2', '--duration', '0', '--transport', 'memory']);
    await waitForOutput(demo, /peer up/, 'the first line');
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', resolve));
    demo.child.stdout.destroy(); // as `head -1` exits: the next write fails with EPIPE
    assert.equal(await exited, 0, demo.stderr());
    assert.equal(demo.stderr(), '', 'no stack trace, no error');
  });

  it('demo --json ends with one JSON summary line', async () => {
    const result = await tmp2p(['demo', '--nodes', '3', '--duration', '1', '--ping-interval', '100ms', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);
    assert.equal(summary.nodes, 3);
    assert.equal(summary.peersUp, 6);
    assert.equal(summary.fullMesh, true);
    assert.ok(summary.pingsSent > 0 && summary.pongsReceived > 0, JSON.stringify(summary));
    assert.equal(summary.errors, 0);
  });

  it('rejects bad flags and config with a clear message and exit code 1', async () => {
    const nodes = await tmp2p(['demo', '--nodes', 'lots']);
    assert.equal(nodes.code, 1);
    assert.match(nodes.stderr, /--nodes must be an integer from 2 to 500, got "lots"/);
    const set = await tmp2p(['start', '--home', home, '--set', 'p2p.max_connections=zero']);
    assert.equal(set.code, 1);
    assert.match(set.stderr, /ConfigError: --set p2p\.max_connections: config key "p2p\.max_connections" = "zero" is invalid: expected an integer ≥ 1/);
    const missing = await tmp2p(['show-node-id', '--home', join(home, 'nothing-here')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /node_key\.json/);
  });
});
