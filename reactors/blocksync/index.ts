export * from './blocksync-channel.js';
export * from './blocksync-reactor.js';
export * from './errors.js';
export * from './options.js';
export { blockIdOf, dataHash, evidenceHash, hashHex, headerHash, lastCommitHash, partSetHeaderOf, BLOCK_PART_SIZE_BYTES, type BlockId } from './block-hash.js';
export { verifyBlock, verifyLink, type VerifiedBlock, type VerifyBlockOptions } from './block-verify.js';
export { merkleRoot } from './merkle.js';
export { formatBlockTime } from './block-time.js';
export type { PeerRange } from './block-pool.js';
