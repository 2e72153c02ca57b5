import { z } from 'zod';
import type { RpcBlockResult } from '../../support/block-json.js';
import type { CallOptions, CometBFTRpcClient } from './rpc.js';

/*
 * The chain-side RPC routes the mempool and chain-following interop tests read: a whole block as
 * CometBFT reports it (to compare hashes with, and to serve real blocks from a tmp2p test peer),
 * what the kvstore app holds for a key, and submitting a tx the way a wallet would.
 */

const blockResultSchema = z.looseObject({
  block_id: z.looseObject({ hash: z.string(), parts: z.looseObject({ total: z.number(), hash: z.string() }) }),
  block: z.looseObject({
    header: z.looseObject({ height: z.string(), time: z.string(), chain_id: z.string() }),
    data: z.looseObject({ txs: z.array(z.string()).nullish() }),
    evidence: z.unknown(),
    last_commit: z.unknown(),
  }),
});

const abciQuerySchema = z.looseObject({
  response: z.looseObject({ code: z.number().optional(), value: z.string().nullish() }),
});

const broadcastSchema = z.looseObject({ code: z.number(), hash: z.string(), log: z.string().optional() });

/** `/block?height=H`: the block and its id as CometBFT reports them. */
export async function rpcBlock(rpc: CometBFTRpcClient, height: number, options: CallOptions = {}): Promise<RpcBlockResult> {
  return (await rpc.call('block', { height: String(height) }, blockResultSchema, options.signal)) as unknown as RpcBlockResult;
}

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

/** `/broadcast_tx_sync`; throws unless CheckTx accepted the tx (code 0). Returns its hash. */
export async function submitTx(rpc: CometBFTRpcClient, tx: string, options: CallOptions = {}): Promise<string> {
  const result = await broadcastTxSync(rpc, tx, options);
  if (result.code !== 0) throw new Error(`CheckTx refused ${JSON.stringify(tx)} with code ${result.code}`);
  return result.hash;
}
