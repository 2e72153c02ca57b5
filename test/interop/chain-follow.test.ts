import assert from 'node:assert/strict';
import { z } from 'zod';
import type { Subscription } from 'rxjs';
import { createNode } from '../../node/create-node.js';
import type { Node } from '../../node/node.js';
import { follow } from '../../node/follow/follow.js';
import { MempoolReactor, type ReceivedTx } from '../../reactors/mempool/mempool-reactor.js';
import { silentLogger } from '../../framework/logging/logger.js';
import type { RouterEvent } from '../../framework/router/events.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import { BlocksyncReactor, type BlockRejection, type ReceivedBlock } from '../../reactors/blocksync/blocksync-reactor.js';
import { ConsensusStateReactor } from '../../reactors/consensus-state/consensus-state-reactor.js';
import { hashHex } from '../../reactors/blocksync/block-hash.js';
import { blockFromJson, type RpcBlockResult } from '../support/block-json.js';
import { BlockServer, copyBlock } from '../support/block-server.js';
import { spawnCli, tmp2p, type CliProcess } from '../support/cli.js';
import { CometBFTNode, cometBFTOrSkip } from './support/cometbft.js';
import { rpcBlock, submitTx } from './support/chain-rpc.js';
import { pollUntil } from './support/poll.js';
import { describeEvent } from './support/tmp2p-node.js';

/** Consecutive verified blocks `tmp2p follow` must print, each with CometBFT's hash. */
const MIN_BLOCKS = 20;
/** CometBFT lines that mean it dropped a peer, or refused what a peer sent. */
const PEER_TROUBLE = /Stopping peer for error|Peer sent us invalid msg|Add address to blacklist/;

/** CometBFT's complaints about its peers, apart from `err=EOF`: a peer that closed its connection (a follower stopped with Ctrl-C). */
async function peerTrouble(chain: CometBFTNode): Promise<string[]> {
  return (await chain.grepLogFile(PEER_TROUBLE)).filter((line) => !/ err=EOF$/.test(line));
}

interface BlockLine {
  readonly height: number;
  readonly hash: string;
  readonly txs: number;
  readonly time: string;
}

function blockLines(output: string): BlockLine[] {
  return [...output.matchAll(/^height=(\d+) hash=([0-9A-F]{64}) txs=(\d+) time=(\S+)$/gm)].map((m) => ({ height: Number(m[1]), hash: m[2]!, txs: Number(m[3]), time: m[4]! }));
}

/**
 * tmp2p follows a real CometBFT v0.38.17 chain: a single-validator kvstore node with ~2 blocks a
 * second (timeout_commit 500ms) on loopback. `tmp2p follow`, run as the README shows it, verifies
 * consecutive blocks whose hashes are CometBFT's; the consensus-state listener's announcements make
 * CometBFT gossip its mempool txs to tmp2p; and a tmp2p test peer serving real blocks from that
 * chain, tampered with, is rejected with a typed error and reported.
 */
