import { tendermint } from '../../proto/gen/messages.js';
import { Channel, OnMessage, Reactor } from '../../framework/reactor/decorators.js';
import type { ChannelHandle } from '../../framework/router/channel.js';
import { defineChannel } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

/**
 * TODO(merge): replace with the mempool reactor (reactors/mempool, name
 * "mempool") once it is on main; `follow` must then run it instead of this
 * and this file goes.
 *
 * Until then, the least `follow` needs to advertise CometBFT's mempool
 * channel (0x30) as the issue asks: the channel with CometBFT's descriptor
 * (priority 5, the receive limit of one 1 MiB tx), and a handler that takes
 * the txs CometBFT gossips once our announced height is high enough, so
 * they are not reported as unhandled messages. It never sends.
 */
const Txs = tendermint.mempool.Txs;
type Txs = tendermint.mempool.Txs;

const MempoolListenerChannel = defineChannel({
  id: 0x30,
  name: 'mempool',
  messageType: tendermint.mempool.Message,
  wrapper: oneofWrapper(tendermint.mempool.Message, { txs: Txs }),
  priority: 5,
  // Message{Txs{[1 MiB tx]}}: CometBFT's limit under its default max_tx_bytes.
  recvMessageCapacity: 1_048_584,
  recvQueueCapacity: 1024,
});

@Reactor('follow-mempool-listener')
export class FollowMempoolListener {
  @Channel(MempoolListenerChannel) readonly mempool!: ChannelHandle<Txs>;
  /** Txs received (and dropped). */
  received = 0;

  @OnMessage(Txs)
  onTxs(message: Txs): void {
    this.received += message.txs.length;
  }
}
