import type { BlockFollower } from './send-tx.js';

/**
 * The follower `tmp2p send-tx --wait` uses: blocks downloaded and verified by
 * the blocksync reactor. Undefined while this build has none.
 */
export async function defaultBlockFollower(): Promise<BlockFollower | undefined> {
  return undefined;
}
