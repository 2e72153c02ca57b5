import assert from 'node:assert/strict';
import type { Node } from '../../../../node/node.js';
import type { RouterEvent } from '../../../../framework/router/events.js';
import { BlocksyncReactor, type BlockRejection, type ReceivedBlock } from '../../../../reactors/blocksync/blocksync-reactor.js';
import { BlockRequest, BlockResponse, NoBlockResponse, StatusRequest, StatusResponse } from '../../../../reactors/blocksync/blocksync-channel.js';
import { hashHex } from '../../../../reactors/blocksync/block-hash.js';
import { BLOCKSYNC_CHANNEL_ID } from '../../../../reactors/blocksync/blocksync-channel.js';
import { BlockServer, blocksByHeight, copyBlock, vectorBlocks } from '../../../support/block-server.js';
import { eventually, MemoryNetwork, memoryNode } from '../../../support/channel-probe.js';

const { chainId, results } = vectorBlocks();
const TOP = results.length;
const withTxs = results.findIndex((r) => (r.block.data.txs ?? []).length > 1) + 1;

interface Rig {
  readonly follower: Node;
  readonly reactor: BlocksyncReactor;
  readonly blocks: ReceivedBlock[];
  readonly rejections: BlockRejection[];
  readonly events: RouterEvent[];
  readonly network: MemoryNetwork;
}

