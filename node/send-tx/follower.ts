import type { NodeID } from '../../framework/identity/node-id.js';
import type { ReactorClass } from '../../framework/reactor/metadata.js';
import { blocksyncFollower } from '../follow/block-follower.js';
import type { FollowedBlock } from '../follow/block-stream.js';
import type { Node } from '../node.js';

/** What `sendTx` needs of a block a follower verified: its height, hash (upper-case hex) and txs — any `follow` block has them. */
export type FollowedBlockSummary = Pick<FollowedBlock, 'height' | 'hash' | 'txs'>;

/**
 * How `sendTx({ wait: true })` learns that its tx was committed: the
 * reactors its node must run to follow blocks, and the verified blocks the
 * peer serves from now on, in height order. The iterable ends or throws
 * when following fails; `signal` aborts it.
 */
export interface BlockFollower {
  readonly reactors: readonly ReactorClass[];
  blocks(node: Node, peer: NodeID, signal: AbortSignal): AsyncIterable<FollowedBlockSummary>;
}

/**
 * The follower `tmp2p send-tx --wait` uses: blocks downloaded and verified by
 * the blocksync reactor (from the peer's latest block on), with the
 * consensus-state listener announcing the height they reach.
 */
export async function defaultBlockFollower(): Promise<BlockFollower> {
  return blocksyncFollower();
}
