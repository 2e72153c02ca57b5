import { blocksyncFollower } from '../follow/block-follower.js';
import type { BlockFollower } from './send-tx.js';

/**
 * The follower `tmp2p send-tx --wait` uses: blocks downloaded and verified by
 * the blocksync reactor (from the peer's latest block on), with the
 * consensus-state listener announcing the height they reach.
 */
export async function defaultBlockFollower(): Promise<BlockFollower> {
  return blocksyncFollower();
}
