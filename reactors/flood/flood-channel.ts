import { tmp2p } from '../../proto/gen/messages.js';
import { defineChannel } from '../../framework/router/channel-definition.js';

export const Flood = tmp2p.flood.Flood;
export type Flood = tmp2p.flood.Flood;

/**
 * Channel 0x71: next to echo's 0x70, below 0x80 (one-byte channel varint)
 * and clear of every channel CometBFT v0.38 uses. Only tmp2p nodes running
 * the flood reactor advertise it, so it is never sent to CometBFT peers.
 */
export const FLOOD_CHANNEL_ID = 0x71;

export const FloodChannel = defineChannel({
  id: FLOOD_CHANNEL_ID,
  name: 'flood',
  messageType: Flood,
  priority: 1,
  sendQueueCapacity: 64,
  recvMessageCapacity: 64 * 1024,
  recvQueueCapacity: 4096,
});
