import { z } from 'zod';
import type { RpcBlockResult } from '../../support/block-json.js';
import type { CallOptions, CometBFTRpcClient } from './rpc.js';

/*
 * The RPC routes the chain-following interop tests read: a whole block as
 * CometBFT reports it (to compare hashes with, and to serve real blocks from
 * a tmp2p test peer), and submitting a tx.
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

const broadcastSchema = z.looseObject({ code: z.number(), hash: z.string() });

/** `/block?height=H`: the block and its id as CometBFT reports them. */
export async function rpcBlock(rpc: CometBFTRpcClient, height: number, options: CallOptions = {}): Promise<RpcBlockResult> {
  return (await rpc.call('block', { height: String(height) }, blockResultSchema, options.signal)) as unknown as RpcBlockResult;
}

/** `/broadcast_tx_sync`; throws unless CheckTx accepted the tx (code 0). Returns its hash. */
export async function submitTx(rpc: CometBFTRpcClient, tx: string, options: CallOptions = {}): Promise<string> {
  const result = await rpc.call('broadcast_tx_sync', { tx: Buffer.from(tx).toString('base64') }, broadcastSchema, options.signal);
  if (result.code !== 0) throw new Error(`CheckTx refused ${JSON.stringify(tx)} with code ${result.code}`);
  return result.hash;
}
