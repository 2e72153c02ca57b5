import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, startCli, stopCli, tmp2p, waitForOutput, type RunningNode } from '../../support/cli.js';

describe('tmp2p start: homes, keys, failures, signals and logs', function () {
  this.timeout(60_000);
  const homes: string[] = [];
  const running: RunningNode[] = [];

  afterEach(async () => {
    for (const node of running.splice(0)) await stopCli(node);
    for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true });
  });

  async function newHome(init = true): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'tmp2p-cli-start-'));
    homes.push(home);
    if (init) assert.equal((await tmp2p(['init', '--home', home])).code, 0);
    return home;
  }

  async function start(args: string[], status = true): Promise<RunningNode> {
    const node = await startCli(args, { status });
    running.push(node);
    return node;
  }

  it('two homes made by init both start on ports of their own, and peers --home reads each', async () => {
    const [homeA, homeB] = [await newHome(), await newHome()];
    const a = await start(['--home', homeA, '--log-level', 'warn']);
    const b = await start(['--home', homeB, '--log-level', 'warn']);
    assert.notEqual(a.address.split('@')[1], b.address.split('@')[1]);
    assert.notEqual(a.statusUrl, b.statusUrl);
    for (const [home, node] of [[homeA, a], [homeB, b]] as const) {
      assert.equal((await readFile(join(home, 'data', 'status.addr'), 'utf8')).trim(), node.statusUrl!.replace('http://', ''));
      const peers = await tmp2p(['peers', '--home', home, '--json']);
      assert.equal(peers.code, 0, peers.stderr);
      assert.deepEqual(JSON.parse(peers.stdout), []);
    }
    assert.equal(await stopCli(a), 0, a.output());
    assert.equal(existsSync(join(homeA, 'data', 'status.addr')), false, 'the address file goes with the node');
  });

  it('a status port chosen at start is found by peers --home; peers also takes --set', async () => {
    const home = await newHome();
    const node = await start(['--home', home, '--set', 'status.laddr=127.0.0.1:0', '--set', 'reactors.enabled=["echo", "pex"]', '--log-level', 'warn']);
    const status = (await (await fetch(`${node.statusUrl}/status`)).json()) as { channels: number[] };
    assert.deepEqual([...status.channels].sort(), [0x00, 0x70], 'the TOML array enabled both reactors');
    const viaFile = await tmp2p(['peers', '--home', home]);
    assert.equal(viaFile.stdout.trim(), 'no known peers', viaFile.stderr);
    const viaSet = await tmp2p(['peers', '--home', join(home, 'elsewhere'), '--set', `status.laddr=${node.statusUrl!.replace('http://', '')}`]);
    assert.equal(viaSet.stdout.trim(), 'no known peers', viaSet.stderr);
    const viaEnv = await tmp2p(['peers', '--home', join(home, 'elsewhere')], { env: { TMP2P_STATUS_LADDR: node.statusUrl!.replace('http://', '') } });
    assert.equal(viaEnv.stdout.trim(), 'no known peers', viaEnv.stderr);
  });

  it('refuses a home without a node key, pointing at init; --create-key makes one', async () => {
    const home = await newHome(false);
    const refused = await tmp2p(['start', '--home', home]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `tmp2p: MissingNodeKeyError: ${home} has no node key (${home}/config/node_key.json): run "tmp2p init --home ${home}" first, or pass --create-key to make one\n`);
    assert.equal(existsSync(join(home, 'config', 'node_key.json')), false);
    const node = await start(['--home', home, '--create-key', '--set', 'p2p.laddr=tcp://127.0.0.1:0', '--log-level', 'warn'], false);
    assert.equal(await stopCli(node), 0);
    const shown = await tmp2p(['show-node-id', '--home', home]);
    assert.equal(shown.stdout.trim(), node.nodeId);
  });

  it('a taken status port: exits 1 with one line naming status.laddr (the stack only at debug)', async () => {
    const home = await newHome();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const laddr = `127.0.0.1:${(taken.address() as { port: number }).port}`;
      const plain = await tmp2p(['start', '--home', home, '--set', `status.laddr=${laddr}`, '--log-level', 'error']);
      assert.equal(plain.code, 1);
      assert.equal(plain.stderr, `tmp2p: ListenAddressError: cannot listen on status.laddr = "${laddr}": listen EADDRINUSE: address already in use ${laddr}\n`);
      const debug = await tmp2p(['start', '--home', home, '--set', `status.laddr=${laddr}`, '--log-level', 'debug']);
      assert.equal(debug.code, 1);
      assert.match(debug.stderr, /tmp2p: ListenAddressError: cannot listen on status\.laddr[^\n]*\n\s+at /);
      assert.match(debug.stderr, /caused by: Error: listen EADDRINUSE/);
      // Everything that started was stopped: the home's P2P port is free for the next start.
      const node = await start(['--home', home, '--log-level', 'warn']);
      assert.equal(await stopCli(node), 0);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a TMP2P_FRAME_AEAD that names no frame cipher fails the start, instead of every handshake', async () => {
    const home = await newHome();
    const result = await tmp2p(['start', '--home', home], { env: { TMP2P_FRAME_AEAD: 'chacha' } });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr.split('\n').filter((line) => !line.startsWith('{')).join('\n'),
      'tmp2p: StartupError: starting the router (p2p.transports = ["mconn"]) failed: FrameAeadUnavailableError: TMP2P_FRAME_AEAD must be "sodium-native", "libsodium" or "node:crypto", got "chacha"\n',
    );
  });

  it('refuses an unknown --log-level or --log-format with the allowed values', async () => {
    const level = await tmp2p(['start', '--log-level', 'loud']);
    assert.equal(level.code, 1);
    assert.match(level.stderr, /option '--log-level <level>' argument 'loud' is invalid\. Allowed choices are trace, debug, info, warn, error, fatal, silent\./);
    const format = await tmp2p(['peers', '--log-format', 'xml']);
    assert.equal(format.code, 1);
    assert.match(format.stderr, /option '--log-format <format>' argument 'xml' is invalid\. Allowed choices are json, pretty\./);
  });

  it('logs an unreachable persistent peer at warn once per backoff step with its reason and next retry; every line is readable JSON', async () => {
    const [home, otherHome] = [await newHome(), await newHome()];
    const other = await start(['--home', otherHome, '--log-level', 'warn']);
    const unreachable = `${'ab'.repeat(20)}@127.0.0.1:1`; // nothing listens on port 1
    const node = await start([
      '--home', home, '--log-level', 'trace',
      '--set', `p2p.persistent_peers=${unreachable},${other.address.replace(/^\w+:\/\//, '')}`,
      '--set', 'p2p.min_retry_time=20ms', '--set', 'p2p.retry_jitter=0s',
    ]);
    await waitForOutput(node, /"failures":3,[^\n]*"msg":"persistent peer unreachable"/, 'three failed dials');
    await waitForOutput(node, new RegExp(`"peer":"${other.nodeId}"[^\\n]*"msg":"peer up"`), 'the reachable peer connected');
    await fetch(`${node.statusUrl}/peers`).then((r) => r.text());
    assert.equal(await stopCli(node), 0);

    const lines = node.stderr().split('\n').filter((line) => line !== '');
    assert.ok(lines.length > 10, node.stderr());
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) assert.doesNotMatch(line, /\[object Object\]/);
    const warnings = entries.filter((e) => e.msg === 'persistent peer unreachable');
    assert.deepEqual(warnings.slice(0, 3).map((w) => w.failures), [1, 2, 3], 'one line per failed dial, each a new backoff step');
    for (const w of warnings) {
      assert.equal(w.level, 40);
      assert.equal(w.peer, 'ab'.repeat(20));
      assert.match(String(w.reason), /^DialError: .*ECONNREFUSED/);
      assert.ok(!Number.isNaN(Date.parse(String(w.nextRetry))), `nextRetry is a time: ${w.nextRetry}`);
      assert.equal(typeof w.retryInMs, 'number');
      assert.equal(w.err, undefined, 'no error object, so no stack');
      assert.doesNotMatch(JSON.stringify(w), /\n\s+at /);
    }
  });

  it('SIGTERM while the node boots stops it at once, without waiting for the slow step', async () => {
    const home = await newHome();
    // A plugin module that takes two minutes to load, named relative to the config file's directory
    // (where relative module paths resolve, whatever the working directory).
    await writeFile(join(home, 'config', 'slow-plugin.mjs'), "process.stdout.write('slow plugin loading\\n');\nawait new Promise((resolve) => setTimeout(resolve, 120_000));\n");
    const booting = spawnCli(['start', '--home', home, '--set', 'plugins.modules=["./slow-plugin.mjs"]', '--log-level', 'warn']);
    const exited = new Promise<number | null>((resolve) => booting.child.once('exit', resolve));
    await waitForOutput(booting, /slow plugin loading/, 'the plugin started loading');
    booting.child.kill('SIGTERM');
    // The test's own timeout (60 s) is half the plugin's load time: exiting at all proves it did not wait.
    assert.equal(await exited, 0, booting.output());
    assert.match(booting.output(), /stopped while starting/);
    assert.doesNotMatch(booting.output(), /listening on/);
  });
});
