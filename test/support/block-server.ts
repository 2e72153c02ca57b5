import { readFileSync } from 'node:fs';
import { tendermint } from '../../proto/gen/messages.js';
import { Channel, OnMessage, Reactor, type MessageContext } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import type { NodeID } from '../../framework/identity/node-id.js';
import {
  BlockRequest,
  BlockResponse,
  BlocksyncChannel,
  NoBlockResponse,
  StatusRequest,
  StatusResponse,
  type BlocksyncMessage,
} from '../../reactors/blocksync/blocksync-channel.js';
import { blockFromJson, type RpcBlockResult } from './block-json.js';
import { vectorPath } from './repo-root.js';

/** The live-chain vector blocks (test/vectors/cometbft-kvstore-blocks.json): chain id and results by height. */
export function vectorBlocks(): { chainId: string; results: RpcBlockResult[] } {
  const json = JSON.parse(readFileSync(vectorPath('cometbft-kvstore-blocks.json'), 'utf8')) as { chain_id: string; blocks: RpcBlockResult[] };
  return { chainId: json.chain_id, results: json.blocks };
}

/** A fresh decoded copy of a block, safe to tamper with. */
export function copyBlock(block: tendermint.types.Block): tendermint.types.Block {
  return tendermint.types.Block.decode(tendermint.types.Block.encode(block).finish());
}

/** Blocks by height from RPC results. */
export function blocksByHeight(results: readonly RpcBlockResult[]): Map<number, tendermint.types.Block> {
  return new Map(results.map((r) => [Number(r.block.header.height), blockFromJson(r.block)]));
}

/**
 * A test peer that serves blocks over channel 0x40 as a CometBFT node
 * would: StatusResponse with the range of `blocks`, BlockResponse for a
 * height it has, NoBlockResponse otherwise. A test sets `blocks` (tampered
 * copies included), may make it `silent` (no answers to BlockRequest) and
 * reads what it was asked.
 */
@Reactor('test-block-server')
export class BlockServer {
  @Channel(BlocksyncChannel) readonly channel!: ChannelHandle<BlocksyncMessage>;
  blocks = new Map<number, tendermint.types.Block>();
  /** Leave BlockRequests unanswered. */
  silent = false;
  readonly requested: Array<{ from: NodeID; height: number }> = [];
  readonly received: Array<{ from: NodeID; message: BlocksyncMessage }> = [];

  range(): { base: number; height: number } {
    const heights = [...this.blocks.keys()];
    return heights.length === 0 ? { base: 0, height: 0 } : { base: Math.min(...heights), height: Math.max(...heights) };
  }

  @OnMessage(StatusRequest)
  onStatusRequest(_m: StatusRequest, { from }: MessageContext): void {
    this.channel.send(from, StatusResponse.create(this.range()));
  }

  @OnMessage(BlockRequest)
  onBlockRequest(m: BlockRequest, { from }: MessageContext): void {
    this.requested.push({ from, height: m.height });
    if (this.silent) return;
    const block = this.blocks.get(m.height);
    this.channel.send(from, block === undefined ? NoBlockResponse.create({ height: m.height }) : BlockResponse.create({ block }));
  }

  @OnMessage()
  onOther(message: unknown, { from }: MessageContext): void {
    this.received.push({ from, message: message as BlocksyncMessage });
  }
}
