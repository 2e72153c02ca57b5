import { z } from 'zod';
import type { CallOptions, CometBFTRpcClient } from './rpc.js';

/*
 * The chain-side RPC routes the mempool interop tests read: what the kvstore
 * app holds for a key, where a tx was committed, and submitting a tx the way
 * a wallet would.
 */

const abciQuerySchema = z.looseObject({
  response: z.looseObject({ code: z.number().optional(), value: z.string().nullish() }),
});

const txSearchSchema = z.looseObject({
  txs: z.array(z.looseObject({ hash: z.string(), height: z.string() })),
  total_count: z.string(),
});

const broadcastSchema = z.looseObject({ code: z.number(), hash: z.string(), log: z.string().optional() });

const blockSchema = z.looseObject({
  block_id: z.looseObject({ hash: z.string() }),
  block: z.looseObject({ header: z.looseObject({ height: z.string() }) }),
});

/** The kvstore value stored under `key` (`/abci_query?data="key"`), undefined while there is none. */
export async function abciQueryValue(rpc: CometBFTRpcClient, key: string, options: CallOptions = {}): Promise<string | undefined> {
  // JSON-RPC takes `data` as hex (the URI form takes a quoted string).
  const { response } = await rpc.call('abci_query', { data: Buffer.from(key).toString('hex') }, abciQuerySchema, options.signal);
  const value = response.value;
  return value === undefined || value === null || value === '' ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** The height `/tx_search?query="tx.hash='HASH'"` finds the tx at, undefined while it is not indexed. */
export async function txSearchHeight(rpc: CometBFTRpcClient, hash: string, options: CallOptions = {}): Promise<number | undefined> {
  const result = await rpc.call('tx_search', { query: `tx.hash='${hash}'` }, txSearchSchema, options.signal);
  const found = result.txs.find((t) => t.hash.toUpperCase() === hash.toUpperCase());
  return found === undefined ? undefined : Number(found.height);
}

/** `/broadcast_tx_sync`: CheckTx's code (0 = accepted) and the tx hash. */
export async function broadcastTxSync(rpc: CometBFTRpcClient, tx: string | Uint8Array, options: CallOptions = {}): Promise<{ code: number; hash: string; log?: string }> {
  return rpc.call('broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') }, broadcastSchema, options.signal);
}

/** `/block?height=H`: the block id hash RPC reports for that height. */
export async function blockHash(rpc: CometBFTRpcClient, height: number, options: CallOptions = {}): Promise<string> {
  const result = await rpc.call('block', { height: String(height) }, blockSchema, options.signal);
  return result.block_id.hash;
}
