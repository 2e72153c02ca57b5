import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';


function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('interop: CometBFT harness smoke test', function () {
  let binary: string;
  let node: CometBFTNode | undefined;
  const extraNodes: CometBFTNode[] = [];

  before(async function () {
    binary = await cometBFTOrSkip(this, 'CometBFT interop tests');
  });

  afterEach(async function () {
    const all = [...(node ? [node] : []), ...extraNodes.splice(0)];
    node = undefined;
    const failed = this.currentTest?.state === 'failed';
    // Every node is cleaned up even if one cleanup throws; the first error is reported afterwards.
    const results = await Promise.allSettled(
      all.map(async (n) => {
        if (failed) console.error(`--- CometBFT log tail (${n.moniker}) ---\n${n.logTail(80)}`);
        await n.cleanup();
      }),
    );
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  });

  it('starts a node that reports its chain id and produces blocks, then stops it', async function () {
    node = await CometBFTNode.create({ binary, moniker: 'smoke' });
    assert.match(node.nodeId, /^[0-9a-f]{40}$/);
    assert.equal(node.p2pAddress, `${node.nodeId}@127.0.0.1:${node.p2pPort}`);

    await node.start();
    const pid = node.pid;
    assert.ok(pid !== undefined && processExists(pid), 'cometbft process should be running after start()');

    const status = await node.status();
    assert.equal(status.node_info.network, node.chainId);
    assert.equal(status.node_info.id, node.nodeId);
    assert.equal(status.node_info.moniker, 'smoke');
    assert.equal(status.node_info.listen_addr, `127.0.0.1:${node.p2pPort}`);

    const first = status.sync_info.latest_block_height;
    const later = await node.waitForHeight(first + 2, { timeoutMs: 30_000 });
    assert.ok(later >= first + 2, `height should grow past ${first + 1}, got ${later}`);

    const netInfo = await node.netInfo();
    assert.equal(netInfo.listening, true);
    assert.equal(netInfo.peers.length, 0);
    assert.ok(node.grepLog(/Started node|Starting Node service/).length > 0, 'start-up should be logged');

    await node.stop();
    assert.equal(node.running, false);
    assert.equal(processExists(pid), false, `pid ${pid} should be gone after stop()`);
    await node.stop(); // idempotent

    const home = node.home;
    await node.cleanup();
    assert.equal(existsSync(home), false, 'cleanup() should remove the home directory');
  });

  it('peers two nodes via /dial_peers and logs the disconnect when one stops', async function () {
    const a = await CometBFTNode.create({ binary, moniker: 'alpha' });
    extraNodes.push(a);
    // Sharing alpha's genesis makes beta a full node of alpha's chain rather than a rival validator.
    const b = await CometBFTNode.create({ binary, moniker: 'beta', genesisFile: a.genesisFile });
    extraNodes.push(b);
    assert.equal(b.chainId, a.chainId);
    await a.start();
    await b.start();

    await b.dialPeers([a.p2pAddress], false);
    const seenByB = await b.waitForPeer(a.nodeId, { timeoutMs: 30_000 });
    const seenByA = await a.waitForPeer(b.nodeId, { timeoutMs: 30_000 });
    assert.equal(seenByB.is_outbound, true);
    assert.equal(seenByA.is_outbound, false);
    assert.equal(seenByA.remote_ip, '127.0.0.1');
    assert.equal(seenByA.node_info.moniker, 'beta');
    assert.equal(seenByA.node_info.listen_addr, `127.0.0.1:${b.p2pPort}`);
    assert.equal(seenByA.node_info.network, a.chainId);
    await b.waitForHeight(3, { timeoutMs: 30_000 }); // beta follows alpha's blocks

    await b.stop();
    await a.waitForPeerGone(b.nodeId, { timeoutMs: 30_000 });
    const errors = a.grepLog(new RegExp(`Stopping peer for error.*${b.nodeId}`));
    assert.ok(errors.length > 0, `alpha should log the lost peer:\n${a.logTail()}`);
  });
});