describe('interop: following a CometBFT v0.38.17 chain', function () {
  let cmt: CometBFTNode | undefined;
  const nodes: Node[] = [];
  const clis: CliProcess[] = [];
  let txCounter = 0;

  before(async function () {
    const binary = await cometBFTOrSkip(this, 'chain-following interop tests');
    cmt = await CometBFTNode.create({ binary, moniker: 'chain' });
    await cmt.start();
    await cmt.waitForHeight(2, { timeoutMs: 60_000 });
  });

  afterEach(async function () {
    for (const cli of clis.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
    }
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
    if (this.currentTest?.state === 'failed' && cmt) console.error(`--- CometBFT log tail ---\n${cmt.logTail(80)}`);
  });

  after(async () => {
    await cmt?.cleanup();
  });

  const tx = () => `key${++txCounter}=value${txCounter}`;

  it(`tmp2p follow verifies ≥ ${MIN_BLOCKS} consecutive blocks, each with the hash RPC /block reports`, async function () {
    const chain = cmt!;
    const cli = spawnCli(['follow', '--peer', chain.p2pAddress, '--network', chain.chainId]);
    clis.push(cli);
    // Txs along the way, so that some verified blocks carry them.
    const sender = setInterval(() => void submitTx(chain.rpc, tx()).catch(() => undefined), 1_500);
    try {
      await pollUntil(
        async () => (blockLines(cli.output()).length >= MIN_BLOCKS ? true : undefined),
        () => `tmp2p follow printed ${blockLines(cli.output()).length} block lines:\n${cli.output().slice(-3000)}`,
        { timeoutMs: 180_000, intervalMs: 250 },
      );
    } finally {
      clearInterval(sender);
      cli.child.kill('SIGINT');
    }
    const code = await new Promise<number | null>((resolve) => (cli.child.exitCode !== null ? resolve(cli.child.exitCode) : cli.child.once('exit', resolve)));
    assert.equal(code, 0, `Ctrl-C ends following cleanly:\n${cli.stderr().slice(-2000)}`);

    const lines = blockLines(cli.output());
    assert.equal(lines[0]!.height, 1, "from the peer's base");
    assert.deepEqual(lines.map((l) => l.height), lines.map((_, i) => i + 1), 'consecutive heights');
    for (const line of lines) {
      const result = await rpcBlock(chain.rpc, line.height);
      assert.equal(line.hash, result.block_id.hash, `height ${line.height}`);
      assert.equal(line.txs, (result.block.data.txs ?? []).length, `txs at height ${line.height}`);
      assert.equal(line.time, result.block.header.time, `time at height ${line.height}`);
    }
    assert.ok(lines.some((l) => l.txs > 0), 'some verified blocks carry txs');
    assert.deepEqual(await peerTrouble(chain), [], 'CometBFT dropped no peer and refused nothing');
  });

  it('announces its height on 0x20, hears CometBFT’s round steps, and so a tx submitted over RPC arrives on txs$', async function () {
    const chain = cmt!;
    const node = await chainNode(chain, [BlocksyncReactor, ConsensusStateReactor, MempoolReactor], { blocksync: { start_height: 'latest' } });
    nodes.push(node);
    const events = record(node);
    const blocksync = node.reactor(BlocksyncReactor);
    const consensus = node.reactor(ConsensusStateReactor);
    const received: ReceivedTx[] = [];
    node.reactor(MempoolReactor).txs$.subscribe((t) => received.push(t));
    await pollUntil(async () => blocksync.lastVerified(), () => `no block verified; events: ${events.describe()}`, { timeoutMs: 60_000 });
    const peer = chain.nodeId as never;
    await pollUntil(async () => consensus.peerState(peer), () => 'CometBFT sent no NewRoundStep', { timeoutMs: 30_000 });
    await pollUntil(async () => (consensus.announcedHeight()! > blocksync.lastVerified()!.height ? true : undefined), () => 'no announcement', { timeoutMs: 30_000 });

    const sent = tx();
    const hash = await submitTx(chain.rpc, sent);
    const arrived = await pollUntil(async () => received.find((r) => r.hash === hash.toUpperCase()), () => `CometBFT gossiped no tx; announced ${consensus.announcedHeight()}, peer at ${JSON.stringify(consensus.peerState(peer))}`, {
      timeoutMs: 60_000,
    });
    assert.equal(new TextDecoder().decode(arrived.tx), sent);
    assert.equal(arrived.peer, chain.nodeId);
    const state = consensus.peerState(peer)!;
    assert.ok(Math.abs(state.height - consensus.announcedHeight()!) <= 5, `CometBFT at ${state.height}, we announce ${consensus.announcedHeight()}`);
    assert.ok((consensus.stats.received['newRoundStep'] ?? 0) > 0);
    assert.equal(consensus.stats.invalid, 0);
    assert.deepEqual(events.peerErrors(), [], 'no peer error on our side');
    assert.deepEqual(await peerTrouble(chain), [], 'CometBFT refused nothing we said');
  });

  it('send-tx --wait reports the height and block /tx_search and /block report for the tx', async function () {
    const chain = cmt!;
    const result = await tmp2p(['send-tx', '--peer', chain.p2pAddress, '--network', chain.chainId, '--wait', '--json', tx()], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, result.stderr);
    const { hash, height, blockHash } = JSON.parse(result.stdout.trim()) as { hash: string; height: number; blockHash: string };
    const found = await pollUntil(async () => txHeight(chain, hash), () => `/tx_search does not find ${hash}`, { timeoutMs: 30_000 });
    assert.equal(height, found);
    assert.equal(blockHash, (await rpcBlock(chain.rpc, height)).block_id.hash);
  });

  describe('a tmp2p test peer serving real blocks of the chain, tampered with', () => {
    let real: RpcBlockResult[] = [];

    before(async function () {
      const chain = cmt!;
      // A block with several txs to tamper with: submitted together, most land in one block.
      for (let i = 0; i < 4; i++) await submitTx(chain.rpc, tx());
      const top = await chain.waitForHeight((await chain.status()).sync_info.latest_block_height + 2, { timeoutMs: 60_000 });
      real = [];
      for (let h = 1; h <= top; h++) real.push(await rpcBlock(chain.rpc, h));
      assert.ok(real.some((r) => (r.block.data.txs ?? []).length > 1), 'a block with several txs');
    });

    /** Serves `real` from a tmp2p node (on the chain's network) with `tamper` applied at `height`. */
    async function tamperedServer(height: number, tamper: (block: ReturnType<typeof blockFromJson>) => void): Promise<Node> {
      const blocks = new Map(real.map((r) => [Number(r.block.header.height), blockFromJson(r.block)]));
      const bad = copyBlock(blocks.get(height)!);
      tamper(bad);
      blocks.set(height, bad);
      const server = await createNode(
        { values: { network: cmt!.chainId, moniker: 'liar', p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0' }, reactors: { enabled: ['pex'] } } },
        { reactors: [BlockServer], logger: silentLogger() },
      );
      nodes.push(server);
      server.reactor(BlockServer).blocks = blocks;
      return server;
    }

    async function expectRejected(server: Node, reason: string, height: number): Promise<void> {
      const address = server.addresses()[0]!.toString().replace(/^mconn:\/\//, '');
      const follower = await chainNode(cmt!, [BlocksyncReactor], { blocksync: { start_height: 'base' } }, address);
      nodes.push(follower);
      const events = record(follower);
      const reactor = follower.reactor(BlocksyncReactor);
      const rejections: BlockRejection[] = [];
      const verified: ReceivedBlock[] = [];
      reactor.rejections$.subscribe((r) => rejections.push(r));
      reactor.blocks$.subscribe((b) => verified.push(b));
      await pollUntil(async () => rejections[0], () => `no rejection; verified up to ${verified.at(-1)?.height}; events: ${events.describe()}`, { timeoutMs: 60_000 });
      const [rejection] = rejections;
      assert.equal(rejection!.error.name, 'BlockVerificationError');
      assert.equal(rejection!.error.reason, reason);
      assert.equal(rejection!.error.height, height);
      assert.equal(rejection!.peer, server.nodeId);
      // The sending peer is reported: a fatal peer error (the router counts it and disconnects the peer).
      const reported = await pollUntil(async () => events.peerErrors().find((e) => e.nodeId === server.nodeId), () => events.describe(), { timeoutMs: 10_000 });
      assert.equal(reported.fatal, true);
      assert.equal(reported.error.name, 'BlockVerificationError');
      assert.ok(follower.router.metrics().peerErrors >= 1);
      await pollUntil(async () => (follower.peers().includes(server.nodeId) ? undefined : true), () => 'the liar is still connected', { timeoutMs: 10_000 });
      assert.deepEqual(verified.map((b) => hashHex(b.id.hash)), real.slice(0, height - 1).map((r) => r.block_id.hash), 'the blocks before it verified, with their real hashes');

      // follow() fails the same way, with the typed error.
      const error = await (async () => {
        try {
          for await (const _block of follow({ peer: address, network: cmt!.chainId })) void _block;
        } catch (e) {
          return e as Error & { reason?: string; height?: number };
        }
        return undefined;
      })();
      assert.equal(error?.name, 'BlockVerificationError');
      assert.equal(error?.reason, reason);
      assert.equal(error?.height, height);
    }

    it('rejects a block with a wrong hash link (last_block_id) and reports the sender', async () => {
      const height = Math.min(5, real.length);
      const server = await tamperedServer(height, (block) => {
        block.header!.lastBlockId!.hash = new Uint8Array(32).fill(0x5a);
      });
      await expectRejected(server, 'last-block-id', height);
    });

    it('rejects a tx list that does not match data_hash and reports the sender', async () => {
      const height = real.findIndex((r) => (r.block.data.txs ?? []).length > 1) + 1;
      const server = await tamperedServer(height, (block) => {
        block.data!.txs![1] = Buffer.from('key=forged');
      });
      await expectRejected(server, 'data-hash', height);
    });
  });
});

/** The height `/tx_search` finds a tx at, undefined while it is not indexed. */
async function txHeight(chain: CometBFTNode, hash: string): Promise<number | undefined> {
  const schema = z.looseObject({ txs: z.array(z.looseObject({ hash: z.string(), height: z.string() })) });
  const result = await chain.rpc.call('tx_search', { query: `tx.hash='${hash}'` }, schema);
  const hit = result.txs.find((t) => t.hash.toUpperCase() === hash.toUpperCase());
  return hit === undefined ? undefined : Number(hit.height);
}

/** A tmp2p node on the chain's network, dialing `peer` (default the CometBFT node), running `reactors` and PEX. */
async function chainNode(chain: CometBFTNode, reactors: readonly ReactorClass[], reactorConfig: Record<string, unknown>, peer = chain.p2pAddress): Promise<Node> {
  const node = await createNode(
    {
      values: {
        network: chain.chainId,
        moniker: 'tmp2p-chain',
        p2p: { transports: ['mconn'], laddr: 'tcp://127.0.0.1:0', persistent_peers: peer },
        reactors: { enabled: ['pex'], pex: { need_address_threshold: 0 }, ...reactorConfig },
      },
    },
    { reactors, logger: silentLogger() },
  );
  return node;
}

function record(node: Node): { peerErrors(): Extract<RouterEvent, { type: 'peer-error' }>[]; describe(): string; subscription: Subscription } {
  const events: RouterEvent[] = [];
  const subscription = node.events$.subscribe((e) => events.push(e));
  return {
    subscription,
    peerErrors: () => events.filter((e): e is Extract<RouterEvent, { type: 'peer-error' }> => e.type === 'peer-error'),
    describe: () => events.map((e) => `\n  ${describeEvent(e)}`).join('') || '(none)',
  };
}
