import assert from 'node:assert/strict';
import type { Node } from '../../../node/node.js';
import { blocksyncFollower, type BlocksyncFollower } from '../../../node/follow/block-follower.js';
import type { FollowedBlock } from '../../../node/follow/block-stream.js';
import { BlockServer, blocksByHeight, copyBlock, vectorBlocks } from '../../support/block-server.js';
import { MemoryNetwork, memoryNode } from '../../support/channel-probe.js';

const { chainId, results } = vectorBlocks();

describe('blocksyncFollower', () => {
  const nodes: Node[] = [];
  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
  });

  /** A node running the follower's reactors, its block stream opened before it connects to a block server. */
  async function followServer(blocks: ReturnType<typeof blocksByHeight>): Promise<{ server: BlockServer; stream: AsyncIterable<FollowedBlock> }> {
    const follower: BlocksyncFollower = await blocksyncFollower();
    const network = new MemoryNetwork();
    const node = await memoryNode(network, follower.reactors, { network: chainId, reactors: { blocksync: { status_interval_ms: 20 } } });
    const serverNode = await memoryNode(network, [BlockServer], { network: chainId });
    nodes.push(node, serverNode);
    const server = serverNode.reactor(BlockServer);
    server.blocks = blocks;
    const stream = follower.blocks(node, serverNode.nodeId, new AbortController().signal);
    for (const address of serverNode.addresses()) node.addPeer(address);
    return { server, stream };
  }

  it('yields the blocks the node verifies from the peer’s latest on, with CometBFT’s hashes', async () => {
    const all = blocksByHeight(results);
    const { server, stream } = await followServer(new Map([...all].filter(([h]) => h <= 5)));
    const seen: { height: number; hash: string }[] = [];
    for await (const block of stream) {
      seen.push({ height: block.height, hash: block.hash });
      if (block.height === 5) server.blocks = all;
      if (block.height === results.length) break;
    }
    assert.deepEqual(seen, results.slice(4).map((r, i) => ({ height: 5 + i, hash: r.block_id.hash })));
  });

  it('throws the BlockVerificationError of a block that fails', async () => {
    const all = blocksByHeight(results);
    const first = new Map([...all].filter(([h]) => h <= 5));
    const bad = copyBlock(all.get(6)!);
    bad.header!.lastBlockId!.hash = new Uint8Array(32);
    const { server, stream } = await followServer(first);
    const iteration = (async () => {
      for await (const block of stream) if (block.height === 5) server.blocks = new Map([...first, [6, bad]]);
    })();
    await assert.rejects(iteration, { name: 'BlockVerificationError', reason: 'last-block-id', height: 6 });
  });
});
