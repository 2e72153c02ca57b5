import { tendermint } from '../../proto/gen/messages.js';
import { defineChannel, type ChannelDefinition } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

export const BlockRequest = tendermint.blocksync.BlockRequest;
export type BlockRequest = tendermint.blocksync.BlockRequest;
export const NoBlockResponse = tendermint.blocksync.NoBlockResponse;
export type NoBlockResponse = tendermint.blocksync.NoBlockResponse;
export const BlockResponse = tendermint.blocksync.BlockResponse;
export type BlockResponse = tendermint.blocksync.BlockResponse;
export const StatusRequest = tendermint.blocksync.StatusRequest;
export type StatusRequest = tendermint.blocksync.StatusRequest;
export const StatusResponse = tendermint.blocksync.StatusResponse;
export type StatusResponse = tendermint.blocksync.StatusResponse;
/** CometBFT v0.38's `tendermint.blocksync.Message`. */
export const BlocksyncWireMessage = tendermint.blocksync.Message;
export type BlocksyncWireMessage = tendermint.blocksync.Message;

/** What the blocksync channel carries once the oneof is unwrapped. */
export type BlocksyncMessage = BlockRequest | NoBlockResponse | BlockResponse | StatusRequest | StatusResponse;

/** CometBFT's BlocksyncChannel. */
export const BLOCKSYNC_CHANNEL_ID = 0x40;

/**
 * Our default receive limit for channel 0x40: 4 MiB. CometBFT accepts
 * messages up to its largest possible block (104,857,600 bytes + a prefix);
 * every byte of a message is buffered before it can be checked, so a
 * hostile peer could make each connection hold 100 MiB. Real blocks are far
 * smaller (CometBFT's default `block.max_bytes` is 21 MiB, most chains set
 * 1–5 MiB); raise `maxBlockBytes` for a chain whose blocks are larger.
 */
export const DEFAULT_BLOCKSYNC_MAX_BLOCK_BYTES = 4 * 1024 * 1024;

/** Room for the BlockResponse and Message wrappers around a block (CometBFT allows a few bytes; we allow 1 KiB). */
export const BLOCK_RESPONSE_OVERHEAD_BYTES = 1024;

/**
 * The blocksync channel with CometBFT v0.38's descriptor (priority 5, send
 * queue 1000, receive buffer 50 × 4096) and a receive limit of
 * `maxBlockBytes` plus the response's wrappers. The inbound queue holds at
 * most `recvQueueCapacity` messages, which with the limit bounds what peers
 * can make us buffer.
 */
export function blocksyncChannel(maxBlockBytes = DEFAULT_BLOCKSYNC_MAX_BLOCK_BYTES, recvQueueCapacity = 64): ChannelDefinition<BlocksyncWireMessage, BlocksyncMessage> {
  return defineChannel({
    id: BLOCKSYNC_CHANNEL_ID,
    name: 'blocksync',
    messageType: BlocksyncWireMessage,
    wrapper: oneofWrapper(BlocksyncWireMessage, {
      blockRequest: BlockRequest,
      noBlockResponse: NoBlockResponse,
      blockResponse: BlockResponse,
      statusRequest: StatusRequest,
      statusResponse: StatusResponse,
    }),
    priority: 5,
    sendQueueCapacity: 1000,
    recvBufferCapacity: 50 * 4096,
    recvMessageCapacity: maxBlockBytes + BLOCK_RESPONSE_OVERHEAD_BYTES,
    recvQueueCapacity,
  });
}

/** The blocksync channel with the default limits. */
export const BlocksyncChannel = blocksyncChannel();
