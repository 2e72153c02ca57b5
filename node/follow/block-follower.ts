import type { NodeID } from '../../framework/identity/node-id.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import type { Node } from '../node.js';
import { BlockStream, type FollowedBlock } from './block-stream.js';

/**
 * What a command that needs verified blocks on a node of its own (e.g.
 * `send-tx --wait`) plugs in: the reactors that node must run, and the
 * blocks they verify from then on.
 */
export interface BlocksyncFollower {
  readonly reactors: readonly ReactorClass[];
  /**
   * The blocks `node`'s blocksync reactor verifies from this call on, in
   * height order, from any peer (`peer` is the one the caller dialed; blocks
   * are verified whoever sent them). Iterating throws the first
   * BlockVerificationError, and the signal's reason when `signal` aborts. It
   * listens until the iteration ends or the node stops.
   */
  blocks(node: Node, peer: NodeID, signal: AbortSignal): AsyncIterable<FollowedBlock>;
}

/**
 * The blocksync reactor (starting at the peer's latest block) and the
 * consensus-state listener (so that the peer also gossips its mempool txs),
 * loaded only when asked for: `import 'tmp2p'` loads no reactor.
 */
export async function blocksyncFollower(): Promise<BlocksyncFollower> {
  const { BlocksyncReactor } = await import('../../reactors/blocksync/blocksync-reactor.js');
  const { ConsensusStateReactor } = await import('../../reactors/consensus-state/consensus-state-reactor.js');
  return {
    reactors: [BlocksyncReactor, ConsensusStateReactor],
    blocks(node: Node, _peer: NodeID, signal: AbortSignal): AsyncIterable<FollowedBlock> {
      const reactor = node.reactor(BlocksyncReactor);
      // Listening from the call on, not from the first iteration: no block verified meanwhile is missed.
      const stream = new BlockStream(reactor, signal);
      stream.add(reactor.rejections$.subscribe(({ error }) => stream.fail(error)));
      return stream;
    },
  };
}
