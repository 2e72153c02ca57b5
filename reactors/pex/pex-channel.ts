import { tendermint } from '../../proto/gen/messages.js';
import { defineChannel } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

export const PexRequest = tendermint.p2p.PexRequest;
export type PexRequest = tendermint.p2p.PexRequest;
export const PexAddrs = tendermint.p2p.PexAddrs;
export type PexAddrs = tendermint.p2p.PexAddrs;
export const NetAddress = tendermint.p2p.NetAddress;
export type NetAddress = tendermint.p2p.NetAddress;
/** CometBFT v0.38's `tendermint.p2p.Message{pex_request = 1, pex_addrs = 2}`. */
export const PexWireMessage = tendermint.p2p.Message;
export type PexWireMessage = tendermint.p2p.Message;

/** What the PEX reactor sends and receives once the `Message` oneof is unwrapped. */
export type PexMessage = PexRequest | PexAddrs;

/** CometBFT's PexChannel; every v0.38 node with `pex = true` advertises it. */
export const PEX_CHANNEL_ID = 0x00;

/** CometBFT's receive limit for the PEX channel; bigger messages close the connection. */
export const PEX_RECV_MESSAGE_CAPACITY = 64_000;

/**
 * Descriptor values are CometBFT v0.38's (`pex_reactor.go` GetChannels), so
 * both sides agree on what a too-large message is.
 */
export const PexChannel = defineChannel({
  id: PEX_CHANNEL_ID,
  name: 'pex',
  messageType: PexWireMessage,
  wrapper: oneofWrapper(PexWireMessage, { pexRequest: PexRequest, pexAddrs: PexAddrs }),
  priority: 1,
  sendQueueCapacity: 10,
  recvMessageCapacity: PEX_RECV_MESSAGE_CAPACITY,
  // PEX traffic is a few messages per peer per minute; a small bound suffices.
  recvQueueCapacity: 128,
});