describe('BlocksyncReactor', () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  });

  async function follower(options: Record<string, unknown> = {}): Promise<Rig> {
    const network = new MemoryNetwork();
    const node = await memoryNode(network, [BlocksyncReactor], {
      network: chainId,
      reactors: { blocksync: { start_height: 'base', status_interval_ms: 20, ...options } },
    });
    nodes.push(node);
    const reactor = node.reactor(BlocksyncReactor);
    const rig: Rig = { follower: node, reactor, blocks: [], rejections: [], events: [], network };
    reactor.blocks$.subscribe((b) => rig.blocks.push(b));
    reactor.rejections$.subscribe((r) => rig.rejections.push(r));
    node.events$.subscribe((e) => rig.events.push(e));
    return rig;
  }

  /** A block server peer holding `blocks`, connected to the follower. */
  async function server(rig: Rig, blocks = blocksByHeight(results), options: { silent?: boolean } = {}): Promise<{ node: Node; server: BlockServer }> {
    const node = await memoryNode(rig.network, [BlockServer], { network: chainId });
    nodes.push(node);
    const s = node.reactor(BlockServer);
    s.blocks = blocks;
    s.silent = options.silent ?? false;
    for (const address of node.addresses()) rig.follower.addPeer(address);
    // A lying server may be gone again before a poll would see it connected: look for its peer-up.
    await eventually(() => rig.events.some((e) => e.type === 'peer-up' && e.nodeId === node.nodeId), 'the server to connect');
    return { node, server: s };
  }

  const peerErrors = (rig: Rig) => rig.events.filter((e): e is Extract<RouterEvent, { type: 'peer-error' }> => e.type === 'peer-error');

  it('downloads every block from the base, verified, in order, with the hashes CometBFT reports', async () => {
    const rig = await follower();
    await server(rig);
    await eventually(() => rig.blocks.length === TOP, `${TOP} blocks`);
    assert.deepEqual(rig.blocks.map((b) => b.height), results.map((_, i) => i + 1));
    assert.deepEqual(rig.blocks.map((b) => hashHex(b.id.hash)), results.map((r) => r.block_id.hash));
    assert.equal(rig.blocks[withTxs - 1]!.txs.length, (results[withTxs - 1]!.block.data.txs ?? []).length);
    assert.deepEqual(rig.rejections, []);
    assert.equal(rig.reactor.lastVerified()?.height, TOP);
    assert.equal(rig.reactor.stats.blocksVerified, TOP);
  });

  it('starts at the latest block by default', async () => {
    const rig = await follower({ start_height: 'latest' });
    await server(rig);
    await eventually(() => rig.blocks.length === 1, 'one block');
    assert.equal(rig.blocks[0]!.height, TOP);
  });

  it('keeps following: blocks that appear later are fetched as status polls report them', async () => {
    const rig = await follower();
    const all = blocksByHeight(results);
    const first = new Map([...all].filter(([h]) => h <= 3));
    const { server: s } = await server(rig, first);
    await eventually(() => rig.blocks.length === 3, 'blocks 1-3');
    s.blocks = all;
    await eventually(() => rig.blocks.length === TOP, 'the rest');
    assert.deepEqual(rig.blocks.map((b) => b.height), results.map((_, i) => i + 1));
  });

  it('answers StatusRequest with an empty range and every BlockRequest with NoBlockResponse', async () => {
    const rig = await follower();
    const { server: s } = await server(rig, new Map());
    s.channel.send(rig.follower.nodeId, StatusRequest.create());
    s.channel.send(rig.follower.nodeId, BlockRequest.create({ height: 3 }));
    await eventually(() => s.received.length >= 2, 'two answers');
    const status = s.received.find((r) => r.message instanceof StatusResponse)?.message as StatusResponse;
    assert.deepEqual({ height: status.height, base: status.base }, { height: 0, base: 0 });
    const none = s.received.find((r) => r.message instanceof NoBlockResponse)?.message as NoBlockResponse;
    assert.equal(none.height, 3);
  });

  it('rejects a tx list that does not match data_hash, reports the sender, and gets the block from an honest peer', async () => {
    const rig = await follower();
    const tampered = blocksByHeight(results);
    const bad = copyBlock(tampered.get(withTxs)!);
    bad.data!.txs![0] = Buffer.from('name=mallory');
    tampered.set(withTxs, bad);
    const liar = await server(rig, tampered);
    await eventually(() => rig.rejections.length === 1, 'the rejection');
    const [rejection] = rig.rejections;
    assert.equal(rejection!.peer, liar.node.nodeId);
    assert.equal(rejection!.error.name, 'BlockVerificationError');
    assert.equal(rejection!.error.reason, 'data-hash');
    assert.equal(rejection!.error.height, withTxs);
    const reported = peerErrors(rig).find((e) => e.error === rejection!.error);
    assert.ok(reported?.fatal, 'a fatal peer error against the sender');
    await eventually(() => !rig.follower.peers().includes(liar.node.nodeId), 'the liar disconnected');
    assert.equal(rig.blocks.length, withTxs - 1, 'nothing past the bad block yet');

    await server(rig);
    await eventually(() => rig.blocks.length === TOP, 'the rest from the honest peer');
    assert.deepEqual(rig.blocks.map((b) => hashHex(b.id.hash)), results.map((r) => r.block_id.hash));
  });

  it('rejects a block whose last_block_id does not link to the previous block', async () => {
    const rig = await follower();
    const tampered = blocksByHeight(results);
    const bad = copyBlock(tampered.get(5)!);
    bad.header!.lastBlockId!.hash = new Uint8Array(32).fill(0xab);
    tampered.set(5, bad);
    const liar = await server(rig, tampered);
    await eventually(() => rig.rejections.length === 1, 'the rejection');
    assert.equal(rig.rejections[0]!.error.reason, 'last-block-id');
    assert.equal(rig.rejections[0]!.peer, liar.node.nodeId);
    assert.deepEqual(rig.blocks.map((b) => b.height), [1, 2, 3, 4]);
  });

  it('rejects blocks of another chain', async () => {
    const rig = await follower();
    const other = blocksByHeight(results);
    const foreign = copyBlock(other.get(1)!);
    foreign.header!.chainId = 'another-chain';
    other.set(1, foreign);
    await server(rig, other);
    await eventually(() => rig.rejections.length === 1, 'the rejection');
    assert.equal(rig.rejections[0]!.error.reason, 'chain-id');
  });

  const violations: Array<[string, () => unknown]> = [
    ['a block it was not asked for', () => BlockResponse.create({ block: blocksByHeight(results).get(2)! })],
    ['a StatusResponse with a negative height', () => StatusResponse.create({ height: -1, base: 0 })],
    ['a StatusResponse with its base above its height', () => StatusResponse.create({ height: 3, base: 5 })],
    ['a BlockRequest for a negative height', () => BlockRequest.create({ height: -4 })],
    ['a BlockResponse without a block', () => BlockResponse.create({})],
  ];
  for (const [what, message] of violations) {
    it(`reports a peer that sends ${what} (fatal)`, async () => {
      const rig = await follower();
      const { node, server: s } = await server(rig, new Map());
      s.channel.send(rig.follower.nodeId, message() as never);
      await eventually(() => peerErrors(rig).length === 1, 'the peer error');
      assert.equal(peerErrors(rig)[0]!.error.name, 'BlocksyncProtocolError');
      assert.equal(peerErrors(rig)[0]!.fatal, true);
      assert.equal(peerErrors(rig)[0]!.nodeId, node.nodeId);
    });
  }

  it('asks another peer when one does not answer in time', async () => {
    const rig = await follower({ request_timeout_ms: 100 });
    const mute = await server(rig, blocksByHeight(results), { silent: true });
    await eventually(() => mute.server.requested.length > 0, 'a request to the silent peer');
    await server(rig);
    await eventually(() => rig.blocks.length === TOP, 'every block from the other peer');
    assert.ok(rig.reactor.stats.requestTimeouts >= 1);
    const timeout = peerErrors(rig).find((e) => e.error.name === 'BlockRequestTimeoutError');
    assert.equal(timeout?.fatal, false);
  });

  it('sizes channel 0x40 from maxBlockBytes, far below CometBFT’s 100 MiB by default', async () => {
    const rig = await follower({ max_block_bytes: 65_536 });
    assert.equal(rig.reactor.blocksync.definition.recvMessageCapacity, 65_536 + 1024);
    assert.ok(rig.follower.nodeInfo.channels.includes(BLOCKSYNC_CHANNEL_ID));
    const defaults = await follower();
    assert.equal(defaults.reactor.blocksync.definition.recvMessageCapacity, 4 * 1024 * 1024 + 1024);
  });
});
