import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';
import { abciQueryValue, broadcastTxSync } from './support/chain-rpc.js';
import { pollUntil } from './support/poll.js';
import { Tmp2pInteropNode } from './support/tmp2p-node.js';
import { tmp2p } from '../support/cli.js';
import { txHash } from '../../reactors/mempool/tx-hash.js';
import { MempoolReactor, type ReceivedTx } from '../../reactors/mempool/mempool-reactor.js';
import { ConsensusStateReactor } from '../../reactors/consensus-state/consensus-state-reactor.js';
import type { NodeID } from '../../framework/identity/node-id.js';

/**
 * tmp2p's mempool channel against a real CometBFT v0.38.17 single-validator kvstore chain: a tx
 * sent with `tmp2p send-tx` (the CLI as the README shows it) is checked and committed by CometBFT;
 * a tx submitted to CometBFT's RPC reaches a tmp2p node's `txs$`, because that node's
 * consensus-state reactor announces the height its blocksync reactor verified.
 */
describe('interop: mempool and send-tx against a CometBFT v0.38.17 kvstore chain', function () {
  let cmt: CometBFTNode | undefined;
  let listener: Tmp2pInteropNode | undefined;
  let logDir: string | undefined;
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
    if (failed && listener) console.error(`--- tmp2p events ---${listener.describeEvents()}\n--- tmp2p log tail ---\n${await listener.logTail(60)}`);
    await listener?.stop();
    await cmt?.cleanup();
    if (logDir !== undefined && !failed) await rm(logDir, { recursive: true, force: true });
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

  it('a tx submitted through CometBFT\'s RPC broadcast_tx_sync arrives on the mempool reactor\'s txs$ of a tmp2p node that announces its height', async function () {
    const node = chain();
    logDir = await mkdtemp(join(tmpdir(), 'tmp2p-mempool-interop-'));
    listener = await Tmp2pInteropNode.start({
      moniker: 'tmp2p-mempool',
      network: node.chainId,
      logDir,
      reactors: ['pex', 'mempool', 'blocksync', 'consensus-state'],
      persistentPeers: [node.p2pAddress],
    });
    const received: ReceivedTx[] = [];
    listener.node.reactor(MempoolReactor).txs$.subscribe((r) => received.push(r));
    await listener.waitForPeer(node.nodeId, { timeoutMs: 30_000 });
    // CometBFT gossips a tx only to a peer whose announced height is at least the tx's height − 1.
    const consensus = listener.node.reactor(ConsensusStateReactor);
    await pollUntil(
      async () => consensus.announcedHeight(),
      () => 'the consensus-state reactor never announced a height (blocksync verified no block)',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const key = `rpc-${randomBytes(4).toString('hex')}`;
    const submitted = await broadcastTxSync(node.rpc, `${key}=gossiped`);
    assert.equal(submitted.code, 0, `CheckTx refused the tx: ${submitted.log}`);
    const arrived = await pollUntil(
      async () => received.find((r) => r.hash === submitted.hash.toUpperCase()),
      () => `tx ${submitted.hash} never arrived on txs$ (received: ${received.map((r) => r.hash).join(', ') || 'nothing'}; announced height ${consensus.announcedHeight()})`,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.equal(new TextDecoder().decode(arrived.tx), `${key}=gossiped`);
    assert.equal(arrived.peer, node.nodeId as NodeID);
    // Neither side complained: no peer error at tmp2p, no peer error about tmp2p at CometBFT.
    assert.deepEqual(listener.events.filter((e) => e.type === 'peer-error' || e.type === 'peer-down').map((e) => e.type), []);
    const aboutTmp2p = (await node.grepLogFile(/Stopping peer for error|pong timeout|blacklist/)).filter((l) => l.includes(listener!.nodeId));
    assert.deepEqual(aboutTmp2p, []);
  });
});
