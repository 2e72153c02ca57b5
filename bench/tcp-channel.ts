import { google } from '../proto/gen/messages.js';
import { Reactor, Channel, OnMessage } from '../framework/reactor/decorators.js';
import { defineChannel } from '../framework/router/channel-definition.js';
import type { ChannelHandle } from '../framework/router/channel.js';

export const BytesValue = google.protobuf.BytesValue;
export type BytesValue = google.protobuf.BytesValue;

/** A raw-bytes channel for throughput runs (id below 0x80, as CometBFT's packet size needs). */
export const BenchChannel = defineChannel({
  id: 0x63,
  name: 'bench',
  messageType: BytesValue,
  sendQueueCapacity: 256,
  recvMessageCapacity: 2 * 1024 * 1024,
  recvQueueCapacity: 4096,
});

/** Counts what arrives and says when a target is reached. */
@Reactor('bench-bytes')
export class BenchBytesReactor {
  @Channel(BenchChannel) readonly bench!: ChannelHandle<BytesValue>;
  received = 0;
  receivedBytes = 0;
  target = Infinity;
  onTarget?: () => void;

  @OnMessage(BytesValue)
  onBytes(message: BytesValue): void {
    this.received++;
    this.receivedBytes += message.value.length;
    if (this.received === this.target) this.onTarget?.();
  }
}
