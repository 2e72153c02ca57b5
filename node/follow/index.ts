export { follow, DEFAULT_FOLLOW_CONNECT_TIMEOUT_MS, type FollowOptions } from './follow.js';
export { BlockStream, FOLLOW_BUFFER_BLOCKS, followedBlock, type FollowedBlock } from './block-stream.js';
export { blocksyncFollower, type BlocksyncFollower } from './block-follower.js';
export * from './errors.js';
