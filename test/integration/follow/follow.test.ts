import assert from 'node:assert/strict';
import { createNode } from '../../../node/create-node.js';
import type { Node } from '../../../node/node.js';
import { follow, type FollowOptions } from '../../../node/follow/follow.js';
import type { FollowedBlock } from '../../../node/follow/block-stream.js';
import { silentLogger } from '../../../framework/logging/logger.js';
import type { ReactorClass } from '../../../framework/reactor/metadata.js';
import { EchoReactor } from '../../../reactors/echo/echo-reactor.js';
import { BlockServer, blocksByHeight, copyBlock, vectorBlocks } from '../../support/block-server.js';
import { spawnCli, waitForOutput } from '../../support/cli.js';
import { rejectsWith } from '../../support/rejects-with.js';

const { chainId, results } = vectorBlocks();
const TOP = results.length;
const withTxs = results.findIndex((r) => (r.block.data.txs ?? []).length > 1) + 1;

/** A tmp2p node on loopback TCP that serves `blocks` over blocksync, as a CometBFT node would. */
async function blockServerNode(reactors: readonly ReactorClass[] = [BlockServer], network = chainId): Promise<Node> {
  return createNode(
    { values: { network, moniker: 'block-server', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' }, reactors: { enabled: ['pex'] } } },
    { reactors, logger: silentLogger() },
  );
}

function peerAddress(node: Node): string {
  return node.addresses()[0]!.toString().replace(/^mconn:\/\//, '');
}

/** Collects `count` blocks from `follow`, then stops iterating (which stops its node). */
async function take(options: FollowOptions, count: number): Promise<FollowedBlock[]> {
  const out: FollowedBlock[] = [];
  for await (const block of follow(options)) {
    out.push(block);
    if (out.length === count) break;
  }
  return out;
}

describe('follow', function () {
  this.timeout(60_000);
  let server: Node | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function serve(blocks = blocksByHeight(results)): Promise<BlockServer> {
    server = await blockServerNode();
    const reactor = server.reactor(BlockServer);
    reactor.blocks = blocks;
    return reactor;
  }

  it("yields every block from the peer's base, verified, with the hashes CometBFT reports, and keeps following", async () => {
    const all = blocksByHeight(results);
    const s = await serve(new Map([...all].filter(([h]) => h <= 4)));
    const blocks: FollowedBlock[] = [];
    for await (const block of follow({ peer: peerAddress(server!), network: chainId })) {
      blocks.push(block);
      if (block.height === 4) s.blocks = all; // the chain grows while we follow
      if (blocks.length === TOP) break;
    }
    assert.deepEqual(blocks.map((b) => b.height), results.map((_, i) => i + 1));
    assert.deepEqual(blocks.map((b) => b.hash), results.map((r) => r.block_id.hash));
    assert.deepEqual(blocks.map((b) => b.time), results.map((r) => r.block.header.time));
    assert.equal(blocks[withTxs - 1]!.txs.length, (results[withTxs - 1]!.block.data.txs ?? []).length);
  });

  it('starts at `from`', async () => {
    await serve();
    const blocks = await take({ peer: peerAddress(server!), network: chainId, from: 5 }, 2);
    assert.deepEqual(blocks.map((b) => b.height), [5, 6]);
  });

  it('throws a BlockVerificationError naming the check and height when a block does not verify', async () => {
    const tampered = blocksByHeight(results);
    const bad = copyBlock(tampered.get(withTxs)!);
    bad.data!.txs!.reverse();
    tampered.set(withTxs, bad);
    await serve(tampered);
    const error = await rejectsWith(take({ peer: peerAddress(server!), network: chainId }, TOP), Error);
    assert.equal(error.name, 'BlockVerificationError');
    assert.equal((error as Error & { reason: string }).reason, 'data-hash');
    assert.equal((error as Error & { height: number }).height, withTxs);
  });

  it('throws BlockUnavailableError when `from` is below the peer’s base', async () => {
    await serve(new Map([...blocksByHeight(results)].filter(([h]) => h >= 3)));
    const error = await rejectsWith(take({ peer: peerAddress(server!), network: chainId, from: 1 }, 1), Error);
    assert.equal(error.name, 'BlockUnavailableError');
  });

  it('throws FollowPeerError for a peer of another network and for one that serves no blocks', async () => {
    server = await blockServerNode([BlockServer], 'another-chain');
    const refused = await rejectsWith(take({ peer: peerAddress(server), network: chainId }, 1), Error);
    assert.equal(refused.name, 'FollowPeerError');
    await server.stop();
    server = await blockServerNode([EchoReactor]);
    const blockless = await rejectsWith(take({ peer: peerAddress(server), network: chainId }, 1), Error);
    assert.equal(blockless.name, 'FollowPeerError');
  });

  it('stops with an AbortError when its signal aborts, and refuses bad options', async () => {
    await serve();
    const abort = new AbortController();
    const blocks = follow({ peer: peerAddress(server!), network: chainId }, { signal: abort.signal });
    const first = await blocks.next();
    assert.equal(first.done, false);
    abort.abort();
    const error = await rejectsWith(
      (async () => {
        for (;;) if ((await blocks.next()).done) return;
      })(),
      Error,
    );
    assert.equal(error.name, 'AbortError');
    for (const bad of [{ peer: 'nope', network: chainId }, { peer: peerAddress(server!), network: '' }, { peer: peerAddress(server!), network: chainId, from: 0 }]) {
      assert.equal((await rejectsWith(take(bad, 1), Error)).name, 'FollowOptionsError');
    }
  });

  describe('tmp2p follow', () => {
    it('prints one line per verified block: height, upper-case hash, tx count, time (--json: one object per line)', async () => {
      await serve();
      const cli = spawnCli(['follow', '--peer', peerAddress(server!), '--network', chainId]);
      const json = spawnCli(['follow', '--peer', peerAddress(server!), '--network', chainId, '--from', String(withTxs), '--json']);
      try {
        await waitForOutput(cli, new RegExp(`height=${TOP} `), `block ${TOP}`);
        const lines = cli.output().split('\n').filter((l) => l.startsWith('height='));
        assert.deepEqual(
          lines,
          results.map((r) => `height=${r.block.header.height} hash=${r.block_id.hash} txs=${(r.block.data.txs ?? []).length} time=${r.block.header.time}`),
        );
        await waitForOutput(json, new RegExp(`"height":${TOP},`), `JSON block ${TOP}`);
        const objects = json.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(objects[0], { height: withTxs, hash: results[withTxs - 1]!.block_id.hash, txs: (results[withTxs - 1]!.block.data.txs ?? []).length, time: results[withTxs - 1]!.block.header.time });
      } finally {
        cli.child.kill('SIGINT');
        json.child.kill('SIGINT');
      }
      const codes = await Promise.all([cli, json].map((p) => new Promise<number | null>((resolve) => (p.child.exitCode !== null ? resolve(p.child.exitCode) : p.child.once('exit', resolve)))));
      assert.deepEqual(codes, [0, 0], 'Ctrl-C ends following cleanly');
    });

    it('exits non-zero with the typed error when a block does not verify', async () => {
      const tampered = blocksByHeight(results);
      const bad = copyBlock(tampered.get(3)!);
      bad.header!.lastBlockId!.partSetHeader!.total = 9;
      tampered.set(3, bad);
      await serve(tampered);
      const cli = spawnCli(['follow', '--peer', peerAddress(server!), '--network', chainId]);
      const code = await new Promise<number | null>((resolve) => cli.child.once('exit', resolve));
      assert.notEqual(code, 0);
      assert.match(cli.stderr(), /tmp2p: BlockVerificationError: block 3: links to block id/);
      assert.deepEqual(cli.output().split('\n').filter((l) => l.startsWith('height=')).map((l) => l.split(' ')[0]), ['height=1', 'height=2']);
    });
  });
});
