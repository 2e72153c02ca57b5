import 'reflect-metadata';
import type { ConsumeOptions } from '../streams/bounded-consumer.js';
import { InvalidArgumentError } from '../errors/base.js';
import type { ChannelDefinition } from '../router/channel-definition.js';
import type { MessageClass } from '../router/message-type.js';

/**
 * Decorators only record metadata under these keys; ReactorScanner reads it
 * at boot and does all the wiring.
 */
export const META = {
  reactor: Symbol.for('tmp2p.meta.reactor'),
  channels: Symbol.for('tmp2p.meta.channels'),
  messageHandlers: Symbol.for('tmp2p.meta.messageHandlers'),
  peerUpdateHandlers: Symbol.for('tmp2p.meta.peerUpdateHandlers'),
  timers: Symbol.for('tmp2p.meta.timers'),
} as const;

export interface ReactorMeta {
  readonly name: string;
}

/** A class decorated with `@Reactor`. */
export type ReactorClass = abstract new (...args: never[]) => object;

/** A channel definition, or a function of the reactor instance that returns one (to size the channel from the reactor's options). */
export type ChannelSpec = ChannelDefinition<unknown, unknown> | ((reactor: any) => ChannelDefinition<unknown, unknown>);

export interface ChannelMeta {
  readonly property: string | symbol;
  readonly definition: ChannelSpec;
  /** How the reactor's handlers consume the channel (concurrency, buffer, overflow); defaults when absent. */
  readonly consume?: ConsumeOptions;
}

export interface MessageHandlerMeta {
  readonly method: string | symbol;
  /** Undefined for a catch-all handler. */
  readonly type?: MessageClass;
  readonly channelId?: number;
}

export type IntervalSpec = number | string | ((reactor: any) => number | string);

export interface TimerMeta {
  readonly method: string | symbol;
  readonly interval: IntervalSpec;
}

export function appendMeta<T>(key: symbol, target: object, entry: T): void {
  const list: T[] = Reflect.getOwnMetadata(key, target) ?? [...(Reflect.getMetadata(key, target) ?? [])];
  list.push(entry);
  Reflect.defineMetadata(key, list, target);
}

export function readMeta<T>(key: symbol, target: object): readonly T[] {
  return Reflect.getMetadata(key, target) ?? [];
}

export function reactorMeta(cls: object): ReactorMeta | undefined {
  return Reflect.getOwnMetadata(META.reactor, cls);
}

/** The name a reactor class was declared with (`@Reactor(name)`, default its class name). */
export function reactorNameOf(cls: ReactorClass): string {
  const meta = reactorMeta(cls);
  if (!meta) throw new InvalidArgumentError(`${cls.name} is not a reactor: decorate it with @Reactor()`);
  return meta.name;
}
