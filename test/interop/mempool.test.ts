import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';
import { abciQueryValue } from './support/chain-rpc.js';
import { pollUntil } from './support/poll.js';
import { tmp2p } from '../support/cli.js';
import { txHash } from '../../reactors/mempool/tx-hash.js';

/**
 * tmp2p's mempool channel against a real CometBFT v0.38.17 single-validator kvstore chain: a tx
 * sent with `tmp2p send-tx` (the CLI as the README shows it) is checked and committed by CometBFT.
 * (chain-follow.test.ts checks the other direction, and `send-tx --wait` against /tx_search.)
 */
describe('interop: mempool and send-tx against a CometBFT v0.38.17 kvstore chain', function () {
  let cmt: CometBFTNode | undefined;
  let failed = false;

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'mempool interop tests');
    cmt = await CometBFTNode.create({ binary, moniker: 'cometbft-mempool', logLevel: 'mempool:debug,*:info' });
    await cmt.start();
    await cmt.waitForHeight(1, { timeoutMs: 30_000 });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async function () {
    if (failed && cmt) console.error(`--- CometBFT log tail (${cmt.logFile}) ---\n${cmt.logTail(120)}`);
    await cmt?.cleanup();
  });

  function chain(): CometBFTNode {
    assert.ok(cmt, 'suite setup did not complete');
    return cmt;
  }

  it('tmp2p send-tx key=value is delivered, checked and committed: /abci_query finds the value', async function () {
    const node = chain();
    const key = `sendtx-${randomBytes(4).toString('hex')}`;
    const tx = `${key}=committed`;
    const result = await tmp2p(['send-tx', '--peer', node.p2pAddress, '--network', node.chainId, tx], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, `send-tx failed:\n${result.stderr}`);
    assert.equal(result.stdout, `tx ${txHash(new TextEncoder().encode(tx))} delivered to ${node.nodeId}\n`);
    const value = await pollUntil(
      (signal) => abciQueryValue(node.rpc, key, { signal }),
      (last) => `/abci_query never found ${key} (last error: ${String(last)})`,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    assert.equal(value, 'committed');
    // send-tx hangs up once the tx is acknowledged: CometBFT logs that as err=EOF, and nothing else.
    const stopped = await node.grepLogFile(/Stopping peer for error/);
    assert.deepEqual(stopped.filter((line) => !/err=EOF/.test(line)), []);
  });
});
