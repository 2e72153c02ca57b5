import { tendermint } from '../../proto/gen/messages.js';
import { defineChannel, type ChannelDefinition } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

/** `tendermint.mempool.Txs { repeated bytes txs = 1; }`: what the reactor sends and receives. */
export const Txs = tendermint.mempool.Txs;
export type Txs = tendermint.mempool.Txs;
/** CometBFT v0.38's `tendermint.mempool.Message { oneof sum { Txs txs = 1; } }`. */
export const MempoolWireMessage = tendermint.mempool.Message;
export type MempoolWireMessage = tendermint.mempool.Message;

/** CometBFT's MempoolChannel. */
export const MEMPOOL_CHANNEL_ID = 0x30;

/** CometBFT's default `mempool.max_tx_bytes` (1 MiB). */
export const DEFAULT_MAX_TX_BYTES = 1_048_576;

/** The most `maxTxBytes` may be: CometBFT's largest block (`types.MaxBlockSizeBytes`), which no tx can exceed. */
export const MAX_TX_BYTES_LIMIT = 104_857_600;

function uvarintLength(n: number): number {
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/**
 * Encoded size of `Message{Txs{txs: [tx]}}` for one tx of `txBytes` bytes:
 * a length-delimited field 1 (tag, length, tx) inside a length-delimited
 * field 1 (tag, length, Txs). CometBFT sizes its mempool channel's receive
 * limit this way, from a message holding one tx of `max_tx_bytes`.
 */
export function txsMessageSize(txBytes: number): number {
  const txs = 1 + uvarintLength(txBytes) + txBytes;
  return 1 + uvarintLength(txs) + txs;
}

/**
 * CometBFT's receive limit for channel 0x30 under its default config:
 * 1,048,584 bytes (`txsMessageSize(1 MiB)`). A larger message closes the
 * connection (MessageTooLargeError) before it is buffered.
 */
export const MEMPOOL_RECV_MESSAGE_CAPACITY = txsMessageSize(DEFAULT_MAX_TX_BYTES);

/**
 * The channel for a network whose `max_tx_bytes` is `maxTxBytes`.
 * Descriptor values are CometBFT v0.38's (`mempool/reactor.go` GetChannels:
 * priority 5, the receive limit is the size of a message holding one tx of
 * `max_tx_bytes`), so both sides agree on what a too-large message is. The
 * queue sizes are ours: a tx per message, bursts of a peer's whole mempool
 * (5,000 txs by default) when it connects.
 */
export function mempoolChannel(maxTxBytes = DEFAULT_MAX_TX_BYTES): ChannelDefinition<MempoolWireMessage, Txs> {
  return defineChannel({
    id: MEMPOOL_CHANNEL_ID,
    name: 'mempool',
    messageType: MempoolWireMessage,
    wrapper: oneofWrapper(MempoolWireMessage, { txs: Txs }),
    priority: 5,
    sendQueueCapacity: 256,
    recvMessageCapacity: txsMessageSize(maxTxBytes),
    recvQueueCapacity: 4096,
  });
}

/** The channel under CometBFT's default config (receive limit 1,048,584 bytes). */
export const MempoolChannel = mempoolChannel();
