import { tmp2p } from '../../proto/gen/messages.js';
import { defineChannel } from '../../framework/router/channel-definition.js';
import { oneofWrapper } from '../../framework/router/message-type.js';

export const Ping = tmp2p.echo.Ping;
export type Ping = tmp2p.echo.Ping;
export const Pong = tmp2p.echo.Pong;
export type Pong = tmp2p.echo.Pong;
export const EchoMessage = tmp2p.echo.EchoMessage;

/**
 * Channel 0x70: below 0x80 so a full 1024-byte packet keeps a one-byte
 * channel varint (CometBFT rejects 1035-byte packets), and clear of every
 * channel CometBFT v0.38 uses.
 */
export const ECHO_CHANNEL_ID = 0x70;

export const EchoChannel = defineChannel({
  id: ECHO_CHANNEL_ID,
  name: 'echo',
  messageType: EchoMessage,
  wrapper: oneofWrapper(EchoMessage, { ping: Ping, pong: Pong }),
  priority: 1,
  sendQueueCapacity: 64,
  recvMessageCapacity: 64 * 1024,
  recvQueueCapacity: 4096,
});
