export * from './errors.js';
export { sendTx, DEFAULT_SEND_TX_TIMEOUT_MS, type SendTxOptions, type SendTxResult, type BlockFollower, type FollowedBlockSummary } from './send-tx.js';
