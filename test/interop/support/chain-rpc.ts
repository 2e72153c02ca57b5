import { z } from 'zod';
import type { CallOptions, CometBFTRpcClient } from './rpc.js';

/*
 * The chain-side RPC routes the mempool tests read: what the kvstore app
 * holds for a key, and submitting a tx the way a wallet would.
 */

const abciQuerySchema = z.looseObject({
  response: z.looseObject({ code: z.number().optional(), value: z.string().nullish() }),
});

const broadcastSchema = z.looseObject({ code: z.number(), hash: z.string(), log: z.string().optional() });

/** The kvstore value stored under `key` (`/abci_query?data="key"`), undefined while there is none. */
export async function abciQueryValue(rpc: CometBFTRpcClient, key: string, options: CallOptions = {}): Promise<string | undefined> {
  // JSON-RPC takes `data` as hex (the URI form takes a quoted string).
  const { response } = await rpc.call('abci_query', { data: Buffer.from(key).toString('hex') }, abciQuerySchema, options.signal);
  const value = response.value;
  return value === undefined || value === null || value === '' ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** `/broadcast_tx_sync`: CheckTx's code (0 = accepted) and the tx hash. */
export async function broadcastTxSync(rpc: CometBFTRpcClient, tx: string | Uint8Array, options: CallOptions = {}): Promise<{ code: number; hash: string; log?: string }> {
  return rpc.call('broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') }, broadcastSchema, options.signal);
}

