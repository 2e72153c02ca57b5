import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';
import { abciQueryValue, broadcastTxSync, rpcBlock } from './support/chain-rpc.js';
import { pollUntil } from './support/poll.js';
import { waitForOutput, type CliProcess } from '../support/cli.js';

/** A compiled example of examples/ (npm test builds them into dist/examples). */
function example(name: string): string {
  const path = [`../../examples/${name}.js`, `../../dist/examples/${name}.js`].map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((p) => existsSync(p));
  assert.ok(path, `examples/${name}.ts is not built`);
  return path;
}

/** Runs `node <example> <args>` as the README says; stdout and stderr interleaved, as CliProcess. */
function runExample(name: string, args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [example(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    out += d;
    err += d;
  });
  return { child, output: () => out, stderr: () => err };
}

function exited(process: CliProcess): Promise<number | null> {
  const { child } = process;
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * The README's examples that need a CometBFT node — send-tx, follow-chain and
 * mempool-watch — run as the README shows them, against a real CometBFT
 * v0.38.17 single-validator kvstore chain.
 */
describe('interop: the README examples against a CometBFT v0.38.17 kvstore chain', function () {
  this.timeout(120_000);
  let cmt: CometBFTNode | undefined;
  let failed = false;

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'README example interop tests');
    cmt = await CometBFTNode.create({ binary, moniker: 'cometbft-examples' });
    await cmt.start();
    await cmt.waitForHeight(3, { timeoutMs: 30_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    if (failed && cmt) console.error(`--- CometBFT log tail (${cmt.logFile}) ---\n${cmt.logTail(80)}`);
    await cmt?.cleanup();
  });

  function chain(): CometBFTNode {
    assert.ok(cmt, 'suite setup did not complete');
    return cmt;
  }

  it('send-tx.js hands a tx over, and CometBFT commits it', async () => {
    const node = chain();
    const key = `example-${randomBytes(4).toString('hex')}`;
    const run = runExample('send-tx', [node.p2pAddress, node.chainId, `${key}=sent`]);
    assert.equal(await exited(run), 0, run.output());
    assert.match(run.output(), /^tx [0-9A-F]{64} delivered$/m);
    const value = await pollUntil(
      (signal) => abciQueryValue(node.rpc, key, { signal }),
      (last) => `/abci_query never found ${key} (last error: ${String(last)})`,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(value, 'sent');
  });

  it('follow-chain.js prints verified blocks from the height asked, with the hashes RPC reports, and exits 0 on Ctrl-C', async () => {
    const node = chain();
    const run = runExample('follow-chain', [node.p2pAddress, node.chainId, '2']);
    const [line] = await waitForOutput(run, /^3 [0-9A-F]{64} \d+ txs \S+$/m, 'block 3');
    run.child.kill('SIGINT');
    assert.equal(await exited(run), 0, run.output());
    assert.match(run.output(), /^2 [0-9A-F]{64} \d+ txs /, 'it starts at the height asked');
    const rpc = await rpcBlock(node.rpc, 3);
    assert.equal(line!.split(' ')[1], rpc.block_id.hash);
  });

  it('mempool-watch.js sends a tx, and prints the txs CometBFT gossips to it', async () => {
    const node = chain();
    const run = runExample('mempool-watch', [node.p2pAddress, node.chainId, '20']);
    await waitForOutput(run, /^sent tx [0-9A-F]{64} to [0-9a-f]{40}$/m, 'its own tx sent');
    const tx = `watched-${randomBytes(4).toString('hex')}=gossiped`;
    // CometBFT gossips a tx only to peers that announced a height; the watcher announces once blocksync knows one.
    await pollUntil(
      async (signal) => {
        await broadcastTxSync(node.rpc, `${tx}-${Date.now()}`, { signal });
        return run.output().includes(tx) ? true : undefined;
      },
      () => `the watcher never printed a tx gossiped by CometBFT:\n${run.output()}`,
      { timeoutMs: 15_000, intervalMs: 1_000 },
    );
    assert.equal(await exited(run), 0, run.output());
    assert.match(run.output(), new RegExp(`^tx [0-9A-F]{64} from ${node.nodeId}: ${tx}-\\d+$`, 'm'));
    assert.match(run.output(), /^[1-9]\d* txs received, \d+ duplicates$/m);
    assert.equal(run.stderr(), '', 'nothing logged at warn or above');
  });
});
