import { createHash } from 'node:crypto';

/**
 * A tx's hash as CometBFT shows it (RPC `broadcast_tx_*`, `/tx_search`,
 * `/tx?hash=0x…`): SHA-256 of the tx bytes, upper-case hex. It is also the
 * seen-cache key (CometBFT's `TxKey` is the same SHA-256).
 */
export function txHash(tx: Uint8Array): string {
  return createHash('sha256').update(tx).digest('hex').toUpperCase();
}
