import 'reflect-metadata';
import { injectable } from 'inversify';
import type { ChannelDefinition } from '../router/channel-definition.js';
import type { ChannelHandle } from '../router/channel.js';
import type { ConsumeOptions } from '../streams/bounded-consumer.js';
import type { MessageClass } from '../router/message-type.js';
import type { NodeID } from '../identity/node-id.js';
import type { PeerUpdate } from '../peer/types.js';
import { META, appendMeta, type IntervalSpec, type ChannelMeta, type ChannelSpec, type MessageHandlerMeta, type TimerMeta } from './metadata.js';

/** Passed to every message handler next to the message. */
export interface MessageContext<Inner = unknown> {
  readonly from: NodeID;
  readonly channelId: number;
  readonly channel: ChannelHandle<Inner>;
}

/**
 * Marks a class as a reactor named `name` (default: the class name). It only
 * records metadata and makes the class injectable (constructor dependencies
 * use `@inject(TOKENS.X)`); the node wires the reactors it is given at boot.
 */
export function Reactor(name?: string): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(META.reactor, { name: name ?? target.name }, target);
    injectable()(target as never);
  };
}

/**
 * Declares a channel the reactor uses; the scanner opens it at boot and
 * assigns its handle to the property, typed from the channel's messages.
 * `definition` may be a function of the reactor instance, called once the
 * reactor is constructed, so that a limit such as `recvMessageCapacity`
 * can come from the reactor's options.
 * `consume` bounds how the reactor's handlers take its messages (default 64
 * async calls in flight, 1,024 waiting, then `block`: the channel stops
 * delivering and its senders are slowed); see ChannelHandle.consume.
 */
export function Channel<Outer, Inner>(
  definition: ChannelDefinition<Outer, Inner> | ((reactor: any) => ChannelDefinition<Outer, Inner>),
  options: { consume?: ConsumeOptions } = {},
) {
  return <K extends string | symbol>(target: { [P in K]: ChannelHandle<Inner> }, property: K): void => {
    appendMeta<ChannelMeta>(META.channels, target.constructor, {
      property,
      consume: options.consume,
      definition: definition as ChannelSpec,
    });
  };
}

type Handler<T> = (message: T, context: MessageContext<any>) => unknown;

/**
 * Handles one inner message class on whichever of the reactor's channels
 * carries it (pass `channel` when several do). Without a type it is the
 * catch-all for messages no typed handler takes. A message with no handler
 * at all is reported as a peer error.
 */
export function OnMessage<T>(type?: MessageClass<T>, options: { channel?: number } = {}) {
  return <M extends Handler<T>>(target: object, method: string | symbol, _descriptor: TypedPropertyDescriptor<M>): void => {
    appendMeta<MessageHandlerMeta>(META.messageHandlers, target.constructor, {
      method,
      type: type as MessageClass | undefined,
      channelId: options.channel,
    });
  };
}

/** Receives every PeerUpdate (up/down), in order, starting with peers already up. */
export function OnPeerUpdate() {
  return <M extends (update: PeerUpdate) => unknown>(target: object, method: string | symbol, _descriptor: TypedPropertyDescriptor<M>): void => {
    appendMeta<string | symbol>(META.peerUpdateHandlers, target.constructor, method);
  };
}

/**
 * Calls the method every `interval` while the node runs: milliseconds, a
 * duration string ("5s"), or a function of the reactor instance (to read its
 * options). A tick is skipped while the previous async run is still going.
 */
export function Every(interval: IntervalSpec) {
  return <M extends () => unknown>(target: object, method: string | symbol, _descriptor: TypedPropertyDescriptor<M>): void => {
    appendMeta<TimerMeta>(META.timers, target.constructor, { method, interval });
  };
}

/** Optional lifecycle hooks a reactor may implement. */
export interface ReactorLifecycle {
  /** After channels are open and the router runs. */
  onStart?(): void | Promise<void>;
  /** Before channels close. */
  onStop?(): void | Promise<void>;
}
