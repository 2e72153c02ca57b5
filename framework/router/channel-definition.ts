import { InvalidArgumentError } from '../errors/base.js';
import type { ChannelDescriptor } from '../transport/transport.js';
import type { MessageClass, MessageType, Wrapper } from './message-type.js';

/**
 * Everything the router needs to open a channel. `Inner` is what reactors
 * send and receive: the wrapper's inner union, or the message type itself.
 */
export interface ChannelDefinition<Outer = unknown, Inner = Outer> extends ChannelDescriptor {
  /** Human-readable name for logs and metrics. */
  readonly name: string;
  readonly messageType: MessageType<Outer>;
  readonly wrapper?: Wrapper<Outer, Inner>;
  /** Classes of messages reactors may receive; drives @OnMessage dispatch. */
  readonly innerTypes: readonly MessageClass<Inner>[];
  /** Inbound queue bound in messages (all peers into this channel). */
  readonly recvQueueCapacity: number;
}

export interface ChannelOptions<Outer, Inner> {
  /** Channel id, 0..255 (CometBFT's MConnection uses one byte). Keep below 0x80 for 1024-byte packets to fit. */
  readonly id: number;
  readonly name?: string;
  readonly messageType: NoInfer<MessageType<Outer>> & MessageClass<Outer>;
  readonly wrapper?: Wrapper<Outer, Inner>;
  /** Default 1. Higher gets more bandwidth when channels compete. */
  readonly priority?: number;
  /** Default 16 messages per peer in the transport's per-channel send queue. */
  readonly sendQueueCapacity?: number;
  /** Default 4096 bytes (initial reassembly buffer, as CometBFT). */
  readonly recvBufferCapacity?: number;
  /** Default 22020096 bytes (21 MiB, CometBFT's default); larger inbound messages close the connection. */
  readonly recvMessageCapacity?: number;
  /** Default 1024 messages queued between the peers' receive loops and the reactor. */
  readonly recvQueueCapacity?: number;
}

export const CHANNEL_DEFAULTS = {
  priority: 1,
  sendQueueCapacity: 16,
  recvBufferCapacity: 4096,
  recvMessageCapacity: 22020096,
  recvQueueCapacity: 1024,
} as const;

/** Declares a channel; the returned definition carries the inner type for handler typing. */
export function defineChannel<Outer, Inner = Outer>(options: ChannelOptions<Outer, Inner>): ChannelDefinition<Outer, Inner> {
  const def: ChannelDefinition<Outer, Inner> = {
    id: options.id,
    name: options.name ?? `channel-0x${options.id.toString(16).padStart(2, '0')}`,
    messageType: options.messageType,
    wrapper: options.wrapper,
    innerTypes: options.wrapper ? options.wrapper.innerTypes : [options.messageType as unknown as MessageClass<Inner>],
    priority: options.priority ?? CHANNEL_DEFAULTS.priority,
    sendQueueCapacity: options.sendQueueCapacity ?? CHANNEL_DEFAULTS.sendQueueCapacity,
    recvBufferCapacity: options.recvBufferCapacity ?? CHANNEL_DEFAULTS.recvBufferCapacity,
    recvMessageCapacity: options.recvMessageCapacity ?? CHANNEL_DEFAULTS.recvMessageCapacity,
    recvQueueCapacity: options.recvQueueCapacity ?? CHANNEL_DEFAULTS.recvQueueCapacity,
  };
  validateChannelDefinition(def);
  return def;
}

export function validateChannelDefinition(def: ChannelDefinition<unknown, unknown>): void {
  const positive = (key: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`channel ${def.name}: ${key} must be an integer ≥ 1, got ${value}`);
    }
  };
  if (!Number.isInteger(def.id) || def.id < 0 || def.id > 255) {
    throw new InvalidArgumentError(`channel ${def.name}: id must be an integer in 0..255, got ${def.id}`);
  }
  positive('priority', def.priority);
  positive('sendQueueCapacity', def.sendQueueCapacity);
  positive('recvBufferCapacity', def.recvBufferCapacity);
  positive('recvMessageCapacity', def.recvMessageCapacity);
  positive('recvQueueCapacity', def.recvQueueCapacity);
}
